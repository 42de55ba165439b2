/**
 * Order commands over the books in order_book.ts, settled in the ledger in the same step.
 *
 * Money: a resting buy reserves price × remaining of the quote asset; a resting sell reserves its
 * remaining base. A limit taker reserves the same way before matching, so every fill only moves
 * reserved units: the buyer receives base and pays quote at the maker's price; a buy that trades
 * below its limit gets the difference back to available. A market buy reserves nothing and spends
 * only its available quote, stopping when the next lot is unaffordable. What an IOC / FOK / market
 * order does not fill is released at once; a GTC limit rests with its reservation.
 *
 * Every fill records the symbol's last trade price and hands it to the stop lists (stop_book.ts); the
 * stops it reaches enter once the command's own order is done (stop_orders.ts runTriggered). An order
 * that ends (filled, cancelled, or an IOC/FOK/market remainder) is recorded in the done window
 * (done_orders.ts) for GET_ORDER.
 *
 * Priority: strict price-time. Levels are visited best first and orders inside a level in arrival
 * order. An amend that only reduces quantity keeps the order's place; a new price or a larger
 * quantity takes it out, lets it match as a taker at its new price, and rests what is left at the
 * back of its level. Self-trade prevention CANCEL_RESTING cancels the taker's own resting orders
 * that it would trade with (their reservation is released) and keeps matching; NONE lets an account
 * trade with itself (both legs settle into the same cells).
 *
 * Validation ladders:
 *   CREATE_SYMBOL (admin) id != 0 · not exists (SYMBOL_EXISTS) · base asset · quote asset
 *                 (ASSET_NOT_FOUND) · base != quote (SYMBOL_ASSETS_SAME) · tick > 0 (INVALID_PRICE)
 *                 · lot > 0 (INVALID_QUANTITY) · capacity (SYMBOLS_FULL)
 *   PLACE_ORDER   symbol (SYMBOL_NOT_FOUND) · account the caller may act for (ACCOUNT_NOT_FOUND)
 *                 · side (INVALID_SIDE) · order type (INVALID_ORDER_TYPE) · time in force, and MARKET
 *                 is not GTC (INVALID_TIME_IN_FORCE) · self-trade mode (INVALID_FIELD_VALUE) · LIMIT price
 *                 > 0 and a tick multiple, MARKET price 0 (INVALID_PRICE) · quantity > 0 and a lot
 *                 multiple (INVALID_QUANTITY) · balance cells (BALANCES_FULL) · funds: limit buy
 *                 price × qty of quote, sell qty of base, market buy some quote (INSUFFICIENT_FUNDS);
 *                 a sell beyond the base held: a short sale's margin rungs instead (margin.ts)
 *                 · MARKET with an empty opposite side (NO_LIQUIDITY) · GTC: the owner's open-order quota
 *                 (OPEN_ORDER_QUOTA_EXCEEDED, not for an admin; a short sale like any other order) · a free
 *                 order slot (ORDERS_FULL) and, without a level at its price, a free level (PRICE_LEVELS_FULL)
 *                 · FOK: the whole quantity fillable now (FOK_NOT_FILLABLE)
 *   CANCEL_ORDER  symbol · order resting in it and the caller's (ORDER_NOT_FOUND)
 *   AMEND_ORDER   symbol · order · caller owns it · newQuantity > 0 (INVALID_AMEND) and a lot multiple
 *                 (INVALID_QUANTITY) · newPrice 0 (keep) or > 0 and a tick multiple (INVALID_PRICE)
 *                 · funds for a larger reservation (INSUFFICIENT_FUNDS; a short sale: margin for the increase,
 *                 margin.ts) · a level for the new price
 *                 (PRICE_LEVELS_FULL). newQuantity is the new remaining quantity.
 * (GET_ORDER and GET_DEPTH are in order_queries.ts.)
 * Capacity checks are conservative: a GTC order is refused when it could not rest, even if it would
 * have filled completely.
 *
 * Prices, quantities and ids are float64 values that may exceed the small-integer range; they are
 * never passed as arguments or returned between methods (V8 boxes such a value per call when it does
 * not inline). They travel in the `r` register array instead.
 */
import type { RecordBuffer } from '../../codec/records/record_buffer.ts';
import type { ApplyContext } from './apply_context.ts';
import { type DoneOrders } from './done_orders.ts';
import type { Ledger } from './ledger.ts';
import { OrderTerms } from './order_terms.ts';
import type { OrderBook } from './order_book.ts';
import type { StopBook } from './stop_book.ts';
import type { Margin } from './margin.ts';
import * as commandDescriptorModule from '../../codec/records/command_descriptor.ts';
import * as eventDescriptorModule from '../../codec/records/event_descriptor.ts';
import * as resultDescriptorModule from '../../codec/records/result_descriptor.ts';
import * as resultCodesModule from '../../codec/result_codes.ts';
import * as applyContextModule from './apply_context.ts';
import * as idIndexModule from './id_index.ts';
import * as orderLayoutModule from './order_layout.ts';
import * as principalQuotasModule from './principal_quotas.ts';
import * as registersModule from './registers.ts';
import * as stopLayoutModule from './stop_layout.ts';

