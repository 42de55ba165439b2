/**
 * Idempotency per principal: the first result of every mutating command that carries a non-zero
 * idempotencyId is remembered under (principal, idempotencyId). A repeat returns that stored result
 * with RESULT_FLAG_DUPLICATE (its own sequence, session and correlation id in the header) and changes
 * nothing. The window is a ring of `idempotencyWindow` entries shared by all principals: when it is
 * full the oldest id is forgotten, and a repeat of a forgotten id is applied as a new command.
 *
 * A stored result keeps at most STORED_RESULT_BYTES: an order result listing more fills than fit is
 * stored with fewer fills listed and RESULT_FLAG_FILLS_TRUNCATED (fillCount stays the total).
 *
 * Replay mode (setReplaying(true), recovery only). Live, every remember costs two lookups in the 2 MiB
 * id index (the new id, then the evicted one, removed with a backward shift): two cache misses. A
 * replay instead finds ids in two compact generation tables (not state: 4 bytes a bucket, cleared
 * wholesale, nothing ever removed) and leaves the index alone; settle() rebuilds the index from the
 * ring when anything looks at the state (hash, export, import) or the replay ends. The rebuilt index
 * is byte for byte the live one: with linear probing and backward-shift deletion a table holds its
 * keys exactly as if the removed ones had never been inserted, i.e. as inserting the live ids oldest
 * first gives (idempotency.test.ts checks it against the live path).
 *
 * Generation tables: generation g holds the ids stored at totals g·window .. (g+1)·window - 1 (ring
 * slots 0..window-1, once each). At total T (generation g = ⌊T/window⌋, next slot n = T mod window)
 * the live ids are generation g's (all of them: slots < n) and generation g-1's at slots ≥ n (the
 * rest were evicted by generation g's). When the ring wraps, the older table is cleared and becomes
 * generation g+1's. A bucket holds slot + 1 (0 is empty) under a fingerprint of the hash; the key is
 * compared in the ring only when the fingerprint matches.
 *
 * Lookups ahead (setLookupsAhead(true), recovery with a reader thread: replay/pipelined_replay.ts). Which
 * command repeats which stored id, and which ring slot each new id takes, depend only on the command
 * stream and the window the replay starts from, never on the business state: a reader thread keeps a
 * copy of the window (its own Idempotency, loaded with loadWindow(), fed with claim()) and finds every
 * repeat before the logic thread applies it. The logic thread then only stores results (remember(), the
 * index left alone) and answers repeats from the slot it is given; settle() rebuilds the index as in
 * replay mode.
 */
import { CmdHeader } from '../../codec/records/command_descriptor.ts';
import type { RecordBuffer } from '../../codec/records/record_buffer.ts';
import { OrderResult, ResHeader, RESULT_FLAG_DUPLICATE, RESULT_FLAG_FILLS_TRUNCATED } from '../../codec/records/result_descriptor.ts';
import { IdIndex, INDEX_NOT_FOUND } from './id_index.ts';
import * as idHash from './id_hash.ts';
import type { StateArena } from './state_arena.ts';

// A module-local copy: V8 inlines it without a check (order_layout.ts).
const { bucketAt } = idHash;

export const STORED_RESULT_BYTES = 128;
/**
 * Replay mode switches the tables in after this many windows' worth of remembers: building them, and
 * the index again at the end, costs about a window's worth of remembers, which a shorter replay (a
 * snapshot's tail) would not win back.
 */
const FAST_AFTER_WINDOWS = 1;
const STORED_RESULT_WORDS = STORED_RESULT_BYTES >>> 3;
/** Longest order result that fits a stored slot: the fixed part plus whole fills. */
const STORED_ORDER_RESULT_BYTES =
  OrderResult.FIXED_BYTES +
  Math.floor((STORED_RESULT_BYTES - OrderResult.FIXED_BYTES) / OrderResult.FILL_BYTES) * OrderResult.FILL_BYTES;

/** The ids a window holds, by ring slot (Idempotency.windowState / loadWindow). */
export interface IdempotencyWindowState {
  readonly ids: Float64Array;
  readonly principals: Uint32Array;
  /** Entries ever stored: the next slot is total % window. */
  readonly total: number;
}

