/**
 * Stop-market and stop-limit orders, OCO pairs and cancel-all, over the books (order_book.ts), the
 * stop lists (stop_book.ts) and matching.ts's taker path.
 *
 * A stop waits, untriggered, until a trade of its symbol reaches its stop price (a buy stop: a trade
 * at or above it; a sell stop: at or below it). Reservations are taken when it is placed: a sell stop
 * reserves its quantity of base, a buy stop-limit price × quantity of quote, a buy stop-market
 * stopPrice × quantity of quote. Triggered, it enters as a taker once the order whose trade reached
 * it is done (matching.ts collects it at that trade): a stop-limit as a limit order with its price,
 * time in force and self-trade mode; a stop-market as a market order (a buy's reservation goes back to
 * available first and it spends available quote like any market buy). Stops triggered in one command
 * enter one after another in the order their stop prices were crossed (ties: arrival), and stops their
 * trades reach join the back of the queue: a cascade resolves completely inside the command. The fills
 * of triggered stops are in no result record; GET_ORDER shows where each ended. A triggered GTC
 * stop-limit whose remainder finds no free order slot or price level is cancelled (its reservation
 * released) rather than refused: it was accepted long before.
 *
 * OCO: a GTC limit order (the limit leg) and a stop-market order (the stop leg) on the same side, for
 * the same quantity, under one order id and one reservation (the limit leg's). A fill of the limit leg
 * (as maker, or as taker when placed or amended) ends the stop leg; the stop leg's trigger cancels
 * the limit leg and enters a market order for the limit leg's remaining quantity; a cancel of the id
 * ends both. If the limit leg trades as soon as it is placed there is no stop leg at all.
 *
 * Validation ladders:
 *   PLACE_STOP_ORDER  symbol (SYMBOL_NOT_FOUND) · account the caller may act for (ACCOUNT_NOT_FOUND)
 *                     · side (INVALID_SIDE) · type STOP_MARKET or STOP_LIMIT (INVALID_ORDER_TYPE) · time in
 *                     force, and STOP_MARKET is not GTC (INVALID_TIME_IN_FORCE) · self-trade mode
 *                     (INVALID_FIELD_VALUE) · STOP_LIMIT price > 0 and a tick multiple, STOP_MARKET price 0
 *                     (INVALID_PRICE) · quantity > 0 and a lot multiple (INVALID_QUANTITY) · stop price > 0, a
 *                     tick multiple and not reached by the last trade: a buy stop above it, a sell stop below
 *                     (INVALID_STOP_PRICE) · balance cells (BALANCES_FULL) · funds for the reservation
 *                     (INSUFFICIENT_FUNDS) · the owner's open-order quota, one slot (OPEN_ORDER_QUOTA_EXCEEDED)
 *                     · a free stop slot (STOP_ORDERS_FULL)
 *   PLACE_OCO_ORDER   symbol · account the caller may act for · side · self-trade mode · price > 0 and a tick
 *                     multiple (INVALID_PRICE) · quantity · stop price > 0, a tick multiple, on the far side of
 *                     the price (sell: below, buy: above) and not reached by the last trade
 *                     (INVALID_STOP_PRICE) · balance cells · funds as a GTC limit order · the owner's open-order
 *                     quota, two slots (OPEN_ORDER_QUOTA_EXCEEDED) · a free order slot
 *                     (ORDERS_FULL) and price level (PRICE_LEVELS_FULL) · a free stop slot (STOP_ORDERS_FULL)
 *   CANCEL_ALL_ORDERS accountId 0 (every account of the caller) or an account the caller may act for
 *                     (ACCOUNT_NOT_FOUND) · symbolId 0 (all) or a symbol (SYMBOL_NOT_FOUND). Cancels resting
 *                     orders and untriggered stops; scans the order and stop pools (bounded by their size).
 * CANCEL_ORDER and AMEND_ORDER (matching.ts) fall through to an untriggered stop: cancel releases its
 * reservation; amend sets a new quantity and (stop-limit only, 0 = keep) a new limit price, keeping
 * its stop price and its place in the trigger order.
 */
