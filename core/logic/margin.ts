/**
 * Short selling against margin, and liquidation, over the books (order_book.ts) and matching.ts's taker
 * path. Positions live in preallocated typed arrays like every other table here.
 *
 * Margin: an admin sets per symbol an initial and a maintenance margin in basis points (SET_MARGIN);
 * 0 and 0 (the default) = no short selling in the symbol. The reference price is the symbol's last
 * trade price; before the first trade there is none and a short sale is refused (NO_REFERENCE_PRICE).
 *
 * A position is one account's short in one symbol: base owed (short S), base on its working short
 * sells (pending P) and collateral C, quote of the symbol's quote asset held in the account's reserved
 * balance for the position. An account holds at most one position per base asset (its base cell): a
 * short of the same base through a second symbol is refused (SHORT_IN_OTHER_SYMBOL).
 *
 *  - Short sale: a sell order (PLACE_ORDER) for more base than the account has available, in a symbol
 *    with margin, is a short sale of its whole quantity q (the base the account holds stays untouched).
 *    It reserves no base; it locks lock = max(0, ceil((S + P + q) × ref × initial / 10000) + S × ref − C)
 *    of available quote into C (INSUFFICIENT_MARGIN when the account has less): the collateral then
 *    covers the initial margin of everything short or working short, plus the value at ref of what is
 *    already short. P grows by q.
 *  - Fill of a short sale (as taker or maker) of x at price f: the base is borrowed (S += x, P −= x, the
 *    buyer receives x base no one held before) and the proceeds x × f join the collateral.
 *  - Unfilled short quantity (cancel, amend down, IOC/FOK/market remainder) leaves P; the collateral stays.
 *  - Cover: a buy fill in the position's symbol repays the short first: k = min(x, S) of the bought
 *    base goes to S instead of to available, and min(k × f, C) of collateral goes back to available.
 *  - A position with S = 0 and P = 0 closes: what collateral is left goes back to available.
 *  Conservation counting positions: per asset, Σ(available + reserved) − Σ S of the positions on that
 *  base asset = deposits − withdrawals (test_support/invariants.ts checks it after every command).
 *
 * Maintenance and liquidation: a position is below maintenance when C × 10000 < S × ref × (10000 +
 * maintenance). After a command's own order and the stops it triggered are done, if the command traded
 * (every trade of one command is in the command's symbol), the symbol's positions are checked in open
 * order (the order they were opened: first short sale first); the first one below maintenance is
 * liquidated: its collateral goes back to available and the engine enters a market buy (IOC, self-trade
 * CANCEL_RESTING: it cancels the account's own asks it meets) for S, spending the account's available
 * quote; its trades may trigger stops, which enter next, and then the check starts again from the first
 * position. Each position is liquidated at most once per command, so a cascade ends. If the book (or the
 * account's quote) cannot cover all of it, the position stays open with what is left, and its collateral
 * becomes what a short sale would have to lock for what is left (ceil((S + P) × ref × initial / 10000) +
 * S × ref), or all the account's available quote if that is less; the next trade of the symbol checks it
 * again. A
 * liquidation order has no id and no result record; GET_POSITION shows where the position ended.
 * The check is skipped while ref is below a per-symbol bound (scanFrom) under which no position can be
 * below maintenance: a change to a position lowers the bound to that position's liquidation price, a full
 * check recomputes it, SET_MARGIN resets it to 0.
 *
 * Amounts are float64 products of integers: exact while S × ref × (10000 + bps) < 2^53, deterministic
 * beyond (the reference model computes the same expressions).
 *
 * Validation ladders:
 *   SET_MARGIN    (admin) symbol (SYMBOL_NOT_FOUND) · both 0, or integers 1 <= maintenance <= initial <= 100000
 *                 (INVALID_MARGIN) · 0 and 0 only while the symbol has no open position (MARGIN_IN_USE)
 *   GET_POSITION  symbol (SYMBOL_NOT_FOUND) · account the caller may act for (ACCOUNT_NOT_FOUND; acting_lookup.ts); all zero
 *                 when the account has no position there
 *   PLACE_ORDER   a sell for more than the available base, after the rungs before funds (matching.ts):
 *                 margin set (else INSUFFICIENT_FUNDS, as without margin) · a reference price
 *                 (NO_REFERENCE_PRICE) · no position on the base in another symbol (SHORT_IN_OTHER_SYMBOL)
 *                 · a free position slot (POSITIONS_FULL) · available quote >= lock (INSUFFICIENT_MARGIN)
 *   AMEND_ORDER   of a resting short sale to a larger quantity: the same margin rung for the increase.
 */