export class Idempotency {
  private readonly ids: Float64Array;
  private readonly principals: Uint32Array;
  private readonly results: Float64Array;
  /** The same memory as `results`, for patching u32 header fields of a stored result. */
  private readonly resultWords: Uint32Array;
  /** [0] total entries ever stored (the next slot is total % window). */
  private readonly counter: Float64Array;
  private readonly index: IdIndex;
  readonly window: number;
  /**
   * counter[0] % window without a float modulo per command: the slot that follows `nextTotal` entries.
   * Not state: when counter[0] differs (a snapshot was imported) the slot is computed again.
   */
  private nextTotal = 0;
  private nextSlot = 0;
  /** Replay mode (see the module comment): the two generation tables, or null while the index is used. */
  private fast: Int32Array | null = null;
  /** The tables' memory, kept across replay-mode spells (allocated at the first). */
  private fastMemory: Int32Array | null = null;
  /** Offsets in `fast` of the current generation's table and the previous one's. */
  private fastCurrent = 0;
  private fastPrevious = 0;
  private readonly fastMask: number;
  /** A bucket: (hash bits above the bucket index) << fastSlotBits | (slot + 1); the fingerprint spares most ring reads. */
  private readonly fastSlotBits: number;
  private readonly fastBucketBits: number;
  private replaying = false;
  /** Lookups ahead (see the module comment): the index is not kept while on. */
  private ahead = false;
  /** The index misses ids remembered while lookups were ahead: settle() rebuilds it. */
  private indexStale = false;
  /** Remembers left in replay mode before the tables are built. */
  private fastCountdown = 0;

  constructor(arena: StateArena, window: number) {
    this.window = window;
    this.ids = arena.f64('idempotency.ids', window);
    this.principals = arena.u32('idempotency.principals', window);
    this.results = arena.f64('idempotency.results', window * STORED_RESULT_WORDS);
    this.resultWords = new Uint32Array(this.results.buffer, 0, window * STORED_RESULT_WORDS * 2);
    this.counter = arena.f64('idempotency.counter', 1);
    this.index = new IdIndex(arena, 'idempotency.index', window);
    let bucketBits = 1;
    while (2 ** bucketBits < window * 2) bucketBits++;
    this.fastBucketBits = bucketBits;
    this.fastMask = 2 ** bucketBits - 1;
    // slot + 1 <= window < 2^bucketBits, and bucketAt keeps 30 bits: fingerprint + slot fit 30 bits.
    let slotBits = 1;
    while (2 ** slotBits <= window) slotBits++;
    this.fastSlotBits = slotBits;
  }

  /**
   * Replay mode on or off (see the module comment). Off rebuilds the index at once; on switches the
   * tables in after FAST_AFTER_WINDOWS windows' worth of remembers, so a short replay costs nothing.
   */
  setReplaying(on: boolean): void {
    this.replaying = on;
    this.fastCountdown = FAST_AFTER_WINDOWS * this.window;
    if (!on) this.settle();
  }

  /**
   * Lookups ahead on or off (see the module comment): while on, findAt() is not to be called (the reader
   * thread's copy answers it) and remember() leaves the index alone. Off rebuilds the index at once.
   */
  setLookupsAhead(on: boolean): void {
    this.settle();
    this.ahead = on;
  }

  /** Makes the index state again (replay mode's tables dropped); call before the state is read or replaced. */
  settle(): void {
    if (this.fast === null && !this.indexStale) return;
    this.fast = null;
    this.indexStale = false;
    this.fastCountdown = FAST_AFTER_WINDOWS * this.window;
    this.rebuildIndex();
  }

  /** The index from the ring, oldest id first (the order a live run left it in). */
  private rebuildIndex(): void {
    const index = this.index;
    index.clear();
    const total = this.counter[0];
    const window = this.window;
    const live = total < window ? total : window;
    // Oldest first: the entries stored at totals total - live .. total - 1.
    let slot = this.slotAfter(total - live);
    for (let i = 0; i < live; i++) {
      if (!index.insertAt(this.ids, slot, this.principals[slot], slot)) throw new Error('idempotency index full while rebuilding');
      slot = slot + 1 === window ? 0 : slot + 1;
    }
    this.slotAfter(total);
  }

  /** The ring as it stands (ids and principals by slot, and the total ever stored), for loadWindow() on another thread. */
  windowState(): IdempotencyWindowState {
    this.settle();
    return { ids: this.ids.slice(), principals: this.principals.slice(), total: this.counter[0] };
  }