import type { RecordBuffer } from '../../codec/records/record_buffer.ts';
import type { ApplyContext } from './apply_context.ts';
import type { DoneOrders } from './done_orders.ts';
import type { Ledger } from './ledger.ts';
import { type Matching, type StopHooks, orderFlags, selfTradeOf } from './matching.ts';
import type { OrderBook } from './order_book.ts';
import type { StopBook } from './stop_book.ts';
import * as commandDescriptorModule from '../../codec/records/command_descriptor.ts';
import * as eventDescriptorModule from '../../codec/records/event_descriptor.ts';
import * as resultDescriptorModule from '../../codec/records/result_descriptor.ts';
import * as resultCodesModule from '../../codec/result_codes.ts';
import * as applyContextModule from './apply_context.ts';
import * as idIndexModule from './id_index.ts';
import * as orderLayoutModule from './order_layout.ts';
import * as orderTermsModule from './order_terms.ts';
import * as principalQuotasModule from './principal_quotas.ts';
import * as registersModule from './registers.ts';
import * as stopLayoutModule from './stop_layout.ts';

// Module-local copies of imported constants and functions: V8 folds these into optimized code, while an
// imported binding is read from its module cell, with a hole check, at every use (order_layout.ts).
const { AmendOrder, CancelAllOrders, CancelOrder, OrderType, PlaceOcoOrder, PlaceStopOrder, Side, TimeInForce } = commandDescriptorModule;
const { EventKind } = eventDescriptorModule;
const { CancelAllResult, CancelResult, OrderStatus } = resultDescriptorModule;
const { ResultCode } = resultCodesModule;
const { multipleAt, positiveAt } = applyContextModule;
const { INDEX_NOT_FOUND } = idIndexModule;
const { NONE, O_ACCOUNT, O_REMAINING, O_SYMBOL, ORDER_F64, ORDER_I32, FLAG_OCO, FLAG_STOP } = orderLayoutModule;
const { OCO_TERMS } = orderTermsModule;
const { Quota } = principalQuotasModule;
const { R_BUDGET, R_FILLED, R_LIMIT, R_ORDER_ID, R_PRICE, R_QUANTITY, R_REPORT_FILLED, R_REPORT_RESTING } = registersModule;
const { S_ACCOUNT, S_BASE_CELL, S_FLAGS, S_ID, S_PRICE, S_QUANTITY, S_QUOTE_CELL, S_STATE, S_STATE_WAITING, S_STOP_PRICE, S_SYMBOL, STOP_F64, STOP_I32 } = stopLayoutModule;

const BUY = Side.BUY;
const SELL = Side.SELL;

export class StopOrders implements StopHooks {
  /** [0] the reservation of the stop last measured by measureReservation. */
  private readonly amount = new Float64Array(1);
  /** [0] what the stop or OCO being placed reserves (a float64 in an array: never boxed across a call). */
  private readonly need = new Float64Array(1);

  constructor(
    private readonly ledger: Ledger,
    private readonly book: OrderBook,
    private readonly stops: StopBook,
    private readonly done: DoneOrders,
    private readonly matching: Matching,
  ) {
    matching.stopOrders = this;
  }

