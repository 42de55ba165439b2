/**
 * The books' memory: symbols, price levels and resting orders in preallocated pools shared by every
 * symbol, and the operations that keep them consistent (link/unlink an order, find/create/remove a
 * level). Matching rules live in matching.ts; this file knows nothing about money.
 *
 * Layout:
 *  - A price level is a FIFO of resting orders (an intrusive doubly linked list through the
 *    orders' prev/next fields): arrival order inside one price.
 *  - Each side of a book is a doubly linked list of its levels sorted best first (bids descending,
 *    asks ascending) through levelPrev/levelNext, with best and worst ends per side. A level is found
 *    by price through a hash index keyed by (price, symbol × 2 + side), so matching, cancel and a
 *    reduce never search. A new level finds its neighbour by probing the index up to 8 ticks on each
 *    side (O(1) in a dense book); failing that it walks from whichever end of the side is nearer in
 *    price. The walk is bounded by maxPriceLevels.
 *  - Free orders and free levels are singly linked free lists through the next fields.
 * Every loop is bounded by a pool size. Nothing allocates after construction: prices and ids travel
 * by location (an array and an index), never as float64 arguments (which V8 may box per call).
 */
import { IdIndex } from './id_index.ts';
import type { StateArena } from './state_arena.ts';
import type { EventEmitter } from './event_emitter.ts';
import * as commandDescriptorModule from '../../codec/records/command_descriptor.ts';
import * as idIndexModule from './id_index.ts';
import * as orderLayoutModule from './order_layout.ts';

// Module-local copies of imported constants and functions: V8 folds these into optimized code, while an
// imported binding is read from its module cell, with a hole check, at every use (order_layout.ts).
const { Side } = commandDescriptorModule;
const { INDEX_NOT_FOUND } = idIndexModule;
const { NONE, LEVEL_F64, LEVEL_I32, L_PRICE, L_QUANTITY, L_HEAD, L_TAIL, L_PREV, L_NEXT, L_BOOK, ORDER_F64, ORDER_I32, O_ID, O_PRICE, O_REMAINING, O_FILLED, O_ACCOUNT, O_SYMBOL, O_LEVEL, O_PREV, O_NEXT, O_BASE_CELL, O_QUOTE_CELL, O_FLAGS } = orderLayoutModule;


/** Ticks probed on each side of a new price level for an existing neighbour before walking the side. */
const NEIGHBOUR_PROBES = 8;
/** A side with at most this many levels is walked without probing. */
const SHORT_SIDE_LEVELS = 64;
const SIDE_BUY = Side.BUY;

export class OrderBook {
  /** Emits LEVEL_CHANGED on every change of a level's quantity (set by the state machine; none in standalone tests). */
  events: EventEmitter | null = null;

  // symbols
  readonly symbolIds: Float64Array;
  readonly symbolBase: Int32Array;
  readonly symbolQuote: Int32Array;
  readonly tickSize: Float64Array;
  readonly lotSize: Float64Array;
  /** [symbol × 2 + side-1] → best / worst level of that side, NONE when empty. */
  readonly bestLevel: Int32Array;
  readonly worstLevel: Int32Array;
  /** [symbol × 2 + side-1] → number of levels on that side. */
  readonly sideLevels: Int32Array;
  /** [symbol] → price of the symbol's last trade, 0 before the first. */
  readonly lastPrice: Float64Array;
  // price levels: one 64-byte record per level (see the layout above LEVEL_F64)
  /** Float64 fields of level l at levelF[l * LEVEL_F64 + L_PRICE | L_QUANTITY]. */
  readonly levelF: Float64Array;
  /** Int32 fields of level l at levelI[l * LEVEL_I32 + L_HEAD ... L_BOOK] (same memory as levelF). */
  readonly levelI: Int32Array;
  // orders: one 64-byte record per order (see the layout above ORDER_F64)
  /** Float64 fields of order o at orderF[o * ORDER_F64 + O_ID | O_PRICE | O_REMAINING | O_FILLED]. */
  readonly orderF: Float64Array;
  /** Int32 fields of order o at orderI[o * ORDER_I32 + O_ACCOUNT ... O_FLAGS] (same memory as orderF). */
  readonly orderI: Int32Array;
  /** [0] symbols, [1] free order head, [2] free level head, [3] orders in use, [4] levels in use. */
  readonly counts: Int32Array;
  readonly symbolIndex: IdIndex;
  private readonly levelIndex: IdIndex;
  /** Key: order id + 1 (a sequence may be 0). */
  private readonly orderIndex: IdIndex;
  /** The symbol symbolAt found last (not state: checked against symbolIds at every use). */
  private symbolHint = 0;
  /** Scratch for the order index key (id + 1). */
  private readonly key = new Float64Array(1);
  readonly maxSymbols: number;
  readonly maxOrders: number;
  readonly maxLevels: number;