// Module-local copies of imported constants and functions: V8 folds these into optimized code, while an
// imported binding is read from its module cell, with a hole check, at every use (order_layout.ts).
const { AmendOrder, CreateSymbol, OrderType, PlaceOrder, SelfTradePrevention, Side, TimeInForce } = commandDescriptorModule;
const { EventKind, OrderDoneReason } = eventDescriptorModule;
const { CancelResult, MAX_LISTED_FILLS, OrderResult, OrderStatus, RESULT_FLAG_FILLS_TRUNCATED } = resultDescriptorModule;
const { ResultCode } = resultCodesModule;
const { multipleAt, positiveAt } = applyContextModule;
const { INDEX_NOT_FOUND } = idIndexModule;
const { L_HEAD, L_NEXT, L_PRICE, L_QUANTITY, L_TAIL, LEVEL_F64, LEVEL_I32, NONE, O_ACCOUNT, O_BASE_CELL, O_FILLED, O_FLAGS, O_ID, O_LEVEL, O_NEXT, O_PRICE, O_QUOTE_CELL, O_REMAINING, O_SYMBOL, ORDER_F64, ORDER_I32, FLAG_OCO, FLAG_SHORT } = orderLayoutModule;
const { Quota } = principalQuotasModule;
const { R_LIMIT, R_QUANTITY, R_FILLED, R_BUDGET, R_ORDER_ID, R_REPORT_FILLED, R_REPORT_RESTING, R_PRICE, Q_PRICE, Q_QUANTITY } = registersModule;
const { S_ACCOUNT, STOP_I32 } = stopLayoutModule;


const BUY = Side.BUY;
const SELL = Side.SELL;

/** Matching.r's length. */
const REGISTERS = 8;


/** What stop_orders.ts does for matching: CANCEL_ORDER / AMEND_ORDER of an id that is not resting (an untriggered stop), and entering triggered stops. */
export interface StopHooks {
  cancel(cmd: RecordBuffer, b: number, symbol: number, ctx: ApplyContext, out: RecordBuffer, o: number): number;
  amend(cmd: RecordBuffer, b: number, symbol: number, ctx: ApplyContext, out: RecordBuffer, o: number): number;
  runTriggered(): void;
}

export function orderFlags(side: number, orderType: number, timeInForce: number, selfTrade: number): number {
  return side | (orderType << 2) | (timeInForce << 4) | (selfTrade << 6);
}

export function selfTradeOf(flags: number): number {
  return (flags >>> 6) & 3;
}

export class Matching {
  /** Float64 registers: see R_*. */
  readonly r = new Float64Array(REGISTERS);
  /** Scratch of the current order command: fills counted, and where to write listed fills. */
  private fillCount = 0;
  private out: RecordBuffer | null = null;
  private outBase = 0;
  /** False while a triggered stop trades: its fills belong to no result record. */
  private listing = true;
  /** The account's cells of the symbol after findCells / makeCells (INDEX_NOT_FOUND: none yet). */
  baseCell = INDEX_NOT_FOUND;
  quoteCell = INDEX_NOT_FOUND;
  /** The terms of the order command being placed (order_terms.ts). */
  readonly terms: OrderTerms;
  /**
   * Set by stop_orders.ts: the stop side of CANCEL_ORDER, AMEND_ORDER and of a command's end. An object
   * whose methods are called, not closures: a closure is a new function per state machine, so code
   * optimized while one machine ran deoptimizes ("wrong call target") as soon as a second machine in the
   * same isolate calls it (a replay, a test, the warm-up of perf/profile/logic_records.ts).
   */
  stopOrders: StopHooks | null = null;

  /** Whether the taker of the next match() is a short sale (place / amend set it and clear it after). */
  private takerShort = false;
  /** The symbol of the command's trades, NONE before the first (margin.ts checks its positions after). */
  tradedSymbol = NONE;

  constructor(
    private readonly ledger: Ledger, readonly book: OrderBook, readonly stops: StopBook, readonly done: DoneOrders,
    readonly margin: Margin,
  ) {
    this.terms = new OrderTerms(ledger, book);
    margin.attach(this);
  }

  createSymbol(cmd: RecordBuffer, b: number): number {
    const ledger = this.ledger;
    const f = cmd.f64;
    const idAt = (b + CreateSymbol.SYMBOL_ID) >>> 3;
    if (f[idAt] === 0) return ResultCode.ID_MUST_NOT_BE_ZERO;
    if (!positiveAt(f, idAt)) return ResultCode.INTEGER_OUT_OF_RANGE;
    if (this.book.symbolAt(f, idAt) !== INDEX_NOT_FOUND) return ResultCode.SYMBOL_EXISTS;
    const base = ledger.assetAt(f, (b + CreateSymbol.BASE_ASSET_ID) >>> 3);
    if (base === INDEX_NOT_FOUND) return ResultCode.ASSET_NOT_FOUND;
    const quote = ledger.assetAt(f, (b + CreateSymbol.QUOTE_ASSET_ID) >>> 3);
    if (quote === INDEX_NOT_FOUND) return ResultCode.ASSET_NOT_FOUND;
    if (base === quote) return ResultCode.SYMBOL_ASSETS_SAME;
    const tickAt = (b + CreateSymbol.TICK_SIZE) >>> 3;
    if (!positiveAt(f, tickAt)) return ResultCode.INVALID_PRICE;
    const lotAt = (b + CreateSymbol.LOT_SIZE) >>> 3;
    if (!positiveAt(f, lotAt)) return ResultCode.INVALID_QUANTITY;
    const symbol = this.book.addSymbol(f, idAt, base, quote);
    if (symbol === INDEX_NOT_FOUND) return ResultCode.SYMBOLS_FULL;
    this.book.tickSize[symbol] = f[tickAt];
    this.book.lotSize[symbol] = f[lotAt];
    return ResultCode.OK;
  }

