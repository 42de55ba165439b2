/**
 * The watched symbols' order books and latest trades, for as long as a console watches them.
 *
 * A symbol is first looked at with one read-only GET_DEPTH (through the gateway like any client's
 * command, stamped with the logged-in admin's principal; its answer is shown at once). When the symbol
 * exists (OK), its market subscription starts in the same turn (console_trades.ts): from then on the
 * event hub keeps the book from the symbol's LEVEL_CHANGED events and sends a DEPTH frame only when the
 * top levels change, and the console asks the engine nothing more. So an open console costs the logic
 * thread no command at all while its symbols' streams are live; an idle engine's threads stay parked.
 *
 * GET_DEPTH is asked again, once per `poll` (the feed's once a second), only where there is no stream:
 * a symbol that does not exist (the answer says SYMBOL_NOT_FOUND; it may be created later) or an engine
 * whose event stream refused or ended (events disabled: the books then come from GET_DEPTH alone, the
 * trades say why there are none, and each OK answer tries the stream again). At most one query in
 * flight per symbol.
 */
import { ResultCode } from '../../codec/result_codes.ts';
import type { DepthDone } from '../event_depth_source.ts';
import { BOOK_LEVELS, bookFromAnswer, MAX_WATCHED_SYMBOLS, type BookView } from './console_books.ts';
import { bookOfDepthFrame, TRADES_KEPT, type MarketSource, type SymbolTrades, type TradeView } from './console_trades.ts';

/** Reads a book through the engine: GatewayDepthSource (its own internal session). */
export interface BookQuery {
  query(symbolId: number, levelsPerSide: number, principalId: number, done: DepthDone): void;
  /** Forgets the session: queries in flight are answered SHUTTING_DOWN. */
  close(): void;
}

interface Watched {
  readonly trades: TradeView[];
  /** The latest book, from GET_DEPTH or decoded from `depthFrame`. */
  book: BookView | null;
  /** The latest DEPTH frame not yet decoded (decoded when a console frame shows the book). */
  depthFrame: Uint8Array | null;
  /** Unsubscribes the market stream; null while there is none. */
  stop: (() => void) | null;
  /** Why the stream ended or was refused ('' while it is live or not yet asked for). */
  closedReason: string;
  asking: boolean;
  gone: boolean;
}

export class ConsoleMarket {
  private readonly watched = new Map<number, Watched>();
  /** GET_DEPTH queries made (tests and the bench count them). */
  queries = 0;

  constructor(private readonly depth: BookQuery, private readonly source: MarketSource | null) {}

  /**
   * Starts watching symbols newly in `symbolIds` (a GET_DEPTH at once), lets go of those no longer in it;
   * with `pollDue`, asks GET_DEPTH again for the watched symbols that have no live stream.
   */
  watch(symbolIds: readonly number[], principalId: number, pollDue: boolean): void {
    for (const [id, w] of this.watched) {
      if (!symbolIds.includes(id)) this.forget(id, w);
    }
    // Queries are stamped with the logged-in admin's principal: nothing to ask without one.
    if (principalId === 0) return;
    for (const id of symbolIds.slice(0, MAX_WATCHED_SYMBOLS)) {
      let w = this.watched.get(id);
      if (w === undefined) {
        w = { trades: [], book: null, depthFrame: null, stop: null, closedReason: '', asking: false, gone: false };
        this.watched.set(id, w);
        this.ask(id, w, principalId);
      } else if (w.stop === null && pollDue) {
        this.ask(id, w, principalId);
      }
    }
  }

  books(symbolIds: readonly number[]): BookView[] {
    const out: BookView[] = [];
    for (const id of symbolIds) {
      const w = this.watched.get(id);
      if (w === undefined) continue;
      if (w.depthFrame !== null) {
        w.book = bookOfDepthFrame(w.depthFrame) ?? w.book;
        w.depthFrame = null;
      }
      if (w.book !== null) out.push(w.book);
    }
    return out;
  }

  trades(symbolIds: readonly number[]): SymbolTrades[] {
    return symbolIds.map((symbolId) => {
      const w = this.watched.get(symbolId);
      return { symbolId, trades: w?.trades ?? [], unavailable: w === undefined ? 'not watched' : this.unavailable(w) };
    });
  }

  /** No console is open: every stream and query stops. */
  close(): void {
    for (const [id, w] of this.watched) this.forget(id, w);
    this.depth.close();
  }

  private unavailable(w: Watched): string {
    if (w.stop !== null) return '';
    if (this.source === null) return 'this engine has no event stream';
    if (w.closedReason !== '') return w.closedReason;
    if (w.book === null) return 'waiting for the book';
    return w.book.code === ResultCode.OK ? 'waiting for the market stream' : w.book.status;
  }

  private ask(id: number, w: Watched, principalId: number): void {
    if (w.asking) return;
    w.asking = true;
    this.queries++;
    this.depth.query(id, BOOK_LEVELS, principalId, (answer, code) => {
      w.asking = false;
      if (w.gone) return;
      // A stream that started meanwhile is newer than this answer.
      if (w.stop === null) w.book = bookFromAnswer(id, answer, code);
      if (code === ResultCode.OK && w.stop === null) this.stream(id, w, principalId);
    });
  }

  /** The symbol exists: its market stream takes over (trades, and the book whenever it changes). */
  private stream(id: number, w: Watched, principalId: number): void {
    if (this.source === null) return;
    w.closedReason = '';
    const stop = this.source.subscribe(id, principalId, {
      onTrades: (trades) => {
        // Newest first, TRADES_KEPT at most.
        for (const t of trades) w.trades.unshift(t);
        if (w.trades.length > TRADES_KEPT) w.trades.length = TRADES_KEPT;
      },
      onDepth: (frame) => { w.depthFrame = frame; },
      onClosed: (reason) => {
        // Refused or ended: back to GET_DEPTH once a second, trades say why they stopped.
        w.closedReason = reason === '' ? 'the market stream closed' : reason;
        w.stop = null;
      },
    });
    // A refusal arrives during subscribe (onClosed ran already): keep no stream.
    if (w.closedReason === '') w.stop = stop;
  }

  private forget(id: number, w: Watched): void {
    w.gone = true;
    w.stop?.();
    w.stop = null;
    this.watched.delete(id);
  }
}