import type { RecordBuffer } from '../../codec/records/record_buffer.ts';
import type { ApplyContext } from './apply_context.ts';
import type { Ledger } from './ledger.ts';
import type { Matching } from './matching.ts';
import type { OrderBook } from './order_book.ts';
import type { StateArena } from './state_arena.ts';
import * as commandDescriptorModule from '../../codec/records/command_descriptor.ts';
import * as resultDescriptorModule from '../../codec/records/result_descriptor.ts';
import * as resultCodesModule from '../../codec/result_codes.ts';
import * as idIndexModule from './id_index.ts';
import * as orderLayoutModule from './order_layout.ts';
import * as registersModule from './registers.ts';

// Module-local copies of imported constants and functions: V8 folds these into optimized code, while an
// imported binding is read from its module cell, with a hole check, at every use (order_layout.ts).
const { SelfTradePrevention, SetMargin, Side } = commandDescriptorModule;
const { PositionResult } = resultDescriptorModule;
const { ResultCode } = resultCodesModule;
const { INDEX_NOT_FOUND } = idIndexModule;
const { NONE } = orderLayoutModule;
const { Q_PRICE, Q_QUANTITY, R_FILLED, R_LIMIT, R_PRICE, R_QUANTITY } = registersModule;

const BPS = 10000;
const MAX_BPS = 100000;
/** A scan starts this little below a position's computed liquidation price (float rounding never skips one). */
const SCAN_SLACK = 1 - 1e-9;


/** Collateral a checked short sale must lock. */
const Q_LOCK = 2;
const Q_REGISTERS = 3;

export class Margin {
  /** Scratch registers (see Q_*): float64 values never travel as arguments (see matching.ts). */
  readonly q = new Float64Array(Q_REGISTERS);
  // per symbol
  readonly initialBps: Float64Array;
  readonly maintenanceBps: Float64Array;
  /** [symbol] → first / last position in open order, NONE when none. */
  readonly firstPosition: Int32Array;
  readonly lastPosition: Int32Array;
  /** [symbol] → below this reference price no position of the symbol is below maintenance. */
  readonly scanFrom: Float64Array;
  // per position
  readonly shortQuantity: Float64Array;
  readonly pendingQuantity: Float64Array;
  readonly collateral: Float64Array;
  /** Sequence of the command that last liquidated the position (at most once per command). */
  readonly liquidatedAt: Float64Array;
  readonly positionAccount: Int32Array;
  readonly positionSymbol: Int32Array;
  readonly positionBaseCell: Int32Array;
  readonly positionQuoteCell: Int32Array;
  /** Next / previous position of the same symbol in open order; next also links the free list. */
  readonly positionNext: Int32Array;
  readonly positionPrev: Int32Array;
  /** [balance cell] → the position on that (account, base asset), NONE when none. */
  readonly cellPosition: Int32Array;
  /** [0] free position head, [1] positions in use. */
  private readonly counts: Int32Array;
  readonly maxPositions: number;
  /** The taker path liquidation orders use (set by attach: matching.ts needs this module first). */
  private matching: Matching | null = null;

  attach(matching: Matching): void {
    this.matching = matching;
  }