  /**
   * Makes this window hold another one's ids (windowState() of the same window size), results left
   * empty: a copy that only finds repeats and claims slots (claim()) for the lookups ahead.
   */
  loadWindow(state: IdempotencyWindowState): void {
    if (state.ids.length !== this.window || state.principals.length !== this.window) {
      throw new RangeError(`idempotency window of ${state.ids.length} ids loaded into a window of ${this.window}`);
    }
    this.fast = null;
    this.indexStale = false;
    this.ids.set(state.ids);
    this.principals.set(state.principals);
    this.counter[0] = state.total;
    this.rebuildIndex();
    this.setReplaying(this.replaying);
  }

  /** Builds the generation tables from the ring (replay mode, after the countdown). */
  private enterFast(): void {
    const buckets = this.fastMask + 1;
    const fast = this.fastMemory ?? (this.fastMemory = new Int32Array(2 * buckets));
    fast.fill(0);
    this.fast = fast;
    this.fastCurrent = 0;
    this.fastPrevious = buckets;
    const total = this.counter[0];
    const next = this.slotAfter(total);
    // Generation g: slots 0..next-1; generation g-1 (only when the ring has wrapped once): next..window-1.
    for (let slot = 0; slot < next; slot++) this.fastInsert(this.fastCurrent, slot);
    if (total >= this.window) for (let slot = next; slot < this.window; slot++) this.fastInsert(this.fastPrevious, slot);
  }

  /** Puts ring slot `slot` (its id and principal already in the ring) into the table at `table`. */
  private fastInsert(table: number, slot: number): void {
    const fast = this.fast as Int32Array;
    const mask = this.fastMask;
    const h = bucketAt(this.ids, slot, this.principals[slot]);
    let b = h & mask;
    while (fast[table + b] !== 0) b = (b + 1) & mask;
    fast[table + b] = ((h >>> this.fastBucketBits) << this.fastSlotBits) | (slot + 1);
  }

  /** Replay mode's findAt: the current generation, then the previous one's entries not yet evicted. */
  private fastFind(fast: Int32Array, principal: number, src: Float64Array, at: number): number {
    const mask = this.fastMask;
    const key = src[at];
    const ids = this.ids;
    const principals = this.principals;
    const h = bucketAt(src, at, principal);
    const home = h & mask;
    const slotBits = this.fastSlotBits;
    const slotMask = (1 << slotBits) - 1;
    const fingerprint = h >>> this.fastBucketBits;
    let table = this.fastCurrent;
    let b = home;
    for (let v = fast[table + b]; v !== 0; v = fast[table + b]) {
      const slot = (v & slotMask) - 1;
      if (v >>> slotBits === fingerprint && ids[slot] === key && principals[slot] === principal) return slot;
      b = (b + 1) & mask;
    }
    const evictedBelow = this.nextSlot;
    table = this.fastPrevious;
    b = home;
    for (let v = fast[table + b]; v !== 0; v = fast[table + b]) {
      const slot = (v & slotMask) - 1;
      // Below the next slot the ring already holds the current generation's id: this one is evicted.
      if (v >>> slotBits === fingerprint && slot >= evictedBelow && ids[slot] === key && principals[slot] === principal) return slot;
      b = (b + 1) & mask;
    }
    return -1;
  }

  /** Slot of the stored result for (principal, src[at]), or -1. */
  findAt(principal: number, src: Float64Array, at: number): number {
    const fast = this.fast;
    if (fast !== null) {
      // nextSlot is current: every remember leaves it so, and settle() ends replay mode whenever a snapshot is imported.
      return this.fastFind(fast, principal, src, at);
    }
    // Only a caller that ignores setLookupsAhead gets here with a stale index: correct, if slow.
    if (this.indexStale) this.settle();
    return this.index.getAt(src, at, principal);
  }

  /** The ring slot of the entry stored after `total` entries: total % window. */
  private slotAfter(total: number): number {
    if (total !== this.nextTotal) {
      this.nextTotal = total;
      this.nextSlot = (total % this.window) | 0;
    }
    return this.nextSlot;
  }