  constructor(arena: StateArena, maxSymbols: number, maxOrders: number, maxLevels: number) {
    this.maxSymbols = maxSymbols;
    this.maxOrders = maxOrders;
    this.maxLevels = maxLevels;
    this.symbolIds = arena.f64('book.symbolIds', maxSymbols);
    this.symbolBase = arena.i32('book.symbolBase', maxSymbols);
    this.symbolQuote = arena.i32('book.symbolQuote', maxSymbols);
    this.tickSize = arena.f64('book.tickSize', maxSymbols);
    this.lotSize = arena.f64('book.lotSize', maxSymbols);
    this.bestLevel = arena.i32('book.bestLevel', maxSymbols * 2);
    this.worstLevel = arena.i32('book.worstLevel', maxSymbols * 2);
    this.sideLevels = arena.i32('book.sideLevels', maxSymbols * 2);
    this.lastPrice = arena.f64('book.lastPrice', maxSymbols);
    this.levelF = arena.f64('book.levels', maxLevels * LEVEL_F64);
    this.levelI = new Int32Array(this.levelF.buffer, 0, maxLevels * LEVEL_I32);
    this.orderF = arena.f64('book.orders', maxOrders * ORDER_F64);
    this.orderI = new Int32Array(this.orderF.buffer, 0, maxOrders * ORDER_I32);
    this.counts = arena.i32('book.counts', 5);
    this.symbolIndex = new IdIndex(arena, 'book.symbolIndex', maxSymbols);
    this.levelIndex = new IdIndex(arena, 'book.levelIndex', maxLevels);
    this.orderIndex = new IdIndex(arena, 'book.orderIndex', maxOrders);
    this.bestLevel.fill(NONE);
    this.worstLevel.fill(NONE);
    for (let i = 0; i < maxOrders; i++) {
      this.orderI[i * ORDER_I32 + O_NEXT] = i + 1 < maxOrders ? i + 1 : NONE;
      // O_LEVEL != NONE marks a resting order (cancel-all scans the pool for them).
      this.orderI[i * ORDER_I32 + O_LEVEL] = NONE;
    }
    for (let i = 0; i < maxLevels; i++) this.levelI[i * LEVEL_I32 + L_NEXT] = i + 1 < maxLevels ? i + 1 : NONE;
    this.counts[1] = 0;
    this.counts[2] = 0;
  }

  get symbolCount(): number {
    return this.counts[0];
  }
  get ordersInUse(): number {
    return this.counts[3];
  }
  get levelsInUse(): number {
    return this.counts[4];
  }
  get hasFreeOrder(): boolean {
    return this.counts[1] !== NONE;
  }
  get hasFreeLevel(): boolean {
    return this.counts[2] !== NONE;
  }

  /** By-value lookup for tests and tools. */
  symbol(symbolId: number): number {
    return this.symbolIndex.findId(symbolId);
  }

