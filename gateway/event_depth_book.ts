/**
 * One symbol's price levels for market subscribers that asked for depth (depthLevels N): the hub
 * keeps it only while such a subscriber exists, sends each of them a DEPTH frame when it joins and
 * then only when its top N levels changed (codec/wire/event_frame_descriptor.ts).
 *
 * Start: the read-only GET_DEPTH command (DepthSource) gives the book as of its sequence S (at most
 * MAX_DEPTH_LEVELS_PER_SIDE levels a side); the LEVEL_CHANGED events after S, from the retention and
 * then as they are released, keep it current (each carries the level's new total: applying one is
 * idempotent). A side that GET_DEPTH cut short ("truncated") may hide levels below the ones known:
 * changes there are ignored, and when fewer known levels are left than a reader wants, the book is
 * asked again.
 *
 * Changes are ranked: a change at rank r (0 = best) alters the top N iff r < N, so `changedRank`, the
 * best rank changed since the last frames, tells which readers need a frame.
 */
import { EvtHeader, EventKind, LevelBody } from '../codec/records/event_descriptor.ts';
import type { RecordBuffer } from '../codec/records/record_buffer.ts';
import { MAX_DEPTH_LEVELS_PER_SIDE } from '../codec/records/result_descriptor.ts';
import { Side } from '../codec/registry/enum_values.ts';
import { ResultCode } from '../codec/result_codes.ts';
import { ALL_OF_COMMAND, type EventRetention } from '../core/event_retention.ts';
import { encodeDepth } from '../codec/wire/event_frame_descriptor.ts';
import { prefixed } from './event_frame_builder.ts';

/** The book as the GET_DEPTH of `sequence` read it: [price, quantity] best first. */
export interface DepthAnswer {
  readonly sequence: number;
  readonly bids: readonly (readonly [number, number])[];
  readonly asks: readonly (readonly [number, number])[];
}

/** Reads a symbol's book through the engine (gateway/event_depth_source.ts); `null` when it could not. */
export interface DepthSource {
  /** Asks as `principalId` (the subscriber's: a read-only query). */
  /** `code`: the GET_DEPTH's result code (answer null unless OK). */
  query(symbolId: number, levelsPerSide: number, principalId: number, done: (answer: DepthAnswer | null, code: number) => void): void;
}

/** A side: prices best first, with their quantities. */
class BookSide {
  readonly prices: number[] = [];
  readonly quantities: number[] = [];
  truncated = false;
  constructor(private readonly better: (a: number, b: number) => boolean) {}

  load(levels: readonly (readonly [number, number])[], asked: number): void {
    this.prices.length = 0;
    this.quantities.length = 0;
    for (const [price, quantity] of levels) {
      this.prices.push(price);
      this.quantities.push(quantity);
    }
    this.truncated = levels.length >= asked;
  }

  /** Sets the level's total (0 removes it); returns the rank it had or takes, -1 when nothing known changed. */
  set(price: number, quantity: number): number {
    const prices = this.prices;
    let lo = 0;
    let hi = prices.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.better(prices[mid] as number, price)) lo = mid + 1;
      else hi = mid;
    }
    const found = lo < prices.length && prices[lo] === price;
    // Below the known levels of a side GET_DEPTH cut short: unknown territory.
    if (!found && this.truncated && lo === prices.length) return -1;
    if (quantity === 0) {
      if (!found) return -1;
      prices.splice(lo, 1);
      this.quantities.splice(lo, 1);
    } else if (found) {
      if (this.quantities[lo] === quantity) return -1;
      this.quantities[lo] = quantity;
    } else {
      prices.splice(lo, 0, price);
      this.quantities.splice(lo, 0, quantity);
    }
    return lo;
  }
}

const NOTHING_CHANGED = Number.MAX_SAFE_INTEGER;
/** Wait before asking GET_DEPTH again after a refusal (busy) or an answer older than the retention. */
const LOAD_RETRY_MS = 50;
/** The longest wait between GET_DEPTHs of a symbol that does not exist. */
const LOAD_RETRY_MAX_MS = 5000;

export class DepthBook {
  private readonly bids = new BookSide((a, b) => a > b);
  private readonly asks = new BookSide((a, b) => a < b);
  /** The GET_DEPTH's sequence: events of commands up to it are in the loaded levels. */
  snapshotSequence = -1;
  ready = false;
  private loading = false;
  /** Wait before asking again after SYMBOL_NOT_FOUND: doubles up to LOAD_RETRY_MAX_MS, so a reader of a symbol that does not exist (yet) costs a query every few seconds, not 20 a second. */
  private notFoundRetryMs = LOAD_RETRY_MS;
  private changedRank = NOTHING_CHANGED;
  /** Readers per depthLevels (index = N). */
  private readonly readersByLevels = new Array<number>(MAX_DEPTH_LEVELS_PER_SIDE + 1).fill(0);
  readers = 0;
  private principalId = 0;
  /** Changes applied (and loads): a reader sent its frame at this count has seen them all. */
  changeCount = 0;
  /** Counted for tests and metrics: GET_DEPTH queries made. */
  queries = 0;