  place(cmd: RecordBuffer, b: number, ctx: ApplyContext, out: RecordBuffer, o: number): number {
    const ledger = this.ledger;
    const book = this.book;
    const f = cmd.f64;
    const terms = this.terms;
    const termsCode = terms.check(cmd.bytes, f, b, ctx, PlaceOrder.SIDE_U8, OrderType.MARKET, OrderType.LIMIT);
    if (termsCode !== ResultCode.OK) return termsCode;
    const { symbol, account, side, orderType, timeInForce, selfTrade, market } = terms;
    const priceAt = (b + PlaceOrder.PRICE) >>> 3;
    const price = f[priceAt];
    const quantity = f[(b + PlaceOrder.QUANTITY) >>> 3];
    // Look the cells up without creating them: a refused order must leave no trace. They are created
    // (capacity checked here) only once every rule has passed.
    if (!this.findCells(account, symbol)) return ResultCode.BALANCES_FULL;
    const available = ledger.available;
    const quoteAvailable = this.quoteCell === INDEX_NOT_FOUND ? 0 : available[this.quoteCell];
    let short = false;
    if (side === BUY) {
      if (market ? quoteAvailable <= 0 : quoteAvailable < price * quantity) return ResultCode.INSUFFICIENT_FUNDS;
    } else if (this.baseCell === INDEX_NOT_FOUND || available[this.baseCell] < quantity) {
      // More than the account holds: a short sale, if the symbol has margin (margin.ts).
      this.margin.q[Q_QUANTITY] = quantity;
      const code = this.margin.checkShort(symbol, this.baseCell, this.quoteCell);
      if (code !== ResultCode.OK) return code;
      short = true;
    }
    const opposite = symbol * 2 + (side === BUY ? SELL : BUY) - 1;
    if (market && book.bestLevel[opposite] === NONE) return ResultCode.NO_LIQUIDITY;
    if (timeInForce === TimeInForce.GTC) {
      const quota = ledger.quotas.check(ledger.accountOwner[account], Quota.OPEN_ORDERS, 1, ctx.admin);
      if (quota !== ResultCode.OK) return quota;
      if (!book.hasFreeOrder) return ResultCode.ORDERS_FULL;
      if (!book.hasFreeLevel && book.levelAt(symbol, side, f, priceAt) === NONE) return ResultCode.PRICE_LEVELS_FULL;
    }
    const r = this.r;
    r[R_LIMIT] = market ? -1 : price;
    r[R_PRICE] = price;
    r[R_QUANTITY] = quantity;
    if (timeInForce === TimeInForce.FOK) {
      r[R_BUDGET] = market && side === BUY ? quoteAvailable : -1;
      if (!this.fillable(symbol, account, side, selfTrade)) return ResultCode.FOK_NOT_FILLABLE;
    }
    this.makeCells(account, symbol);
    const baseCell = this.baseCell;
    const quoteCell = this.quoteCell;

    // Every rule passed. Reserve what a limit taker (or any sell) may spend, then match.
    const reserved = ledger.reserved;
    if (short) {
      this.margin.q[Q_QUANTITY] = quantity;
      this.margin.openShort(account, symbol, baseCell, quoteCell);
    } else if (side === SELL) {
      available[baseCell] -= quantity;
      reserved[baseCell] += quantity;
    } else if (!market) {
      available[quoteCell] -= price * quantity;
      reserved[quoteCell] += price * quantity;
    }
    r[R_ORDER_ID] = ctx.numbers[0];
    const events = ledger.events;
    const v = events.v;
    v[0] = r[R_ORDER_ID];
    v[1] = price;
    v[2] = quantity;
    v[3] = orderType;
    v[4] = timeInForce;
    events.order(EventKind.ORDER_ACCEPTED, side, account, symbol);
    if (side === SELL) events.touchCell(baseCell);
    else if (!market) events.touchCell(quoteCell);
    this.startFills(out, o);
    this.takerShort = short;
    this.match(symbol, account, side, selfTrade, baseCell, quoteCell);
    this.takerShort = false;
    const status = this.restOrRelease(symbol, account, orderFlags(side, orderType, timeInForce, selfTrade) | (short ? FLAG_SHORT : 0),
      baseCell, quoteCell, true);
    this.finishOrderResult(ctx, status);
    this.runTriggered();
    return ResultCode.OK;
  }