  placeStop(cmd: RecordBuffer, b: number, ctx: ApplyContext, out: RecordBuffer, o: number): number {
    const m = this.matching;
    const f = cmd.f64;
    const terms = m.terms;
    const termsCode = terms.check(cmd.bytes, f, b, ctx, PlaceStopOrder.SIDE_U8, OrderType.STOP_MARKET, OrderType.STOP_LIMIT);
    if (termsCode !== ResultCode.OK) return termsCode; // a missing account or someone else's: the same answer
    const { symbol, account, side, market } = terms;
    const priceAt = (b + PlaceStopOrder.PRICE) >>> 3;
    const quantityAt = (b + PlaceStopOrder.QUANTITY) >>> 3;
    const stopAt = (b + PlaceStopOrder.STOP_PRICE) >>> 3;
    if (!this.stopPriceValid(symbol, side, f, stopAt)) return ResultCode.INVALID_STOP_PRICE;
    this.need[0] = side === SELL ? f[quantityAt] : (market ? f[stopAt] : f[priceAt]) * f[quantityAt];
    const funds = this.checkCellsAndFunds(account, symbol, side, ctx, 1);
    if (funds !== ResultCode.OK) return funds;
    if (!this.stops.hasFree) return ResultCode.STOP_ORDERS_FULL;
    this.reserveCells(account, symbol, side);
    this.emitAccepted(ctx, side, account, symbol, market ? OrderType.STOP_MARKET : OrderType.STOP_LIMIT, terms.timeInForce, f, priceAt, quantityAt,
      side === BUY ? m.quoteCell : m.baseCell);
    const flags = orderFlags(side, market ? OrderType.MARKET : OrderType.LIMIT, terms.timeInForce, terms.selfTrade);
    this.addStop(ctx, symbol, account, flags, m.baseCell, m.quoteCell, f, priceAt, stopAt, quantityAt);
    m.r[R_ORDER_ID] = ctx.numbers[0];
    return this.pendingResult(ctx, out, o, f, quantityAt);
  }

  placeOco(cmd: RecordBuffer, b: number, ctx: ApplyContext, out: RecordBuffer, o: number): number {
    const book = this.book;
    const m = this.matching;
    const r = m.r;
    const f = cmd.f64;
    const terms = m.terms;
    const termsCode = terms.check(cmd.bytes, f, b, ctx, PlaceOcoOrder.SIDE_U8, OCO_TERMS, OrderType.LIMIT);
    if (termsCode !== ResultCode.OK) return termsCode;
    const { symbol, account, side, selfTrade } = terms;
    const priceAt = (b + PlaceOcoOrder.PRICE) >>> 3;
    const quantityAt = (b + PlaceOcoOrder.QUANTITY) >>> 3;
    const stopAt = (b + PlaceOcoOrder.STOP_PRICE) >>> 3;
    if (!this.stopPriceValid(symbol, side, f, stopAt) || (side === BUY ? f[stopAt] <= f[priceAt] : f[stopAt] >= f[priceAt])) {
      return ResultCode.INVALID_STOP_PRICE;
    }
    this.need[0] = side === SELL ? f[quantityAt] : f[priceAt] * f[quantityAt];
    // Two slots (the limit leg and the stop leg), even when the limit leg trades at once and no stop leg follows.
    const funds = this.checkCellsAndFunds(account, symbol, side, ctx, 2);
    if (funds !== ResultCode.OK) return funds;
    if (!book.hasFreeOrder) return ResultCode.ORDERS_FULL;
    if (!book.hasFreeLevel && book.levelAt(symbol, side, f, priceAt) === NONE) return ResultCode.PRICE_LEVELS_FULL;
    if (!this.stops.hasFree) return ResultCode.STOP_ORDERS_FULL;
    this.reserveCells(account, symbol, side);
    const baseCell = m.baseCell;
    const quoteCell = m.quoteCell;
    this.emitAccepted(ctx, side, account, symbol, OrderType.LIMIT, TimeInForce.GTC, f, priceAt, quantityAt, side === BUY ? quoteCell : baseCell);
    // The limit leg is a GTC limit order; only if it rests untouched does the pair get its stop leg.
    r[R_LIMIT] = f[priceAt];
    r[R_PRICE] = f[priceAt];
    r[R_QUANTITY] = f[quantityAt];
    r[R_ORDER_ID] = ctx.numbers[0];
    m.startFills(out, o);
    m.match(symbol, account, side, selfTrade, baseCell, quoteCell);
    const untouched = r[R_FILLED] === 0;
    const status = m.restOrRelease(symbol, account, orderFlags(side, OrderType.LIMIT, TimeInForce.GTC, selfTrade) | (untouched ? FLAG_OCO : 0),
      baseCell, quoteCell, true);
    m.finishOrderResult(ctx, status);
    if (untouched) {
      this.addStop(ctx, symbol, account, orderFlags(side, OrderType.MARKET, TimeInForce.IOC, selfTrade) | FLAG_OCO, baseCell, quoteCell,
        f, priceAt, stopAt, quantityAt);
    }
    // Through matching: the stops, then the liquidations the trades call for (margin.ts).
    this.matching.runTriggered();
    return ResultCode.OK;
  }