  constructor(
    arena: StateArena, maxSymbols: number, maxBalances: number, maxPositions: number,
    private readonly ledger: Ledger, private readonly book: OrderBook, private readonly ctx: ApplyContext,
  ) {
    this.maxPositions = maxPositions;
    this.initialBps = arena.f64('margin.initialBps', maxSymbols);
    this.maintenanceBps = arena.f64('margin.maintenanceBps', maxSymbols);
    this.firstPosition = arena.i32('margin.firstPosition', maxSymbols);
    this.lastPosition = arena.i32('margin.lastPosition', maxSymbols);
    this.scanFrom = arena.f64('margin.scanFrom', maxSymbols);
    this.shortQuantity = arena.f64('margin.shortQuantity', maxPositions);
    this.pendingQuantity = arena.f64('margin.pendingQuantity', maxPositions);
    this.collateral = arena.f64('margin.collateral', maxPositions);
    this.liquidatedAt = arena.f64('margin.liquidatedAt', maxPositions);
    this.positionAccount = arena.i32('margin.positionAccount', maxPositions);
    this.positionSymbol = arena.i32('margin.positionSymbol', maxPositions);
    this.positionBaseCell = arena.i32('margin.positionBaseCell', maxPositions);
    this.positionQuoteCell = arena.i32('margin.positionQuoteCell', maxPositions);
    this.positionNext = arena.i32('margin.positionNext', maxPositions);
    this.positionPrev = arena.i32('margin.positionPrev', maxPositions);
    this.cellPosition = arena.i32('margin.cellPosition', maxBalances);
    this.counts = arena.i32('margin.counts', 2);
    this.firstPosition.fill(NONE);
    this.lastPosition.fill(NONE);
    this.scanFrom.fill(Infinity);
    this.cellPosition.fill(NONE);
    for (let p = 0; p < maxPositions; p++) this.positionNext[p] = p + 1 < maxPositions ? p + 1 : NONE;
    this.counts[0] = 0;
  }

  get positionsInUse(): number {
    return this.counts[1];
  }

  setMargin(cmd: RecordBuffer, b: number): number {
    const f = cmd.f64;
    const symbol = this.book.symbolAt(f, (b + SetMargin.SYMBOL_ID) >>> 3);
    if (symbol === INDEX_NOT_FOUND) return ResultCode.SYMBOL_NOT_FOUND;
    const initial = f[(b + SetMargin.INITIAL_MARGIN_BPS) >>> 3];
    const maintenance = f[(b + SetMargin.MAINTENANCE_MARGIN_BPS) >>> 3];
    const off = initial === 0 && maintenance === 0;
    if (!off && !(maintenance >= 1 && maintenance <= initial && initial <= MAX_BPS
      && Math.floor(initial) === initial && Math.floor(maintenance) === maintenance)) return ResultCode.INVALID_MARGIN;
    if (off && this.firstPosition[symbol] !== NONE) return ResultCode.MARGIN_IN_USE;
    this.initialBps[symbol] = initial;
    this.maintenanceBps[symbol] = maintenance;
    this.scanFrom[symbol] = 0;
    return ResultCode.OK;
  }

  getPosition(cmd: RecordBuffer, b: number, ctx: ApplyContext, out: RecordBuffer, o: number): number {
    const acting = this.ledger.acting;
    const found = acting.findSymbol(this.book, cmd.f64, b, ctx);
    if (found !== ResultCode.OK) return found;
    const { slot: symbol, account } = acting;
    const p = this.positionOf(account, symbol);
    const ref = this.book.lastPrice[symbol];
    const of = out.f64;
    of[(o + PositionResult.SHORT_QUANTITY) >>> 3] = p === NONE ? 0 : this.shortQuantity[p];
    of[(o + PositionResult.PENDING_SHORT_QUANTITY) >>> 3] = p === NONE ? 0 : this.pendingQuantity[p];
    of[(o + PositionResult.COLLATERAL) >>> 3] = p === NONE ? 0 : this.collateral[p];
    of[(o + PositionResult.REFERENCE_PRICE) >>> 3] = ref;
    of[(o + PositionResult.MAINTENANCE_REQUIREMENT) >>> 3] = p === NONE ? 0
      : Math.ceil((this.shortQuantity[p] * ref * (BPS + this.maintenanceBps[symbol])) / BPS);
    ctx.resultBytes = PositionResult.BYTES;
    return ResultCode.OK;
  }