  /**
   * Looks up `account`'s base and quote cells of `symbol` without creating them (baseCell/quoteCell,
   * INDEX_NOT_FOUND where missing): false when the missing ones would not fit (BALANCES_FULL).
   */
  findCells(account: number, symbol: number): boolean {
    const ledger = this.ledger;
    this.baseCell = ledger.cell(account, this.book.symbolBase[symbol]);
    this.quoteCell = ledger.cell(account, this.book.symbolQuote[symbol]);
    const newCells = (this.baseCell === INDEX_NOT_FOUND ? 1 : 0) + (this.quoteCell === INDEX_NOT_FOUND ? 1 : 0);
    return ledger.cellCount + newCells <= ledger.maxBalances;
  }

  /** Creates the cells findCells found missing (once every rule has passed). */
  makeCells(account: number, symbol: number): void {
    if (this.baseCell === INDEX_NOT_FOUND) this.baseCell = this.ledger.ensureCell(account, this.book.symbolBase[symbol]);
    if (this.quoteCell === INDEX_NOT_FOUND) this.quoteCell = this.ledger.ensureCell(account, this.book.symbolQuote[symbol]);
  }

  /**
   * After a taker matched: rests what is left of r[R_QUANTITY] at r[R_PRICE] (GTC, when `canRest`) or
   * releases its reservation; records a taker that ended in the done window. Sets r[R_REPORT_FILLED]
   * and r[R_REPORT_RESTING] and returns the order status. The order id is r[R_ORDER_ID].
   */
  restOrRelease(symbol: number, account: number, flags: number, baseCell: number, quoteCell: number, canRest: boolean): number {
    const r = this.r;
    const book = this.book;
    const side = flags & 3;
    const market = ((flags >>> 2) & 3) === OrderType.MARKET;
    const filled = r[R_FILLED];
    const remaining = r[R_QUANTITY] - filled;
    let status: number = OrderStatus.FILLED;
    r[R_REPORT_RESTING] = 0;
    r[R_REPORT_FILLED] = filled;
    if (remaining > 0) {
      if (((flags >>> 4) & 3) === TimeInForce.GTC && canRest) {
        const order = book.allocateOrder(r, R_ORDER_ID, account, symbol, flags, baseCell, quoteCell);
        this.ledger.quotas.charge(this.ledger.accountOwner[account], Quota.OPEN_ORDERS, 1);
        book.orderF[order * ORDER_F64 + O_PRICE] = r[R_PRICE];
        book.orderF[order * ORDER_F64 + O_FILLED] = filled;
        book.orderF[order * ORDER_F64 + O_REMAINING] = remaining;
        book.link(order);
        r[R_REPORT_RESTING] = remaining;
        this.emitOrder(EventKind.ORDER_RESTED, order);
        return OrderStatus.RESTING;
      }
      const ledger = this.ledger;
      if ((flags & FLAG_SHORT) !== 0) {
        this.margin.q[Q_QUANTITY] = remaining;
        this.margin.releasePending(baseCell);
      } else if (side === SELL) {
        ledger.reserved[baseCell] -= remaining;
        ledger.available[baseCell] += remaining;
        ledger.events.touchCell(baseCell);
      } else if (!market) {
        ledger.reserved[quoteCell] -= r[R_PRICE] * remaining;
        ledger.available[quoteCell] += r[R_PRICE] * remaining;
        ledger.events.touchCell(quoteCell);
      }
      status = OrderStatus.CANCELLED;
      ledger.events.cancelReason = OrderDoneReason.EXPIRED;
    }
    this.done.record(r, R_ORDER_ID, R_PRICE, R_FILLED, account, symbol, flags, status);
    return status;
  }

  cancel(cmd: RecordBuffer, b: number, ctx: ApplyContext, out: RecordBuffer, o: number): number {
    const book = this.book;
    const acting = this.ledger.acting;
    const found = acting.findOrder(book, cmd.f64, b, ctx);
    if (found !== ResultCode.OK) return found;
    const order = acting.order;
    if (order === NONE) return this.stopOrders === null ? ResultCode.ORDER_NOT_FOUND : this.stopOrders.cancel(cmd, b, acting.slot, ctx, out, o);
    out.f64[(o + CancelResult.ORDER_ID) >>> 3] = book.orderF[order * ORDER_F64 + O_ID];
    out.f64[(o + CancelResult.CANCELLED_QUANTITY) >>> 3] = book.orderF[order * ORDER_F64 + O_REMAINING];
    this.cancelResting(order, true);
    ctx.resultBytes = CancelResult.BYTES;
    return ResultCode.OK;
  }

  /**
   * After a command's own order is done: the stops it triggered, then the liquidations its trades call
   * for (margin.ts afterTrades).
   */
  runTriggered(): void {
    this.margin.afterTrades();
  }