  /**
   * The symbol whose id is src[at], or -1. The symbol found last is tried first (most streams trade
   * one symbol at a time): a slot below the symbol count whose id matches is the answer, since ids are
   * unique and never 0; so the hint needs no invalidation (an imported state brings its own ids and count).
   */
  symbolAt(src: Float64Array, at: number): number {
    const hint = this.symbolHint;
    if (hint < this.counts[0] && this.symbolIds[hint] === src[at]) return hint;
    const symbol = this.symbolIndex.findIdAt(src, at);
    if (symbol !== INDEX_NOT_FOUND) this.symbolHint = symbol;
    return symbol;
  }

  /** Adds the symbol whose id is src[at] (the caller validated everything); returns its slot or -1 when full. */
  addSymbol(src: Float64Array, at: number, base: number, quote: number): number {
    const s = this.counts[0];
    if (s >= this.maxSymbols) return INDEX_NOT_FOUND;
    this.symbolIndex.insertAt(src, at, 0, s);
    this.symbolIds[s] = src[at];
    this.symbolBase[s] = base;
    this.symbolQuote[s] = quote;
    this.counts[0] = s + 1;
    return s;
  }

  /** By-value lookup of a resting order (tests and tools). */
  order(orderIdValue: number): number {
    return this.orderIndex.get(orderIdValue + 1, 0);
  }

  /** The resting order slot whose id is src[at], or NONE. */
  orderAt(src: Float64Array, at: number): number {
    this.key[0] = src[at] + 1;
    return this.orderIndex.getAt(this.key, 0, 0);
  }

  orderSide(order: number): number {
    return this.orderI[order * ORDER_I32 + O_FLAGS] & 3;
  }

  /** The level of (symbol, side) at price src[at], or NONE. */
  levelAt(symbol: number, side: number, src: Float64Array, at: number): number {
    return this.levelIndex.getAt(src, at, symbol * 2 + side - 1);
  }

  /**
   * Takes a free order slot and indexes it under the id src[at] (the caller checked hasFreeOrder and
   * then sets price, remaining and filled).
   */
  allocateOrder(src: Float64Array, at: number, account: number, symbol: number, flags: number, baseCell: number, quoteCell: number): number {
    const order = this.counts[1];
    if (order === NONE) throw new Error('allocateOrder: no free order (the caller must check hasFreeOrder)');
    this.counts[1] = this.orderI[order * ORDER_I32 + O_NEXT];
    this.counts[3]++;
    this.key[0] = src[at] + 1;
    this.orderIndex.insertAt(this.key, 0, 0, order);
    this.orderF[order * ORDER_F64 + O_ID] = src[at];
    this.orderI[order * ORDER_I32 + O_ACCOUNT] = account;
    this.orderI[order * ORDER_I32 + O_SYMBOL] = symbol;
    this.orderF[order * ORDER_F64 + O_REMAINING] = 0;
    this.orderF[order * ORDER_F64 + O_FILLED] = 0;
    this.orderI[order * ORDER_I32 + O_FLAGS] = flags;
    this.orderI[order * ORDER_I32 + O_BASE_CELL] = baseCell;
    this.orderI[order * ORDER_I32 + O_QUOTE_CELL] = quoteCell;
    this.orderI[order * ORDER_I32 + O_LEVEL] = NONE;
    this.orderI[order * ORDER_I32 + O_PREV] = NONE;
    this.orderI[order * ORDER_I32 + O_NEXT] = NONE;
    return order;
  }

  freeOrder(order: number): void {
    this.key[0] = this.orderF[order * ORDER_F64 + O_ID] + 1;
    this.orderIndex.removeAt(this.key, 0, 0);
    this.orderI[order * ORDER_I32 + O_NEXT] = this.counts[1];
    this.counts[1] = order;
    this.counts[3]--;
  }