  /**
   * Writes the stored result of `slot` at outBase as the answer to the command now being applied,
   * patching the header fields that belong to the new command; returns its length.
   */
  replay(slot: number, cmd: RecordBuffer, cmdBase: number, out: RecordBuffer, outBase: number): number {
    const o = outBase >>> 3;
    const s = slot * STORED_RESULT_WORDS;
    const f64 = out.f64;
    for (let i = 0; i < STORED_RESULT_WORDS; i++) f64[o + i] = this.results[s + i];
    const length = out.u32[(outBase + ResHeader.LENGTH) >>> 2];
    f64[(outBase + ResHeader.INPUT_SEQUENCE) >>> 3] = cmd.f64[(cmdBase + CmdHeader.SEQUENCE) >>> 3];
    out.u32[(outBase + ResHeader.SESSION_ID) >>> 2] = cmd.u32[(cmdBase + CmdHeader.SESSION_ID) >>> 2];
    f64[(outBase + ResHeader.CORRELATION_ID) >>> 3] = cmd.f64[(cmdBase + CmdHeader.CORRELATION_ID) >>> 3];
    out.u32[(outBase + ResHeader.FLAGS) >>> 2] |= RESULT_FLAG_DUPLICATE;
    return length;
  }

  /** Remembers the result record at outBase (already complete) as the first result of (principal, src[at]). */
  remember(principal: number, src: Float64Array, at: number, out: RecordBuffer, outBase: number): void {
    const slot = this.claim(principal, src, at);
    const s = slot * STORED_RESULT_WORDS;
    const o = outBase >>> 3;
    const f64 = out.f64;
    const length = out.u32[(outBase + ResHeader.LENGTH) >>> 2];
    // Copy only the record: bytes after it in the output slot are left over from older results and
    // differ between a live run and a replay, so they must not reach the state (or its hash).
    const words = length < STORED_RESULT_BYTES ? length >>> 3 : STORED_RESULT_WORDS;
    for (let i = 0; i < words; i++) this.results[s + i] = f64[o + i];
    for (let i = words; i < STORED_RESULT_WORDS; i++) this.results[s + i] = 0;
    if (length > STORED_RESULT_BYTES) {
      // Only order results (fills listed) can be longer than a stored slot: list fewer fills.
      const w = s * 2;
      for (let i = STORED_ORDER_RESULT_BYTES >>> 3; i < STORED_RESULT_WORDS; i++) this.results[s + i] = 0;
      this.resultWords[w + (ResHeader.LENGTH >>> 2)] = STORED_ORDER_RESULT_BYTES;
      this.resultWords[w + (ResHeader.FLAGS >>> 2)] |= RESULT_FLAG_FILLS_TRUNCATED;
    }
  }

  /**
   * The id bookkeeping of remember() without the result: the next ring slot takes (principal, src[at])
   * (the oldest id is forgotten when the ring is full); returns the slot.
   */
  claim(principal: number, src: Float64Array, at: number): number {
    const total = this.counter[0];
    const slot = this.slotAfter(total);
    const fast = this.fast;
    if (this.ahead) this.indexStale = true;
    else if (fast === null) {
      if (this.ids[slot] !== 0) this.index.removeAt(this.ids, slot, this.principals[slot]);
      if (!this.index.insertAt(src, at, principal, slot)) throw new Error('idempotency index full: ring and index disagree');
    }
    this.ids[slot] = src[at];
    this.principals[slot] = principal;
    if (fast !== null) {
      this.fastInsert(this.fastCurrent, slot);
      if (slot + 1 === this.window) {
        // The ring wraps: a new generation starts, and the older table (all evicted now) is cleared for it.
        const older = this.fastPrevious;
        this.fastPrevious = this.fastCurrent;
        this.fastCurrent = older;
        fast.fill(0, older, older + this.fastMask + 1);
      }
    }
    this.counter[0] = total + 1;
    this.nextTotal = total + 1;
    this.nextSlot = slot + 1 === this.window ? 0 : slot + 1;
    if (this.replaying && fast === null && !this.ahead && --this.fastCountdown <= 0) this.enterFast();
    return slot;
  }

  /** For tests and invariants: whether (principal, id) is still inside the window. */
  remembers(principal: number, idempotencyId: number): boolean {
    this.settle();
    return this.index.get(idempotencyId, principal) !== INDEX_NOT_FOUND;
  }
}