  /**
   * The rungs a stop and an OCO share after their prices: balance cells (BALANCES_FULL) · funds for
   * need[0] (INSUFFICIENT_FUNDS) · `slots` of the owner's open-order quota (OPEN_ORDER_QUOTA_EXCEEDED).
   * Leaves the cells found in matching.baseCell / quoteCell.
   */
  private checkCellsAndFunds(account: number, symbol: number, side: number, ctx: ApplyContext, slots: number): number {
    const ledger = this.ledger;
    const m = this.matching;
    const need = this.need[0];
    if (!m.findCells(account, symbol)) return ResultCode.BALANCES_FULL;
    const fundsCell = side === BUY ? m.quoteCell : m.baseCell;
    if (fundsCell === INDEX_NOT_FOUND ? need > 0 : ledger.available[fundsCell] < need) return ResultCode.INSUFFICIENT_FUNDS;
    return ledger.quotas.check(ledger.accountOwner[account], Quota.OPEN_ORDERS, slots, ctx.admin);
  }

  /** Creates the missing cells and moves need[0] of the side's funds to reserved (every rule passed). */
  private reserveCells(account: number, symbol: number, side: number): void {
    const m = this.matching;
    m.makeCells(account, symbol);
    const cell = side === BUY ? m.quoteCell : m.baseCell;
    this.ledger.available[cell] -= this.need[0];
    this.ledger.reserved[cell] += this.need[0];
  }

  cancelAll(cmd: RecordBuffer, b: number, ctx: ApplyContext, out: RecordBuffer, o: number): number {
    const ledger = this.ledger;
    const book = this.book;
    const stops = this.stops;
    const f = cmd.f64;
    const accountAt = (b + CancelAllOrders.ACCOUNT_ID) >>> 3;
    let account = -1;
    if (f[accountAt] !== 0) {
      account = ledger.actingAccountAt(f, accountAt, ctx);
      if (account === INDEX_NOT_FOUND) return ResultCode.ACCOUNT_NOT_FOUND; // missing or someone else's: the same answer
    }
    const symbolAt = (b + CancelAllOrders.SYMBOL_ID) >>> 3;
    let symbol = -1;
    if (f[symbolAt] !== 0) {
      symbol = book.symbolAt(f, symbolAt);
      if (symbol === INDEX_NOT_FOUND) return ResultCode.SYMBOL_NOT_FOUND;
    }
    const owner = ledger.accountOwner;
    const principal = ctx.principal;
    let cancelled = 0;
    for (let order = 0; order < book.maxOrders; order++) {
      if (!book.isResting(order)) continue;
      const a = book.orderI[order * ORDER_I32 + O_ACCOUNT];
      if (account < 0 ? owner[a] !== principal : a !== account) continue;
      if (symbol >= 0 && book.orderI[order * ORDER_I32 + O_SYMBOL] !== symbol) continue;
      this.matching.cancelResting(order, true);
      cancelled++;
    }
    for (let stop = 0; stop < stops.maxStops; stop++) {
      if (stops.stopI[stop * STOP_I32 + S_STATE] !== S_STATE_WAITING) continue;
      const a = stops.stopI[stop * STOP_I32 + S_ACCOUNT];
      if (account < 0 ? owner[a] !== principal : a !== account) continue;
      if (symbol >= 0 && stops.stopI[stop * STOP_I32 + S_SYMBOL] !== symbol) continue;
      this.cancelWaiting(stop);
      cancelled++;
    }
    out.f64[(o + CancelAllResult.CANCELLED_ORDERS) >>> 3] = cancelled;
    ctx.resultBytes = CancelAllResult.BYTES;
    return ResultCode.OK;
  }