  /**
   * Appends an allocated, unlinked order (price and remaining already set) at the back of its price
   * level, creating the level when needed (the caller checked hasFreeLevel or that the level exists).
   */
  link(order: number): void {
    const symbol = this.orderI[order * ORDER_I32 + O_SYMBOL];
    const side = this.orderI[order * ORDER_I32 + O_FLAGS] & 3;
    let level = this.levelAt(symbol, side, this.orderF, order * ORDER_F64 + O_PRICE);
    if (level === NONE) level = this.createLevel(symbol, side, order);
    const tail = this.levelI[level * LEVEL_I32 + L_TAIL];
    this.orderI[order * ORDER_I32 + O_PREV] = tail;
    this.orderI[order * ORDER_I32 + O_NEXT] = NONE;
    if (tail === NONE) this.levelI[level * LEVEL_I32 + L_HEAD] = order;
    else this.orderI[tail * ORDER_I32 + O_NEXT] = order;
    this.levelI[level * LEVEL_I32 + L_TAIL] = order;
    this.orderI[order * ORDER_I32 + O_LEVEL] = level;
    this.levelF[level * LEVEL_F64 + L_QUANTITY] += this.orderF[order * ORDER_F64 + O_REMAINING];
    this.emitLevel(level);
  }

  /** LEVEL_CHANGED for `level` at its current quantity (0: the level is going away). */
  emitLevel(level: number): void {
    const events = this.events;
    if (events === null) return;
    const book = this.levelI[level * LEVEL_I32 + L_BOOK];
    events.v[0] = this.levelF[level * LEVEL_F64 + L_PRICE];
    events.v[1] = this.levelF[level * LEVEL_F64 + L_QUANTITY];
    events.level((book & 1) + 1, book >> 1);
  }

  /** Whether slot `order` holds a resting order (linked into a level). */
  isResting(order: number): boolean {
    return this.orderI[order * ORDER_I32 + O_LEVEL] !== NONE;
  }

  /** Takes an order out of its level (removing the level when it empties); the slot stays allocated. */
  unlink(order: number): void {
    const level = this.orderI[order * ORDER_I32 + O_LEVEL];
    const prev = this.orderI[order * ORDER_I32 + O_PREV];
    const next = this.orderI[order * ORDER_I32 + O_NEXT];
    if (prev === NONE) this.levelI[level * LEVEL_I32 + L_HEAD] = next;
    else this.orderI[prev * ORDER_I32 + O_NEXT] = next;
    if (next === NONE) this.levelI[level * LEVEL_I32 + L_TAIL] = prev;
    else this.orderI[next * ORDER_I32 + O_PREV] = prev;
    this.levelF[level * LEVEL_F64 + L_QUANTITY] -= this.orderF[order * ORDER_F64 + O_REMAINING];
    this.emitLevel(level);
    this.orderI[order * ORDER_I32 + O_LEVEL] = NONE;
    this.orderI[order * ORDER_I32 + O_PREV] = NONE;
    this.orderI[order * ORDER_I32 + O_NEXT] = NONE;
    if (this.levelI[level * LEVEL_I32 + L_HEAD] === NONE) this.removeLevel(level);
  }