  amend(cmd: RecordBuffer, b: number, ctx: ApplyContext, out: RecordBuffer, o: number): number {
    const book = this.book;
    const ledger = this.ledger;
    const f = cmd.f64;
    const found = ledger.acting.findOrder(book, f, b, ctx);
    if (found !== ResultCode.OK) return found; // someone else's order: not disclosed
    const { slot: symbol, order, account } = ledger.acting;
    if (order === NONE) return this.stopOrders === null ? ResultCode.ORDER_NOT_FOUND : this.stopOrders.amend(cmd, b, symbol, ctx, out, o);
    const quantityAt = (b + AmendOrder.NEW_QUANTITY) >>> 3;
    if (!positiveAt(f, quantityAt)) return ResultCode.INVALID_AMEND;
    const newQuantity = f[quantityAt];
    if (!multipleAt(f, quantityAt, book.lotSize, symbol)) return ResultCode.INVALID_QUANTITY;
    const priceAt = (b + AmendOrder.NEW_PRICE) >>> 3;
    const newPrice = f[priceAt];
    if (newPrice !== 0 && (!positiveAt(f, priceAt) || !multipleAt(f, priceAt, book.tickSize, symbol))) return ResultCode.INVALID_PRICE;
    const price = book.orderF[order * ORDER_F64 + O_PRICE];
    const keepPrice = newPrice === 0 || newPrice === price;
    const targetPrice = keepPrice ? price : newPrice;
    const remaining = book.orderF[order * ORDER_F64 + O_REMAINING];
    const side = book.orderSide(order);
    const baseCell = book.orderI[order * ORDER_I32 + O_BASE_CELL];
    const quoteCell = book.orderI[order * ORDER_I32 + O_QUOTE_CELL];
    const available = ledger.available;
    const reserved = ledger.reserved;
    const r = this.r;
    const short = (book.orderI[order * ORDER_I32 + O_FLAGS] & FLAG_SHORT) !== 0;
    const margin = this.margin;

    if (keepPrice && newQuantity <= remaining) {
      // A reduction keeps the order's place in the queue.
      r[R_ORDER_ID] = book.orderF[order * ORDER_F64 + O_ID];
      this.startFills(out, o);
      const cut = remaining - newQuantity;
      if (short) {
        margin.q[Q_QUANTITY] = cut;
        margin.releasePending(baseCell);
      } else if (side === BUY) {
        reserved[quoteCell] -= price * cut;
        available[quoteCell] += price * cut;
      } else {
        reserved[baseCell] -= cut;
        available[baseCell] += cut;
      }
      book.orderF[order * ORDER_F64 + O_REMAINING] = newQuantity;
      book.levelF[book.orderI[order * ORDER_I32 + O_LEVEL] * LEVEL_F64 + L_QUANTITY] -= cut;
      book.emitLevel(book.orderI[order * ORDER_I32 + O_LEVEL]);
      this.emitOrder(EventKind.ORDER_AMENDED, order);
      ledger.events.touchCell(side === BUY ? quoteCell : baseCell);
      r[R_REPORT_FILLED] = book.orderF[order * ORDER_F64 + O_FILLED];
      r[R_REPORT_RESTING] = newQuantity;
      this.finishOrderResult(ctx, OrderStatus.RESTING);
      return ResultCode.OK;
    }

    const delta = side === BUY ? targetPrice * newQuantity - price * remaining : newQuantity - remaining;
    const cell = side === BUY ? quoteCell : baseCell;
    if (short) {
      // A short sale grows only against margin for the increase.
      if (delta > 0) {
        margin.q[Q_QUANTITY] = delta;
        const code = margin.checkShort(symbol, baseCell, quoteCell);
        if (code !== ResultCode.OK) return code;
      }
    } else if (delta > available[cell]) return ResultCode.INSUFFICIENT_FUNDS;
    const level = book.orderI[order * ORDER_I32 + O_LEVEL];
    const alone = book.levelI[level * LEVEL_I32 + L_HEAD] === order && book.levelI[level * LEVEL_I32 + L_TAIL] === order;
    if (!book.hasFreeLevel && !(alone && !keepPrice) &&
      (keepPrice ? book.levelAt(symbol, side, book.orderF, order * ORDER_F64 + O_PRICE) : book.levelAt(symbol, side, f, priceAt)) === NONE) {
      return ResultCode.PRICE_LEVELS_FULL;
    }

    // The order loses its place: out of its level, re-reserved at the new terms, matched, rested.
    r[R_ORDER_ID] = book.orderF[order * ORDER_F64 + O_ID];
    this.startFills(out, o);
    book.unlink(order);
    if (!short) {
      available[cell] -= delta;
      reserved[cell] += delta;
    } else if (delta > 0) {
      margin.q[Q_QUANTITY] = delta;
      margin.openShort(account, symbol, baseCell, quoteCell);
    } else if (delta < 0) {
      margin.q[Q_QUANTITY] = -delta;
      margin.releasePending(baseCell);
    }
    book.orderF[order * ORDER_F64 + O_PRICE] = targetPrice;
    book.orderF[order * ORDER_F64 + O_REMAINING] = newQuantity;
    this.emitOrder(EventKind.ORDER_AMENDED, order);
    book.orderF[order * ORDER_F64 + O_REMAINING] = 0;
    ledger.events.touchCell(cell);
    r[R_LIMIT] = targetPrice;
    r[R_QUANTITY] = newQuantity;
    this.takerShort = short;
    this.match(symbol, account, side, selfTradeOf(book.orderI[order * ORDER_I32 + O_FLAGS]), baseCell, quoteCell);
    this.takerShort = false;
    const filled = r[R_FILLED];
    // A fill of an OCO limit leg, as a maker or here as a taker, ends its stop leg.
    if (filled > 0 && (book.orderI[order * ORDER_I32 + O_FLAGS] & FLAG_OCO) !== 0) this.endOcoStopLeg(order);
    const totalFilled = book.orderF[order * ORDER_F64 + O_FILLED] + filled;
    const left = newQuantity - filled;
    r[R_REPORT_FILLED] = totalFilled;
    book.orderF[order * ORDER_F64 + O_FILLED] = totalFilled;
    if (left > 0) {
      book.orderF[order * ORDER_F64 + O_REMAINING] = left;
      book.link(order);
      r[R_REPORT_RESTING] = left;
      this.finishOrderResult(ctx, OrderStatus.RESTING);
    } else {
      this.recordDone(order, OrderStatus.FILLED);
      this.releaseOrder(order);
      r[R_REPORT_RESTING] = 0;
      this.finishOrderResult(ctx, OrderStatus.FILLED);
    }
    this.runTriggered();
    return ResultCode.OK;
  }