  /** CANCEL_ORDER of an id that is not resting in a book: an untriggered stop. */
  cancel(cmd: RecordBuffer, b: number, symbol: number, ctx: ApplyContext, out: RecordBuffer, o: number): number {
    const stops = this.stops;
    const stop = stops.findAt(cmd.f64, (b + CancelOrder.ORDER_ID) >>> 3);
    if (stop === NONE || !this.owns(stop, symbol, ctx)) return ResultCode.ORDER_NOT_FOUND;
    out.f64[(o + CancelResult.ORDER_ID) >>> 3] = stops.stopF[stop * STOP_F64 + S_ID];
    out.f64[(o + CancelResult.CANCELLED_QUANTITY) >>> 3] = stops.stopF[stop * STOP_F64 + S_QUANTITY];
    this.cancelWaiting(stop);
    ctx.resultBytes = CancelResult.BYTES;
    return ResultCode.OK;
  }

  /** AMEND_ORDER of an id that is not resting in a book: an untriggered stop (same ladder as a resting order). */
  amend(cmd: RecordBuffer, b: number, symbol: number, ctx: ApplyContext, out: RecordBuffer, o: number): number {
    const stops = this.stops;
    const book = this.book;
    const ledger = this.ledger;
    const f = cmd.f64;
    const stop = stops.findAt(f, (b + AmendOrder.ORDER_ID) >>> 3);
    if (stop === NONE || !this.owns(stop, symbol, ctx)) return ResultCode.ORDER_NOT_FOUND;
    const quantityAt = (b + AmendOrder.NEW_QUANTITY) >>> 3;
    if (!positiveAt(f, quantityAt)) return ResultCode.INVALID_AMEND;
    if (!multipleAt(f, quantityAt, book.lotSize, symbol)) return ResultCode.INVALID_QUANTITY;
    const priceAt = (b + AmendOrder.NEW_PRICE) >>> 3;
    const flags = stops.stopI[stop * STOP_I32 + S_FLAGS];
    const market = ((flags >>> 2) & 3) === OrderType.MARKET;
    if (f[priceAt] !== 0 && (market || !positiveAt(f, priceAt) || !multipleAt(f, priceAt, book.tickSize, symbol))) return ResultCode.INVALID_PRICE;
    const sf = stops.stopF;
    const side = flags & 3;
    const cell = stops.stopI[stop * STOP_I32 + (side === BUY ? S_QUOTE_CELL : S_BASE_CELL)];
    this.measureReservation(stop);
    const before = this.amount[0];
    const unitPrice = market ? sf[stop * STOP_F64 + S_STOP_PRICE] : f[priceAt] !== 0 ? f[priceAt] : sf[stop * STOP_F64 + S_PRICE];
    const delta = (side === SELL ? f[quantityAt] : unitPrice * f[quantityAt]) - before;
    if (delta > ledger.available[cell]) return ResultCode.INSUFFICIENT_FUNDS;
    ledger.available[cell] -= delta;
    ledger.reserved[cell] += delta;
    ledger.events.touchCell(cell);
    if (f[priceAt] !== 0) sf[stop * STOP_F64 + S_PRICE] = f[priceAt];
    sf[stop * STOP_F64 + S_QUANTITY] = f[quantityAt];
    const r = this.matching.r;
    r[R_ORDER_ID] = sf[stop * STOP_F64 + S_ID];
    return this.pendingResult(ctx, out, o, f, quantityAt);
  }