  /** The position of (account, symbol), or NONE. */
  positionOf(account: number, symbol: number): number {
    const cell = this.ledger.cell(account, this.book.symbolBase[symbol]);
    if (cell === INDEX_NOT_FOUND) return NONE;
    const p = this.cellPosition[cell];
    return p !== NONE && this.positionSymbol[p] === symbol ? p : NONE;
  }

  /**
   * The margin rungs of a short sale of q[Q_QUANTITY] by `account` in `symbol` (baseCell / quoteCell
   * may be missing: INDEX_NOT_FOUND). Leaves the collateral to lock in q[Q_LOCK]. INSUFFICIENT_FUNDS when
   * the symbol has no margin (a sell without the base, as always).
   */
  checkShort(symbol: number, baseCell: number, quoteCell: number): number {
    if (this.maintenanceBps[symbol] === 0) return ResultCode.INSUFFICIENT_FUNDS;
    const ref = this.book.lastPrice[symbol];
    if (ref === 0) return ResultCode.NO_REFERENCE_PRICE;
    const p = baseCell === INDEX_NOT_FOUND ? NONE : this.cellPosition[baseCell];
    if (p !== NONE && this.positionSymbol[p] !== symbol) return ResultCode.SHORT_IN_OTHER_SYMBOL;
    if (p === NONE && this.counts[0] === NONE) return ResultCode.POSITIONS_FULL;
    const q = this.q;
    const short = p === NONE ? 0 : this.shortQuantity[p];
    const working = short + (p === NONE ? 0 : this.pendingQuantity[p]) + q[Q_QUANTITY];
    const want = Math.ceil((working * ref * this.initialBps[symbol]) / BPS) + short * ref;
    const lock = want - (p === NONE ? 0 : this.collateral[p]);
    q[Q_LOCK] = lock > 0 ? lock : 0;
    const available = quoteCell === INDEX_NOT_FOUND ? 0 : this.ledger.available[quoteCell];
    return available < q[Q_LOCK] ? ResultCode.INSUFFICIENT_MARGIN : ResultCode.OK;
  }

  /** After checkShort passed and the cells exist: opens or extends the position by a working short of q[Q_QUANTITY]. */
  openShort(account: number, symbol: number, baseCell: number, quoteCell: number): void {
    let p = this.cellPosition[baseCell];
    if (p === NONE) p = this.allocate(account, symbol, baseCell, quoteCell);
    const lock = this.q[Q_LOCK];
    this.ledger.available[quoteCell] -= lock;
    this.ledger.reserved[quoteCell] += lock;
    this.ledger.events.touchCell(quoteCell);
    this.collateral[p] += lock;
    this.pendingQuantity[p] += this.q[Q_QUANTITY];
  }

  /** A short sale from `baseCell` filled q[Q_QUANTITY] at q[Q_PRICE]: borrow the base, keep the proceeds as collateral. */
  borrow(baseCell: number): void {
    const p = this.cellPosition[baseCell];
    if (p === NONE) throw new Error('borrow: a short sale without its position');
    const q = this.q;
    const value = q[Q_QUANTITY] * q[Q_PRICE];
    this.shortQuantity[p] += q[Q_QUANTITY];
    this.pendingQuantity[p] -= q[Q_QUANTITY];
    this.collateral[p] += value;
    this.ledger.reserved[this.positionQuoteCell[p]] += value;
    this.ledger.events.touchCell(this.positionQuoteCell[p]);
    this.lowerScan(p);
  }