  /** ORDER_RESTED / ORDER_AMENDED of book order `order` at its current price and remaining quantity. */
  private emitOrder(kind: number, order: number): void {
    const book = this.book;
    const events = this.ledger.events;
    events.v[0] = book.orderF[order * ORDER_F64 + O_ID];
    events.v[1] = book.orderF[order * ORDER_F64 + O_PRICE];
    events.v[2] = book.orderF[order * ORDER_F64 + O_REMAINING];
    events.order(kind, book.orderSide(order), book.orderI[order * ORDER_I32 + O_ACCOUNT], book.orderI[order * ORDER_I32 + O_SYMBOL]);
  }

  /** Records the end of a book order in the done window. */
  recordDone(order: number, status: number): void {
    const book = this.book;
    this.done.record(book.orderF, order * ORDER_F64 + O_ID, order * ORDER_F64 + O_PRICE, order * ORDER_F64 + O_FILLED,
      book.orderI[order * ORDER_I32 + O_ACCOUNT], book.orderI[order * ORDER_I32 + O_SYMBOL], book.orderI[order * ORDER_I32 + O_FLAGS], status);
  }

  /** Removes the stop leg of the OCO limit leg `order` (it had a fill): the limit leg is a plain order from now on. */
  private endOcoStopLeg(order: number): void {
    const stop = this.stops.findAt(this.book.orderF, order * ORDER_F64 + O_ID);
    if (stop !== NONE) this.removeStop(stop);
    this.book.orderI[order * ORDER_I32 + O_FLAGS] &= ~FLAG_OCO;
  }

  /**
   * Cancels a resting order: releases its reservation and frees its slot. An OCO limit leg takes its
   * stop leg with it. `record`: the order ends here (false when the id lives on, as an OCO whose stop
   * leg was triggered).
   */
  cancelResting(order: number, record: boolean): void {
    const book = this.book;
    if ((book.orderI[order * ORDER_I32 + O_FLAGS] & FLAG_OCO) !== 0) this.endOcoStopLeg(order);
    if (record) this.recordDone(order, OrderStatus.CANCELLED);
    const remaining = book.orderF[order * ORDER_F64 + O_REMAINING];
    const ledger = this.ledger;
    if (book.orderSide(order) === BUY) {
      const cell = book.orderI[order * ORDER_I32 + O_QUOTE_CELL];
      const amount = book.orderF[order * ORDER_F64 + O_PRICE] * remaining;
      ledger.reserved[cell] -= amount;
      ledger.available[cell] += amount;
      ledger.events.touchCell(cell);
    } else if ((book.orderI[order * ORDER_I32 + O_FLAGS] & FLAG_SHORT) !== 0) {
      this.margin.q[Q_QUANTITY] = remaining;
      this.margin.releasePending(book.orderI[order * ORDER_I32 + O_BASE_CELL]);
    } else {
      const cell = book.orderI[order * ORDER_I32 + O_BASE_CELL];
      ledger.reserved[cell] -= remaining;
      ledger.available[cell] += remaining;
      ledger.events.touchCell(cell);
    }
    book.unlink(order);
    this.releaseOrder(order);
  }

  /** Frees an unlinked book order and gives its slot back to its owner's open-order quota. */
  releaseOrder(order: number): void {
    this.ledger.quotas.refund(this.ledger.accountOwner[this.book.orderI[order * ORDER_I32 + O_ACCOUNT]], Quota.OPEN_ORDERS, 1);
    this.book.freeOrder(order);
  }

  /** Removes a stop (waiting or triggered) and gives its slot back to its owner's open-order quota. */
  removeStop(stop: number): void {
    this.ledger.quotas.refund(this.ledger.accountOwner[this.stops.stopI[stop * STOP_I32 + S_ACCOUNT]], Quota.OPEN_ORDERS, 1);
    this.stops.remove(stop);
  }