  /**
   * Enters the stops triggered during this command, front of the queue first, until the queue is
   * empty (their own trades may add more). Runs after the command's own result is written.
   */
  runTriggered(): void {
    const stops = this.stops;
    const book = this.book;
    const ledger = this.ledger;
    const m = this.matching;
    const r = m.r;
    const sf = stops.stopF;
    const si = stops.stopI;
    for (let s = stops.firstTriggered; s !== NONE; s = stops.firstTriggered) {
      const account = si[s * STOP_I32 + S_ACCOUNT];
      const symbol = si[s * STOP_I32 + S_SYMBOL];
      const flags = si[s * STOP_I32 + S_FLAGS];
      const baseCell = si[s * STOP_I32 + S_BASE_CELL];
      const quoteCell = si[s * STOP_I32 + S_QUOTE_CELL];
      const side = flags & 3;
      const market = ((flags >>> 2) & 3) === OrderType.MARKET;
      r[R_ORDER_ID] = sf[s * STOP_F64 + S_ID];
      r[R_PRICE] = sf[s * STOP_F64 + S_PRICE];
      r[R_LIMIT] = market ? -1 : sf[s * STOP_F64 + S_PRICE];
      ledger.events.touchCell(side === BUY ? quoteCell : baseCell);
      if ((flags & FLAG_OCO) !== 0) {
        // The stop leg's trigger cancels the limit leg; its reservation is taken again by the taker.
        m.removeStop(s);
        const order = book.orderAt(r, R_ORDER_ID);
        if (order === NONE) throw new Error('OCO stop leg without its limit leg');
        r[R_QUANTITY] = book.orderF[order * ORDER_F64 + O_REMAINING];
        m.cancelResting(order, false);
        if (side === SELL) {
          ledger.available[baseCell] -= r[R_QUANTITY];
          ledger.reserved[baseCell] += r[R_QUANTITY];
        }
      } else {
        r[R_QUANTITY] = sf[s * STOP_F64 + S_QUANTITY];
        if (side === BUY && market) {
          // A stop-market buy spends available quote like any market buy: its reservation goes back.
          this.measureReservation(s);
          ledger.reserved[quoteCell] -= this.amount[0];
          ledger.available[quoteCell] += this.amount[0];
        }
        m.removeStop(s);
      }
      m.startUnlisted();
      r[R_FILLED] = 0;
      const noLiquidity = book.bestLevel[symbol * 2 + (side === BUY ? SELL : BUY) - 1] === NONE;
      if (((flags >>> 4) & 3) === TimeInForce.FOK) r[R_BUDGET] = market && side === BUY ? ledger.available[quoteCell] : -1;
      if (!(market && noLiquidity) &&
        !(((flags >>> 4) & 3) === TimeInForce.FOK && !m.fillable(symbol, account, side, selfTradeOf(flags)))) {
        m.match(symbol, account, side, selfTradeOf(flags), baseCell, quoteCell);
      }
      const canRest = book.hasFreeOrder && (book.hasFreeLevel || book.levelAt(symbol, side, r, R_PRICE) !== NONE);
      m.restOrRelease(symbol, account, (flags & ~FLAG_OCO) | FLAG_STOP, baseCell, quoteCell, canRest);
    }
  }

  /** Whether the caller may see or change `stop` as an order of `symbol` (acting_lookup.ts owns). */
  private owns(stop: number, symbol: number, ctx: ApplyContext): boolean {
    const si = this.stops.stopI;
    return this.ledger.acting.owns(si[stop * STOP_I32 + S_SYMBOL], symbol, si[stop * STOP_I32 + S_ACCOUNT], ctx);
  }

  /** ORDER_ACCEPTED for the order this command places (id = its sequence), and the cell it reserved in. */
  private emitAccepted(ctx: ApplyContext, side: number, account: number, symbol: number, orderType: number, timeInForce: number,
    f: Float64Array, priceAt: number, quantityAt: number, cell: number): void {
    const events = this.ledger.events;
    const v = events.v;
    v[0] = ctx.numbers[0];
    v[1] = f[priceAt];
    v[2] = f[quantityAt];
    v[3] = orderType;
    v[4] = timeInForce;
    events.order(EventKind.ORDER_ACCEPTED, side, account, symbol);
    events.touchCell(cell);
  }

  /** A stop price > 0, a tick multiple, not reached by the last trade (buy: above it, sell: below it). */
  private stopPriceValid(symbol: number, side: number, f: Float64Array, at: number): boolean {
    const book = this.book;
    if (!positiveAt(f, at) || !multipleAt(f, at, book.tickSize, symbol)) return false;
    const last = book.lastPrice[symbol];
    return last === 0 || (side === BUY ? f[at] > last : f[at] < last);
  }