  /** Creates the level at the price of `order`. */
  private createLevel(symbol: number, side: number, order: number): number {
    const level = this.counts[2];
    if (level === NONE) throw new Error('createLevel: no free level (the caller must check hasFreeLevel)');
    this.counts[2] = this.levelI[level * LEVEL_I32 + L_NEXT];
    this.counts[4]++;
    const book = symbol * 2 + side - 1;
    const price = this.orderF[order * ORDER_F64 + O_PRICE];
    this.levelIndex.insertAt(this.orderF, order * ORDER_F64 + O_PRICE, book, level);
    this.levelF[level * LEVEL_F64 + L_PRICE] = price;
    this.levelF[level * LEVEL_F64 + L_QUANTITY] = 0;
    this.levelI[level * LEVEL_I32 + L_HEAD] = NONE;
    this.levelI[level * LEVEL_I32 + L_TAIL] = NONE;
    this.levelI[level * LEVEL_I32 + L_BOOK] = book;
    // Find the neighbours: `after` is the last level better than `price` (NONE = new best).
    const best = this.bestLevel[book];
    const worst = this.worstLevel[book];
    const buy = side === SIDE_BUY;
    let after = NONE;
    if (best !== NONE) {
      const levelF = this.levelF;
      // First look for a level a few ticks away through the price index: in a dense book the nearest
      // level is almost always there, which makes the insert O(1). The nearest hit is the neighbour.
      const tick = this.tickSize[symbol];
      const probe = this.key;
      // A short side is cheaper to walk (its levels are in cache) than to probe (each probe may miss).
      let found = false;
      for (let k = this.sideLevels[book] > SHORT_SIDE_LEVELS ? 1 : NEIGHBOUR_PROBES + 1; k <= NEIGHBOUR_PROBES && !found; k++) {
        probe[0] = buy ? price + k * tick : price - k * tick;
        const better = this.levelIndex.getAt(probe, 0, book);
        if (better !== NONE) {
          after = better;
          found = true;
          break;
        }
        probe[0] = buy ? price - k * tick : price + k * tick;
        const worse = this.levelIndex.getAt(probe, 0, book);
        if (worse !== NONE) {
          after = this.levelI[worse * LEVEL_I32 + L_PREV];
          found = true;
        }
      }
      if (!found && Math.abs(levelF[best * LEVEL_F64 + L_PRICE] - price) <= Math.abs(levelF[worst * LEVEL_F64 + L_PRICE] - price)) {
        // Walk from the best end while the level there is better than the new price.
        let l = best;
        while (l !== NONE && (buy ? levelF[l * LEVEL_F64 + L_PRICE] > price : levelF[l * LEVEL_F64 + L_PRICE] < price)) {
          after = l;
          l = this.levelI[l * LEVEL_I32 + L_NEXT];
        }
      } else if (!found) {
        // Walk from the worst end while the level there is worse than the new price.
        let l = worst;
        while (l !== NONE && (buy ? levelF[l * LEVEL_F64 + L_PRICE] < price : levelF[l * LEVEL_F64 + L_PRICE] > price)) l = this.levelI[l * LEVEL_I32 + L_PREV];
        after = l;
      }
    }
    const before = after === NONE ? best : this.levelI[after * LEVEL_I32 + L_NEXT];
    this.levelI[level * LEVEL_I32 + L_PREV] = after;
    this.levelI[level * LEVEL_I32 + L_NEXT] = before;
    this.sideLevels[book]++;
    if (after === NONE) this.bestLevel[book] = level;
    else this.levelI[after * LEVEL_I32 + L_NEXT] = level;
    if (before === NONE) this.worstLevel[book] = level;
    else this.levelI[before * LEVEL_I32 + L_PREV] = level;
    return level;
  }

  private removeLevel(level: number): void {
    const book = this.levelI[level * LEVEL_I32 + L_BOOK];
    const prev = this.levelI[level * LEVEL_I32 + L_PREV];
    const next = this.levelI[level * LEVEL_I32 + L_NEXT];
    if (prev === NONE) this.bestLevel[book] = next;
    else this.levelI[prev * LEVEL_I32 + L_NEXT] = next;
    if (next === NONE) this.worstLevel[book] = prev;
    else this.levelI[next * LEVEL_I32 + L_PREV] = prev;
    this.levelIndex.removeAt(this.levelF, level * LEVEL_F64 + L_PRICE, book);
    this.sideLevels[book]--;
    this.levelI[level * LEVEL_I32 + L_NEXT] = this.counts[2];
    this.levelI[level * LEVEL_I32 + L_PREV] = NONE;
    this.counts[2] = level;
    this.counts[4]--;
  }
}