  /**
   * Whether a FOK order of r[R_QUANTITY] at r[R_LIMIT] (-1 = market) can fill completely now, with a
   * market buy limited to r[R_BUDGET] of quote (-1 = no budget). A dry run of match(): the same walk in
   * priority order, the same lot-rounded affordability per fill, skipping the taker's own orders when
   * self-trade prevention would cancel them. A fill against the taker's own order (prevention NONE)
   * pays its quote straight back into the same cell, so it costs the budget nothing.
   */
  fillable(symbol: number, account: number, side: number, selfTrade: number): boolean {
    const book = this.book;
    const r = this.r;
    const limitPrice = r[R_LIMIT];
    const lot = book.lotSize[symbol];
    let need = r[R_QUANTITY];
    let money = r[R_BUDGET];
    for (let l = book.bestLevel[symbol * 2 + (side === BUY ? SELL : BUY) - 1]; l !== NONE; l = book.levelI[l * LEVEL_I32 + L_NEXT]) {
      const levelPrice = book.levelF[l * LEVEL_F64 + L_PRICE];
      if (limitPrice >= 0 && (side === BUY ? levelPrice > limitPrice : levelPrice < limitPrice)) return false;
      for (let ord = book.levelI[l * LEVEL_I32 + L_HEAD]; ord !== NONE; ord = book.orderI[ord * ORDER_I32 + O_NEXT]) {
        const own = book.orderI[ord * ORDER_I32 + O_ACCOUNT] === account;
        if (own && selfTrade === SelfTradePrevention.CANCEL_RESTING) continue;
        let take = book.orderF[ord * ORDER_F64 + O_REMAINING] < need ? book.orderF[ord * ORDER_F64 + O_REMAINING] : need;
        if (money >= 0) {
          const affordable = Math.floor(money / levelPrice);
          const lots = affordable - (affordable % lot);
          if (lots < take) take = lots;
          if (take === 0) return false;
          if (!own) money -= take * levelPrice;
        }
        need -= take;
        if (need === 0) return true;
      }
    }
    return false;
  }