  constructor(readonly symbolId: number, private readonly source: DepthSource, private readonly retention: EventRetention,
    private readonly livePosition: () => number, private readonly onReady: (book: DepthBook) => void) {}

  addReader(levels: number, principalId: number): void {
    this.readersByLevels[levels] = (this.readersByLevels[levels] ?? 0) + 1;
    this.readers++;
    this.principalId = principalId;
    if (!this.ready && !this.loading) this.load();
    else if (this.ready && this.needsReload()) this.reload();
  }

  removeReader(levels: number): void {
    this.readersByLevels[levels] = (this.readersByLevels[levels] ?? 1) - 1;
    this.readers--;
  }

  private get maxLevels(): number {
    for (let n = this.readersByLevels.length - 1; n > 0; n--) if ((this.readersByLevels[n] ?? 0) > 0) return n;
    return 0;
  }

  private needsReload(): boolean {
    const wanted = this.maxLevels;
    return (this.bids.truncated && this.bids.prices.length < wanted) || (this.asks.truncated && this.asks.prices.length < wanted);
  }

  private reload(): void {
    this.ready = false;
    this.load();
  }

  private load(): void {
    this.loading = true;
    this.queries++;
    this.source.query(this.symbolId, MAX_DEPTH_LEVELS_PER_SIDE, this.principalId, (answer, code) => {
      this.loading = false;
      if (this.readers === 0) return;
      const retention = this.retention;
      if (answer === null || !retention.covers(answer.sequence, ALL_OF_COMMAND)) {
        // Refused (busy) or too old for the retention: ask again soon. No such symbol: later and later.
        let waitMs = LOAD_RETRY_MS;
        if (code === ResultCode.SYMBOL_NOT_FOUND) {
          waitMs = this.notFoundRetryMs;
          this.notFoundRetryMs = Math.min(2 * this.notFoundRetryMs, LOAD_RETRY_MAX_MS);
        }
        setTimeout(() => { if (this.readers > 0 && !this.loading && !this.ready) this.load(); }, waitMs).unref();
        return;
      }
      this.notFoundRetryMs = LOAD_RETRY_MS;
      this.bids.load(answer.bids, MAX_DEPTH_LEVELS_PER_SIDE);
      this.asks.load(answer.asks, MAX_DEPTH_LEVELS_PER_SIDE);
      this.snapshotSequence = answer.sequence;
      this.ready = true;
      // What was released since the snapshot was taken.
      const end = this.livePosition();
      for (let p = retention.positionAfter(answer.sequence, ALL_OF_COMMAND); p < end; p++) this.apply(retention.buffer, retention.base(p));
      this.changedRank = 0;
      this.changeCount++;
      this.onReady(this);
    });
  }

  /** Applies a LEVEL_CHANGED event of this symbol (the hub routes them here). */
  apply(buf: RecordBuffer, at: number): void {
    if (!this.ready || buf.u16[(at + EvtHeader.KIND) >>> 1] !== EventKind.LEVEL_CHANGED) return;
    if (buf.f64[(at + EvtHeader.SEQUENCE) >>> 3] <= this.snapshotSequence) return;
    const side = buf.u16[(at + EvtHeader.DETAIL) >>> 1] === Side.SELL ? this.asks : this.bids;
    const rank = side.set(buf.f64[(at + LevelBody.PRICE) >>> 3], buf.f64[(at + LevelBody.QUANTITY) >>> 3]);
    if (rank >= 0) this.changeCount++;
    if (rank >= 0 && rank < this.changedRank) this.changedRank = rank;
    if (rank >= 0 && this.needsReload()) this.reload();
  }

  /** Whether readers of `levels` levels need a frame since the last settle(). */
  changedWithin(levels: number): boolean {
    return this.ready && this.changedRank < levels;
  }

  /** Frames were sent for the changes so far. */
  settle(): void {
    this.changedRank = NOTHING_CHANGED;
  }

  /** The top `levels` of each side as a prefixed DEPTH frame, or null while the book is loading. */
  frameFor(levels: number, throughSequence: number): Buffer | null {
    if (!this.ready) return null;
    return prefixed(encodeDepth(this.symbolId, Math.max(throughSequence, this.snapshotSequence), this.bids.prices, this.bids.quantities,
      this.asks.prices, this.asks.quantities, levels));
  }
}
