/**
 * Untriggered stop orders, per symbol and side, in trigger order; and the queue of stops triggered in
 * the current command that have not entered the book yet. Rules (reservations, what a triggered stop
 * does) live in stop_orders.ts; this file only keeps the lists consistent.
 *
 * Trigger order: buy stops ascending by stop price (the lowest is reached first as the price rises),
 * sell stops descending; equal stop prices in arrival order. After every trade at price p, matching
 * calls collect(symbol, p): buy stops with stopPrice <= p and sell stops with stopPrice >= p move, in
 * trigger order, to the back of the triggered queue. The queue is worked front to back once the
 * command's own order is done, so a cascade resolves in one defined order: the order in which the
 * trades crossed the stop prices, ties by arrival.
 *
 * Stop record layout: stop_layout.ts (64 bytes per stop, one cache line).
 * A sorted insert walks from whichever end of its list is nearer in price; every walk is bounded by
 * the pool size. Free stops are a singly linked list through next. Allocation-free after construction.
 */
import { IdIndex } from './id_index.ts';
import type { StateArena } from './state_arena.ts';
import * as stopLayout from './stop_layout.ts';
import * as commandDescriptorModule from '../../codec/records/command_descriptor.ts';

// Module-local copies of imported constants and functions: V8 folds these into optimized code, while an
// imported binding is read from its module cell, with a hole check, at every use (order_layout.ts).
const { Side } = commandDescriptorModule;

// Module-local copies: V8 folds them into optimized code (order_layout.ts says why).
const {
  STOP_F64, STOP_I32, S_ID, S_STOP_PRICE, S_ACCOUNT, S_SYMBOL, S_PREV, S_NEXT, S_BASE_CELL, S_QUOTE_CELL, S_FLAGS, S_STATE, S_STATE_FREE, S_STATE_WAITING, S_STATE_TRIGGERED,
} = stopLayout;

const NONE = -1;
const BUY = Side.BUY;

export class StopBook {
  readonly stopF: Float64Array;
  readonly stopI: Int32Array;
  /** [symbol × 2 + side - 1] → first (next to trigger) and last stop of that side, NONE when empty. */
  readonly head: Int32Array;
  readonly tail: Int32Array;
  /** [0] free head, [1] stops in use, [2] triggered queue head, [3] triggered queue tail. */
  private readonly counts: Int32Array;
  /** Key: order id + 1. */
  private readonly index: IdIndex;
  private readonly key = new Float64Array(1);

  constructor(arena: StateArena, maxSymbols: number, readonly maxStops: number) {
    this.stopF = arena.f64('stops.records', maxStops * STOP_F64);
    this.stopI = new Int32Array(this.stopF.buffer, 0, maxStops * STOP_I32);
    this.head = arena.i32('stops.head', maxSymbols * 2);
    this.tail = arena.i32('stops.tail', maxSymbols * 2);
    this.counts = arena.i32('stops.counts', 4);
    this.index = new IdIndex(arena, 'stops.index', maxStops);
    this.head.fill(NONE);
    this.tail.fill(NONE);
    for (let i = 0; i < maxStops; i++) this.stopI[i * STOP_I32 + S_NEXT] = i + 1 < maxStops ? i + 1 : NONE;
    this.counts[0] = 0;
    this.counts[2] = NONE;
    this.counts[3] = NONE;
  }

  get hasFree(): boolean {
    return this.counts[0] !== NONE;
  }
  get inUse(): number {
    return this.counts[1];
  }
  /** The first triggered stop not yet entered, or NONE. */
  get firstTriggered(): number {
    return this.counts[2];
  }

  /** The stop (waiting or triggered) whose id is src[at], or NONE. */
  findAt(src: Float64Array, at: number): number {
    this.key[0] = src[at] + 1;
    return this.index.getAt(this.key, 0, 0);
  }

  /** By-value lookup for tests and tools. */
  find(orderId: number): number {
    return this.index.get(orderId + 1, 0);
  }

  side(stop: number): number {
    return this.stopI[stop * STOP_I32 + S_FLAGS] & 3;
  }

  /**
   * Takes a free stop, indexes it under the id src[at] and returns it (the caller checked hasFree and
   * then sets the prices and quantity, then calls insert).
   */
  allocate(src: Float64Array, at: number, account: number, symbol: number, flags: number, baseCell: number, quoteCell: number): number {
    const stop = this.counts[0];
    if (stop === NONE) throw new Error('StopBook.allocate: no free stop (the caller must check hasFree)');
    const i = this.stopI;
    this.counts[0] = i[stop * STOP_I32 + S_NEXT];
    this.counts[1]++;
    this.key[0] = src[at] + 1;
    this.index.insertAt(this.key, 0, 0, stop);
    this.stopF[stop * STOP_F64 + S_ID] = src[at];
    i[stop * STOP_I32 + S_ACCOUNT] = account;
    i[stop * STOP_I32 + S_SYMBOL] = symbol;
    i[stop * STOP_I32 + S_FLAGS] = flags;
    i[stop * STOP_I32 + S_BASE_CELL] = baseCell;
    i[stop * STOP_I32 + S_QUOTE_CELL] = quoteCell;
    i[stop * STOP_I32 + S_PREV] = NONE;
    i[stop * STOP_I32 + S_NEXT] = NONE;
    i[stop * STOP_I32 + S_STATE] = S_STATE_FREE;
    return stop;
  }