  /**
   * Matches a taker wanting r[R_QUANTITY] at r[R_LIMIT] (-1 = market) against the opposite side and
   * leaves the quantity filled in r[R_FILLED]. Settles every fill: the maker's reservation and the
   * taker's (limit) reservation or (market buy) available quote. Lists fills in the result.
   */
  match(symbol: number, account: number, side: number, selfTrade: number, baseCell: number, quoteCell: number): void {
    const book = this.book;
    const r = this.r;
    if (this.listing && this.out === null) throw new Error('match without startFills');
    // Most takers of a passive flow do not cross: answer them before setting up the fill loop.
    const best = book.bestLevel[symbol * 2 + (side === BUY ? SELL : BUY) - 1];
    if (best === NONE || (r[R_LIMIT] >= 0 && (side === BUY
      ? book.levelF[best * LEVEL_F64 + L_PRICE] > r[R_LIMIT] : book.levelF[best * LEVEL_F64 + L_PRICE] < r[R_LIMIT]))) {
      r[R_FILLED] = 0;
      return;
    }
    const available = this.ledger.available;
    const reserved = this.ledger.reserved;
    const limitPrice = r[R_LIMIT];
    const quantity = r[R_QUANTITY];
    const opposite = symbol * 2 + (side === BUY ? SELL : BUY) - 1;
    const marketBuy = limitPrice < 0 && side === BUY;
    const lot = book.lotSize[symbol];
    const stp = selfTrade === SelfTradePrevention.CANCEL_RESTING;
    const listing = this.listing;
    const out = this.out;
    const stops = this.stops;
    const lastPrice = book.lastPrice;
    const margin = this.margin;
    const mq = margin.q;
    const cellPosition = margin.cellPosition;
    const takerShort = this.takerShort;
    const fillsAt = this.outBase + OrderResult.FILLS;
    let remaining = quantity;
    let level = book.bestLevel[opposite];
    while (remaining > 0 && level !== NONE) {
      const levelPrice = book.levelF[level * LEVEL_F64 + L_PRICE];
      if (limitPrice >= 0 && (side === BUY ? levelPrice > limitPrice : levelPrice < limitPrice)) break;
      const nextLevel = book.levelI[level * LEVEL_I32 + L_NEXT];
      let maker = book.levelI[level * LEVEL_I32 + L_HEAD];
      while (maker !== NONE && remaining > 0) {
        const nextMaker = book.orderI[maker * ORDER_I32 + O_NEXT];
        if (stp && book.orderI[maker * ORDER_I32 + O_ACCOUNT] === account) {
          this.ledger.events.cancelReason = OrderDoneReason.SELF_TRADE;
          this.cancelResting(maker, true);
          maker = nextMaker;
          continue;
        }
        const makerRemaining = book.orderF[maker * ORDER_F64 + O_REMAINING];
        let qty = makerRemaining < remaining ? makerRemaining : remaining;
        if (marketBuy) {
          const affordable = Math.floor(available[quoteCell] / levelPrice);
          const lots = affordable - (affordable % lot);
          if (lots < qty) qty = lots;
          if (qty === 0) {
            r[R_FILLED] = quantity - remaining;
            return;
          }
        }
        const value = qty * levelPrice;
        // The seller's leg first (a short sale borrows the base), then the buyer's (a buy covers a short).
        const sellerBase = side === BUY ? book.orderI[maker * ORDER_I32 + O_BASE_CELL] : baseCell;
        const buyerBase = side === BUY ? baseCell : book.orderI[maker * ORDER_I32 + O_BASE_CELL];
        if (side === BUY ? (book.orderI[maker * ORDER_I32 + O_FLAGS] & FLAG_SHORT) !== 0 : takerShort) {
          mq[Q_QUANTITY] = qty;
          mq[Q_PRICE] = levelPrice;
          margin.borrow(sellerBase);
        } else {
          reserved[sellerBase] -= qty;
          available[side === BUY ? book.orderI[maker * ORDER_I32 + O_QUOTE_CELL] : quoteCell] += value;
        }
        if (side === BUY) {
          if (marketBuy) available[quoteCell] -= value;
          else {
            reserved[quoteCell] -= limitPrice * qty;
            available[quoteCell] += (limitPrice - levelPrice) * qty;
          }
        } else {
          reserved[book.orderI[maker * ORDER_I32 + O_QUOTE_CELL]] -= value;
        }
        available[buyerBase] += qty;
        if (cellPosition[buyerBase] !== NONE) {
          mq[Q_QUANTITY] = qty;
          mq[Q_PRICE] = levelPrice;
          margin.cover(buyerBase, symbol);
        }
        if (listing && out !== null) {
          const k = this.fillCount++;
          if (k < MAX_LISTED_FILLS) {
            const of = out.f64;
            const at = fillsAt + OrderResult.FILL_BYTES * k;
            of[(at + OrderResult.FILL_MAKER_ORDER_ID) >>> 3] = book.orderF[maker * ORDER_F64 + O_ID];
            of[(at + OrderResult.FILL_PRICE) >>> 3] = levelPrice;
            of[(at + OrderResult.FILL_QUANTITY) >>> 3] = qty;
          }
        }
        const events = this.ledger.events;
        const v = events.v;
        v[0] = levelPrice;
        v[1] = qty;
        v[2] = book.orderF[maker * ORDER_F64 + O_ID];
        v[3] = r[R_ORDER_ID];
        events.fill(side, symbol, account, book.orderI[maker * ORDER_I32 + O_ACCOUNT]);
        events.touchCell(baseCell);
        events.touchCell(quoteCell);
        events.touchCell(book.orderI[maker * ORDER_I32 + O_BASE_CELL]);
        events.touchCell(book.orderI[maker * ORDER_I32 + O_QUOTE_CELL]);
        remaining -= qty;
        book.orderF[maker * ORDER_F64 + O_FILLED] += qty;
        if ((book.orderI[maker * ORDER_I32 + O_FLAGS] & FLAG_OCO) !== 0) this.endOcoStopLeg(maker);
        if (qty === makerRemaining) {
          this.recordDone(maker, OrderStatus.FILLED);
          // unlink subtracts the order's remaining quantity from its level and may free the level.
          book.unlink(maker);
          this.releaseOrder(maker);
        } else {
          book.orderF[maker * ORDER_F64 + O_REMAINING] = makerRemaining - qty;
          book.levelF[level * LEVEL_F64 + L_QUANTITY] -= qty;
          book.emitLevel(level);
        }
        // The last trade price, and the stops it reaches (they enter after this taker is done).
        lastPrice[symbol] = levelPrice;
        this.tradedSymbol = symbol;
        stops.collect(symbol, lastPrice, symbol);
        maker = nextMaker;
      }
      level = nextLevel;
    }
    r[R_FILLED] = quantity - remaining;
  }

  startFills(out: RecordBuffer, o: number): void {
    this.fillCount = 0;
    this.out = out;
    this.outBase = o;
    this.listing = true;
  }

  /** Starts a taker whose fills no result lists (a triggered stop). */
  startUnlisted(): void {
    this.out = null;
    this.listing = false;
  }

  /** Writes an order result from r[R_ORDER_ID], r[R_REPORT_FILLED], r[R_REPORT_RESTING] and the fills. */
  finishOrderResult(ctx: ApplyContext, status: number): void {
    const out = this.out;
    if (out === null) throw new Error('finishOrderResult without startFills');
    const r = this.r;
    const o = this.outBase;
    out.f64[(o + OrderResult.ORDER_ID) >>> 3] = r[R_ORDER_ID];
    out.f64[(o + OrderResult.FILLED_QUANTITY) >>> 3] = r[R_REPORT_FILLED];
    out.f64[(o + OrderResult.RESTING_QUANTITY) >>> 3] = r[R_REPORT_RESTING];
    out.u32[(o + OrderResult.ORDER_STATUS_U32) >>> 2] = status;
    out.u32[(o + OrderResult.FILL_COUNT_U32) >>> 2] = this.fillCount;
    const listed = this.fillCount < MAX_LISTED_FILLS ? this.fillCount : MAX_LISTED_FILLS;
    if (this.fillCount > MAX_LISTED_FILLS) ctx.resultFlags |= RESULT_FLAG_FILLS_TRUNCATED;
    ctx.resultBytes = OrderResult.FIXED_BYTES + OrderResult.FILL_BYTES * listed;
    this.out = null;
  }
}