  /** Allocates and inserts a stop with the id of this command (a stop-market's price is 0 whatever f[priceAt] holds). */
  private addStop(ctx: ApplyContext, symbol: number, account: number, flags: number, baseCell: number, quoteCell: number,
    f: Float64Array, priceAt: number, stopAt: number, quantityAt: number): void {
    const stops = this.stops;
    const stop = stops.allocate(ctx.numbers, 0, account, symbol, flags, baseCell, quoteCell);
    stops.stopF[stop * STOP_F64 + S_PRICE] = ((flags >>> 2) & 3) === OrderType.MARKET ? 0 : f[priceAt];
    stops.stopF[stop * STOP_F64 + S_STOP_PRICE] = f[stopAt];
    stops.stopF[stop * STOP_F64 + S_QUANTITY] = f[quantityAt];
    stops.insert(stop);
    this.ledger.quotas.charge(this.ledger.accountOwner[account], Quota.OPEN_ORDERS, 1);
  }

  /** Cancels a waiting stop: releases its reservation, records it, frees it. An OCO stop leg takes its limit leg along. */
  private cancelWaiting(stop: number): void {
    const stops = this.stops;
    const ledger = this.ledger;
    const m = this.matching;
    const r = m.r;
    const flags = stops.stopI[stop * STOP_I32 + S_FLAGS];
    if ((flags & FLAG_OCO) !== 0) {
      const order = this.book.orderAt(stops.stopF, stop * STOP_F64 + S_ID);
      m.removeStop(stop);
      if (order !== NONE) m.cancelResting(order, true);
      return;
    }
    this.measureReservation(stop);
    const cell = stops.stopI[stop * STOP_I32 + ((flags & 3) === BUY ? S_QUOTE_CELL : S_BASE_CELL)];
    ledger.reserved[cell] -= this.amount[0];
    ledger.available[cell] += this.amount[0];
    ledger.events.touchCell(cell);
    r[R_ORDER_ID] = stops.stopF[stop * STOP_F64 + S_ID];
    r[R_PRICE] = stops.stopF[stop * STOP_F64 + S_PRICE];
    r[R_FILLED] = 0;
    this.done.record(r, R_ORDER_ID, R_PRICE, R_FILLED, stops.stopI[stop * STOP_I32 + S_ACCOUNT], stops.stopI[stop * STOP_I32 + S_SYMBOL],
      flags | FLAG_STOP, OrderStatus.CANCELLED);
    m.removeStop(stop);
  }

  /** amount[0] = what a waiting stop holds reserved (an OCO stop leg holds nothing: its limit leg does). */
  private measureReservation(stop: number): void {
    const sf = this.stops.stopF;
    const flags = this.stops.stopI[stop * STOP_I32 + S_FLAGS];
    const quantity = sf[stop * STOP_F64 + S_QUANTITY];
    if ((flags & FLAG_OCO) !== 0) this.amount[0] = 0;
    else if ((flags & 3) === SELL) this.amount[0] = quantity;
    else if (((flags >>> 2) & 3) === OrderType.MARKET) this.amount[0] = sf[stop * STOP_F64 + S_STOP_PRICE] * quantity;
    else this.amount[0] = sf[stop * STOP_F64 + S_PRICE] * quantity;
  }

  /** An order result for the waiting stop r[R_ORDER_ID]: nothing filled, the quantity waiting, status PENDING. */
  private pendingResult(ctx: ApplyContext, out: RecordBuffer, o: number, f: Float64Array, quantityAt: number): number {
    const m = this.matching;
    const r = m.r;
    r[R_REPORT_FILLED] = 0;
    r[R_REPORT_RESTING] = f[quantityAt];
    m.startFills(out, o);
    m.finishOrderResult(ctx, OrderStatus.PENDING);
    return ResultCode.OK;
  }
}