  /** Inserts an allocated stop (stop price set) into its side's list in trigger order. */
  insert(stop: number): void {
    const f = this.stopF;
    const i = this.stopI;
    const list = i[stop * STOP_I32 + S_SYMBOL] * 2 + (i[stop * STOP_I32 + S_FLAGS] & 3) - 1;
    const buy = (i[stop * STOP_I32 + S_FLAGS] & 3) === BUY;
    const price = f[stop * STOP_F64 + S_STOP_PRICE];
    const first = this.head[list];
    const last = this.tail[list];
    // `after` = the last stop that triggers no later than the new one (equal prices: arrival order).
    let after = NONE;
    if (first !== NONE) {
      const fromFront = Math.abs(f[first * STOP_F64 + S_STOP_PRICE] - price) < Math.abs(f[last * STOP_F64 + S_STOP_PRICE] - price);
      if (fromFront) {
        for (let s = first; s !== NONE; s = i[s * STOP_I32 + S_NEXT]) {
          const p = f[s * STOP_F64 + S_STOP_PRICE];
          if (buy ? p > price : p < price) break;
          after = s;
        }
      } else {
        after = last;
        while (after !== NONE && (buy ? f[after * STOP_F64 + S_STOP_PRICE] > price : f[after * STOP_F64 + S_STOP_PRICE] < price)) {
          after = i[after * STOP_I32 + S_PREV];
        }
      }
    }
    const before = after === NONE ? first : i[after * STOP_I32 + S_NEXT];
    i[stop * STOP_I32 + S_PREV] = after;
    i[stop * STOP_I32 + S_NEXT] = before;
    if (after === NONE) this.head[list] = stop;
    else i[after * STOP_I32 + S_NEXT] = stop;
    if (before === NONE) this.tail[list] = stop;
    else i[before * STOP_I32 + S_PREV] = stop;
    i[stop * STOP_I32 + S_STATE] = S_STATE_WAITING;
  }

  /**
   * Moves every stop of `symbol` that a trade at price src[at] triggers to the back of the triggered
   * queue, in trigger order (buy stops first: one trade cannot trigger both sides unless a stop was
   * placed on the wrong side of the last price, which placement refuses).
   */
  collect(symbol: number, src: Float64Array, at: number): void {
    const f = this.stopF;
    const buyList = symbol * 2 + BUY - 1;
    for (let s = this.head[buyList]; s !== NONE && f[s * STOP_F64 + S_STOP_PRICE] <= src[at]; s = this.head[buyList]) this.trigger(s);
    const sellList = buyList + 1;
    for (let s = this.head[sellList]; s !== NONE && f[s * STOP_F64 + S_STOP_PRICE] >= src[at]; s = this.head[sellList]) this.trigger(s);
  }

  /** True when a trade at src[at] would trigger a stop of `symbol` (a cheap check before collect). */
  wouldTrigger(symbol: number, src: Float64Array, at: number): boolean {
    const buyFirst = this.head[symbol * 2 + BUY - 1];
    const sellFirst = this.head[symbol * 2 + BUY];
    return (buyFirst !== NONE && this.stopF[buyFirst * STOP_F64 + S_STOP_PRICE] <= src[at]) ||
      (sellFirst !== NONE && this.stopF[sellFirst * STOP_F64 + S_STOP_PRICE] >= src[at]);
  }

  /** Takes a stop out of whichever list holds it (waiting or triggered) and frees it. */
  remove(stop: number): void {
    this.unlink(stop);
    const i = this.stopI;
    this.key[0] = this.stopF[stop * STOP_F64 + S_ID] + 1;
    this.index.removeAt(this.key, 0, 0);
    i[stop * STOP_I32 + S_STATE] = S_STATE_FREE;
    i[stop * STOP_I32 + S_NEXT] = this.counts[0];
    this.counts[0] = stop;
    this.counts[1]--;
  }

  private trigger(stop: number): void {
    this.unlink(stop);
    const i = this.stopI;
    const last = this.counts[3];
    i[stop * STOP_I32 + S_PREV] = last;
    i[stop * STOP_I32 + S_NEXT] = NONE;
    if (last === NONE) this.counts[2] = stop;
    else i[last * STOP_I32 + S_NEXT] = stop;
    this.counts[3] = stop;
    i[stop * STOP_I32 + S_STATE] = S_STATE_TRIGGERED;
  }

  private unlink(stop: number): void {
    const i = this.stopI;
    const prev = i[stop * STOP_I32 + S_PREV];
    const next = i[stop * STOP_I32 + S_NEXT];
    let headAt: number;
    let tailAt: number;
    let heads: Int32Array;
    let tails: Int32Array;
    if (i[stop * STOP_I32 + S_STATE] === S_STATE_TRIGGERED) {
      heads = this.counts;
      tails = this.counts;
      headAt = 2;
      tailAt = 3;
    } else {
      heads = this.head;
      tails = this.tail;
      headAt = tailAt = i[stop * STOP_I32 + S_SYMBOL] * 2 + (i[stop * STOP_I32 + S_FLAGS] & 3) - 1;
    }
    if (prev === NONE) heads[headAt] = next;
    else i[prev * STOP_I32 + S_NEXT] = next;
    if (next === NONE) tails[tailAt] = prev;
    else i[next * STOP_I32 + S_PREV] = prev;
    i[stop * STOP_I32 + S_PREV] = NONE;
    i[stop * STOP_I32 + S_NEXT] = NONE;
  }
}