  /**
   * `baseCell` (which has a position) was credited q[Q_QUANTITY] base bought at q[Q_PRICE] in `symbol`:
   * a buy in the position's symbol repays the short first, paid back from the collateral.
   */
  cover(baseCell: number, symbol: number): void {
    const p = this.cellPosition[baseCell];
    if (this.positionSymbol[p] !== symbol) return;
    const q = this.q;
    const short = this.shortQuantity[p];
    if (short === 0) return;
    const k = q[Q_QUANTITY] < short ? q[Q_QUANTITY] : short;
    const ledger = this.ledger;
    ledger.available[baseCell] -= k;
    this.shortQuantity[p] = short - k;
    const cost = k * q[Q_PRICE];
    const release = cost < this.collateral[p] ? cost : this.collateral[p];
    const quoteCell = this.positionQuoteCell[p];
    this.collateral[p] -= release;
    ledger.reserved[quoteCell] -= release;
    ledger.available[quoteCell] += release;
    ledger.events.touchCell(baseCell);
    ledger.events.touchCell(quoteCell);
    // No lowerScan here: a cover that lowers the position's liquidation price trades above C / S, so
    // above that price, and the check after this command's trades scans the symbol and recomputes scanFrom.
    this.closeIfDone(p);
  }

  /** q[Q_QUANTITY] of a working short sale from `baseCell` will not trade (cancelled or not filled). */
  releasePending(baseCell: number): void {
    const p = this.cellPosition[baseCell];
    if (p === NONE) throw new Error('releasePending: a short sale without its position');
    this.pendingQuantity[p] -= this.q[Q_QUANTITY];
    this.closeIfDone(p);
  }

  /**
   * After a command's own order: enters its triggered stops, then liquidates the traded symbol's
   * positions below maintenance one at a time (first in open order first), entering the stops each
   * liquidation triggers, until none is left to liquidate.
   */
  afterTrades(): void {
    this.runStops();
    const m = this.matching;
    if (m === null) throw new Error('margin: attach(matching) first');
    const symbol = m.tradedSymbol;
    if (symbol === NONE) return;
    m.tradedSymbol = NONE;
    while (this.liquidateOne(symbol)) this.runStops();
    m.tradedSymbol = NONE;
  }

  /** Enters the stops triggered so far (stop_orders.ts runTriggered, when there are stop orders). */
  private runStops(): void {
    const stopOrders = this.matching === null ? null : this.matching.stopOrders;
    if (stopOrders !== null) stopOrders.runTriggered();
  }

  /** Liquidates the first position of `symbol` below maintenance not yet liquidated in this command; false when none. */
  private liquidateOne(symbol: number): boolean {
    const ref = this.book.lastPrice[symbol];
    if (!(ref >= this.scanFrom[symbol])) return false;
    const maintenance = BPS + this.maintenanceBps[symbol];
    const sequence = this.ctx.numbers[0];
    let bound = Infinity;
    for (let p = this.firstPosition[symbol]; p !== NONE; p = this.positionNext[p]) {
      const short = this.shortQuantity[p];
      if (short === 0) continue;
      if (this.collateral[p] * BPS >= short * ref * maintenance || this.liquidatedAt[p] === sequence) {
        const at = this.liquidationPrice(p);
        if (at < bound) bound = at;
        continue;
      }
      this.liquidate(p, symbol);
      return true;
    }
    this.scanFrom[symbol] = bound;
    return false;
  }

