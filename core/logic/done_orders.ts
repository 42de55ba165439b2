/**
 * The last `window` orders that ended (filled or cancelled), so GET_ORDER can still answer for a
 * recent order after its book slot was reused. A ring: the oldest record is forgotten when a new one
 * arrives on a full ring. Records are indexed by order id; an id is recorded once, when its order
 * ends for good (an OCO limit leg cancelled by its own trigger is not an end: the id lives on).
 *
 * Record r (a 32-byte f64 part and a 16-byte i32 part):
 *   doneF[r * 4 + ...]  0 id   1 price   2 filled   3 unused
 *   doneI[r * 4 + ...]  0 account   1 symbol   2 flags (as the order's: side | type << 2 | tif << 4 | ...)   3 status
 * Allocation-free after construction.
 */
import type { EventEmitter } from './event_emitter.ts';
import { IdIndex } from './id_index.ts';
import type { StateArena } from './state_arena.ts';

export const D_ID = 0;
export const D_PRICE = 1;
export const D_FILLED = 2;
export const D_ACCOUNT = 0;
export const D_SYMBOL = 1;
export const D_FLAGS = 2;
export const D_STATUS = 3;
const STRIDE = 4;
// Module-local copies for the code in this module: V8 folds them into optimized code, not an exported binding (order_layout.ts).
const ID_AT = D_ID;
const PRICE_AT = D_PRICE;
const FILLED_AT = D_FILLED;
const ACCOUNT_AT = D_ACCOUNT;
const SYMBOL_AT = D_SYMBOL;
const FLAGS_AT = D_FLAGS;
const STATUS_AT = D_STATUS;

export class DoneOrders {
  readonly doneF: Float64Array;
  readonly doneI: Int32Array;
  /** [0] next slot to write, [1] records held. */
  private readonly counts: Int32Array;
  /** Key: order id + 1. */
  private readonly index: IdIndex;
  private readonly key = new Float64Array(1);

  /** Emits ORDER_DONE for every order recorded (set by the state machine; none in standalone tests). */
  events: EventEmitter | null = null;

  constructor(arena: StateArena, readonly window: number) {
    this.doneF = arena.f64('done.records', window * STRIDE);
    this.doneI = arena.i32('done.flags', window * STRIDE);
    this.counts = arena.i32('done.counts', 2);
    this.index = new IdIndex(arena, 'done.index', window);
  }

  get size(): number {
    return this.counts[1];
  }

  /**
   * Records the end of the order whose id, price and filled quantity are src[idAt], src[priceAt],
   * src[filledAt] (read in place: no float64 crosses a call).
   */
  record(src: Float64Array, idAt: number, priceAt: number, filledAt: number, account: number, symbol: number, flags: number, status: number): void {
    this.events?.orderDone(src, idAt, filledAt, account, symbol, status);
    const slot = this.counts[0];
    const f = this.doneF;
    // Forget the record this slot held. An empty slot holds id 0, whose key 1 is never indexed (ids
    // are sequences >= 1): one path whether the ring is full or not, so the code stays optimized.
    this.key[0] = f[slot * STRIDE + ID_AT] + 1;
    this.index.removeAt(this.key, 0, 0);
    if (this.counts[1] < this.window) this.counts[1]++;
    f[slot * STRIDE + ID_AT] = src[idAt];
    f[slot * STRIDE + PRICE_AT] = src[priceAt];
    f[slot * STRIDE + FILLED_AT] = src[filledAt];
    const i = this.doneI;
    i[slot * STRIDE + ACCOUNT_AT] = account;
    i[slot * STRIDE + SYMBOL_AT] = symbol;
    i[slot * STRIDE + FLAGS_AT] = flags;
    i[slot * STRIDE + STATUS_AT] = status;
    this.key[0] = src[idAt] + 1;
    this.index.insertAt(this.key, 0, 0, slot);
    this.counts[0] = slot + 1 === this.window ? 0 : slot + 1;
  }

  /** The record of the order whose id is src[at], or INDEX_NOT_FOUND (never ended, or forgotten). */
  findAt(src: Float64Array, at: number): number {
    this.key[0] = src[at] + 1;
    return this.index.getAt(this.key, 0, 0);
  }

  /** Base index of record `slot` in doneF and doneI. */
  static base(slot: number): number {
    return slot * STRIDE;
  }
}