  private liquidate(p: number, symbol: number): void {
    const ledger = this.ledger;
    const book = this.book;
    const m = this.matching;
    if (m === null) throw new Error('margin: attach(matching) first');
    const r = m.r;
    const quoteCell = this.positionQuoteCell[p];
    const baseCell = this.positionBaseCell[p];
    this.liquidatedAt[p] = this.ctx.numbers[0];
    ledger.reserved[quoteCell] -= this.collateral[p];
    ledger.available[quoteCell] += this.collateral[p];
    ledger.events.touchCell(quoteCell);
    this.collateral[p] = 0;
    r[R_LIMIT] = -1;
    r[R_PRICE] = 0;
    r[R_QUANTITY] = this.shortQuantity[p];
    r[R_FILLED] = 0;
    m.startUnlisted();
    if (book.bestLevel[symbol * 2 + Side.SELL - 1] !== NONE && ledger.available[quoteCell] > 0) {
      m.match(symbol, this.positionAccount[p], Side.BUY, SelfTradePrevention.CANCEL_RESTING, baseCell, quoteCell);
    }
    // Covered completely (and nothing working): the position closed in cover(). Else it locks again what
    // the initial margin asks for what is left, as far as the account's available quote goes.
    if (this.cellPosition[baseCell] === p) {
      const ref = book.lastPrice[symbol];
      const want = Math.ceil(((this.shortQuantity[p] + this.pendingQuantity[p]) * ref * this.initialBps[symbol]) / BPS)
        + this.shortQuantity[p] * ref;
      const lock = want < ledger.available[quoteCell] ? want : ledger.available[quoteCell];
      ledger.available[quoteCell] -= lock;
      ledger.reserved[quoteCell] += lock;
      ledger.events.touchCell(quoteCell);
      this.collateral[p] = lock;
      this.closeIfDone(p);
    }
  }

  /** The reference price below which position p is not below maintenance (a little less, for rounding). */
  private liquidationPrice(p: number): number {
    const maintenance = BPS + this.maintenanceBps[this.positionSymbol[p]];
    return ((this.collateral[p] * BPS) / (this.shortQuantity[p] * maintenance)) * SCAN_SLACK;
  }

  private lowerScan(p: number): void {
    const symbol = this.positionSymbol[p];
    const at = this.liquidationPrice(p);
    if (at < this.scanFrom[symbol]) this.scanFrom[symbol] = at;
  }

  private allocate(account: number, symbol: number, baseCell: number, quoteCell: number): number {
    const p = this.counts[0];
    if (p === NONE) throw new Error('allocate: no free position (the caller must check)');
    this.counts[0] = this.positionNext[p];
    this.counts[1]++;
    this.shortQuantity[p] = 0;
    this.pendingQuantity[p] = 0;
    this.collateral[p] = 0;
    this.liquidatedAt[p] = -1;
    this.positionAccount[p] = account;
    this.positionSymbol[p] = symbol;
    this.positionBaseCell[p] = baseCell;
    this.positionQuoteCell[p] = quoteCell;
    const last = this.lastPosition[symbol];
    this.positionPrev[p] = last;
    this.positionNext[p] = NONE;
    if (last === NONE) this.firstPosition[symbol] = p;
    else this.positionNext[last] = p;
    this.lastPosition[symbol] = p;
    this.cellPosition[baseCell] = p;
    return p;
  }

  /** Closes position p when nothing is short or working: its collateral goes back to available. */
  private closeIfDone(p: number): void {
    if (this.shortQuantity[p] !== 0 || this.pendingQuantity[p] !== 0) return;
    const quoteCell = this.positionQuoteCell[p];
    this.ledger.reserved[quoteCell] -= this.collateral[p];
    this.ledger.available[quoteCell] += this.collateral[p];
    this.ledger.events.touchCell(quoteCell);
    this.collateral[p] = 0;
    const symbol = this.positionSymbol[p];
    const prev = this.positionPrev[p];
    const next = this.positionNext[p];
    if (prev === NONE) this.firstPosition[symbol] = next;
    else this.positionNext[prev] = next;
    if (next === NONE) this.lastPosition[symbol] = prev;
    else this.positionPrev[next] = prev;
    this.cellPosition[this.positionBaseCell[p]] = NONE;
    this.positionNext[p] = this.counts[0];
    this.positionPrev[p] = NONE;
    this.counts[0] = p;
    this.counts[1]--;
  }
}
