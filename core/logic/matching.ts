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
 *   PLACE_ORDER   symbol (SYMBOL_NOT_FOUND) · account (ACCOUNT_NOT_FOUND) · caller owns it (NOT_OWNER)
 *                 · side (INVALID_SIDE) · order type (INVALID_ORDER_TYPE) · time in force, and MARKET
 *                 is not GTC (INVALID_TIME_IN_FORCE) · self-trade mode (INVALID_FIELD_VALUE) · LIMIT price
 *                 > 0 and a tick multiple, MARKET price 0 (INVALID_PRICE) · quantity > 0 and a lot
 *                 multiple (INVALID_QUANTITY) · balance cells (BALANCES_FULL) · funds: limit buy
 *                 price × qty of quote, sell qty of base, market buy some quote (INSUFFICIENT_FUNDS)
 *                 · MARKET with an empty opposite side (NO_LIQUIDITY) · GTC: a free order slot
 *                 (ORDERS_FULL) and, without a level at its price, a free level (PRICE_LEVELS_FULL)
 *                 · FOK: the whole quantity fillable now (FOK_NOT_FILLABLE)
 *   CANCEL_ORDER  symbol · order resting in it (ORDER_NOT_FOUND) · caller owns it (NOT_OWNER)
 *   AMEND_ORDER   symbol · order · caller owns it · newQuantity > 0 (INVALID_AMEND) and a lot multiple
 *                 (INVALID_QUANTITY) · newPrice 0 (keep) or > 0 and a tick multiple (INVALID_PRICE)
 *                 · funds for a larger reservation (INSUFFICIENT_FUNDS) · a level for the new price
 *                 (PRICE_LEVELS_FULL). newQuantity is the new remaining quantity.
 *   GET_ORDER     symbol · order resting in it · caller owns it       GET_DEPTH  symbol · levels >= 1
 *                 (INVALID_FIELD_VALUE)
 * Capacity checks are conservative: a GTC order is refused when it could not rest, even if it would
 * have filled completely.
 */
import { OrderType, SelfTradePrevention, Side, TimeInForce } from '../../codec/records/command_descriptor.ts';
import type { RecordBuffer } from '../../codec/records/record_buffer.ts';
import {
  CancelResult, DepthResult, MAX_DEPTH_LEVELS_PER_SIDE, MAX_LISTED_FILLS, OrderInfoResult, OrderResult, OrderStatus,
  RESULT_FLAG_FILLS_TRUNCATED,
} from '../../codec/records/result_descriptor.ts';
import { ResultCode } from '../../codec/result_codes.ts';
import { type ApplyContext, isPositiveExact } from './apply_context.ts';
import { INDEX_NOT_FOUND } from './id_index.ts';
import type { Ledger } from './ledger.ts';
import { NONE, type OrderBook } from './order_book.ts';

const BUY = Side.BUY;
const SELL = Side.SELL;

export function orderFlags(side: number, orderType: number, timeInForce: number, selfTrade: number): number {
  return side | (orderType << 2) | (timeInForce << 4) | (selfTrade << 6);
}

export class Matching {
  /** Scratch of the last match: fills counted, and where to write listed fills. */
  private fillCount = 0;
  private out: RecordBuffer | null = null;
  private outBase = 0;

  constructor(private readonly ledger: Ledger, readonly book: OrderBook) {}

  createSymbol(symbolId: number, baseId: number, quoteId: number, tick: number, lot: number): number {
    const ledger = this.ledger;
    if (symbolId === 0) return ResultCode.ID_MUST_NOT_BE_ZERO;
    if (this.book.symbol(symbolId) !== INDEX_NOT_FOUND) return ResultCode.SYMBOL_EXISTS;
    const base = ledger.asset(baseId);
    if (base === INDEX_NOT_FOUND) return ResultCode.ASSET_NOT_FOUND;
    const quote = ledger.asset(quoteId);
    if (quote === INDEX_NOT_FOUND) return ResultCode.ASSET_NOT_FOUND;
    if (base === quote) return ResultCode.SYMBOL_ASSETS_SAME;
    if (!isPositiveExact(tick)) return ResultCode.INVALID_PRICE;
    if (!isPositiveExact(lot)) return ResultCode.INVALID_QUANTITY;
    return this.book.addSymbol(symbolId, base, quote, tick, lot) ? ResultCode.OK : ResultCode.SYMBOLS_FULL;
  }

  place(
    symbolId: number, accountId: number, price: number, quantity: number, side: number, orderType: number,
    timeInForce: number, selfTrade: number, ctx: ApplyContext, out: RecordBuffer, o: number,
  ): number {
    const ledger = this.ledger;
    const book = this.book;
    const symbol = book.symbol(symbolId);
    if (symbol === INDEX_NOT_FOUND) return ResultCode.SYMBOL_NOT_FOUND;
    const account = ledger.account(accountId);
    if (account === INDEX_NOT_FOUND) return ResultCode.ACCOUNT_NOT_FOUND;
    if (!ledger.mayAct(account, ctx)) return ResultCode.NOT_OWNER;
    if (side !== BUY && side !== SELL) return ResultCode.INVALID_SIDE;
    const market = orderType === OrderType.MARKET;
    if (!market && orderType !== OrderType.LIMIT) return ResultCode.INVALID_ORDER_TYPE;
    if (timeInForce !== TimeInForce.GTC && timeInForce !== TimeInForce.IOC && timeInForce !== TimeInForce.FOK) {
      return ResultCode.INVALID_TIME_IN_FORCE;
    }
    if (market && timeInForce === TimeInForce.GTC) return ResultCode.INVALID_TIME_IN_FORCE;
    if (selfTrade !== SelfTradePrevention.NONE && selfTrade !== SelfTradePrevention.CANCEL_RESTING) {
      return ResultCode.INVALID_FIELD_VALUE;
    }
    if (market ? price !== 0 : !isPositiveExact(price) || price % book.tickSize[symbol] !== 0) return ResultCode.INVALID_PRICE;
    if (!isPositiveExact(quantity) || quantity % book.lotSize[symbol] !== 0) return ResultCode.INVALID_QUANTITY;
    const baseCell = ledger.ensureCell(account, book.symbolBase[symbol]);
    if (baseCell === INDEX_NOT_FOUND) return ResultCode.BALANCES_FULL;
    const quoteCell = ledger.ensureCell(account, book.symbolQuote[symbol]);
    if (quoteCell === INDEX_NOT_FOUND) return ResultCode.BALANCES_FULL;
    const available = ledger.available;
    if (side === BUY) {
      if (market ? available[quoteCell] <= 0 : available[quoteCell] < price * quantity) return ResultCode.INSUFFICIENT_FUNDS;
    } else if (available[baseCell] < quantity) {
      return ResultCode.INSUFFICIENT_FUNDS;
    }
    const opposite = symbol * 2 + (side === BUY ? SELL : BUY) - 1;
    if (market && book.bestLevel[opposite] === NONE) return ResultCode.NO_LIQUIDITY;
    if (timeInForce === TimeInForce.GTC) {
      if (!book.hasFreeOrder) return ResultCode.ORDERS_FULL;
      if (!book.hasFreeLevel && book.level(symbol, side, price) === NONE) return ResultCode.PRICE_LEVELS_FULL;
    }
    if (timeInForce === TimeInForce.FOK &&
      !this.fillable(symbol, account, side, market ? -1 : price, quantity, selfTrade, market && side === BUY ? available[quoteCell] : -1)) {
      return ResultCode.FOK_NOT_FILLABLE;
    }

    // Every rule passed. Reserve what a limit taker (or any sell) may spend, then match.
    const reserved = ledger.reserved;
    if (side === SELL) {
      available[baseCell] -= quantity;
      reserved[baseCell] += quantity;
    } else if (!market) {
      available[quoteCell] -= price * quantity;
      reserved[quoteCell] += price * quantity;
    }
    const orderId = ctx.sequence;
    this.startFills(out, o);
    const filled = this.match(symbol, account, side, market ? -1 : price, quantity, selfTrade, baseCell, quoteCell);
    const remaining = quantity - filled;
    let status: number = OrderStatus.FILLED;
    if (remaining > 0) {
      if (timeInForce === TimeInForce.GTC) {
        const order = book.allocateOrder(orderId, account, symbol, price,
          orderFlags(side, orderType, timeInForce, selfTrade), baseCell, quoteCell);
        book.orderFilled[order] = filled;
        book.link(order, remaining);
        status = OrderStatus.RESTING;
      } else {
        if (side === SELL) {
          reserved[baseCell] -= remaining;
          available[baseCell] += remaining;
        } else if (!market) {
          reserved[quoteCell] -= price * remaining;
          available[quoteCell] += price * remaining;
        }
        status = OrderStatus.CANCELLED;
      }
    }
    this.finishOrderResult(ctx, orderId, filled, status === OrderStatus.RESTING ? remaining : 0, status);
    return ResultCode.OK;
  }

  cancel(symbolId: number, orderIdValue: number, ctx: ApplyContext, out: RecordBuffer, o: number): number {
    const book = this.book;
    const symbol = book.symbol(symbolId);
    if (symbol === INDEX_NOT_FOUND) return ResultCode.SYMBOL_NOT_FOUND;
    const order = book.order(orderIdValue);
    if (order === NONE || book.orderSymbol[order] !== symbol) return ResultCode.ORDER_NOT_FOUND;
    if (!this.ledger.mayAct(book.orderAccount[order], ctx)) return ResultCode.NOT_OWNER;
    const cancelled = book.orderRemaining[order];
    this.cancelResting(order);
    out.f64[(o + CancelResult.ORDER_ID) >>> 3] = orderIdValue;
    out.f64[(o + CancelResult.CANCELLED_QUANTITY) >>> 3] = cancelled;
    ctx.resultBytes = CancelResult.BYTES;
    return ResultCode.OK;
  }

  amend(symbolId: number, orderIdValue: number, newPrice: number, newQuantity: number, ctx: ApplyContext, out: RecordBuffer, o: number): number {
    const book = this.book;
    const ledger = this.ledger;
    const symbol = book.symbol(symbolId);
    if (symbol === INDEX_NOT_FOUND) return ResultCode.SYMBOL_NOT_FOUND;
    const order = book.order(orderIdValue);
    if (order === NONE || book.orderSymbol[order] !== symbol) return ResultCode.ORDER_NOT_FOUND;
    const account = book.orderAccount[order];
    if (!ledger.mayAct(account, ctx)) return ResultCode.NOT_OWNER;
    if (!isPositiveExact(newQuantity)) return ResultCode.INVALID_AMEND;
    if (newQuantity % book.lotSize[symbol] !== 0) return ResultCode.INVALID_QUANTITY;
    if (newPrice !== 0 && (!isPositiveExact(newPrice) || newPrice % book.tickSize[symbol] !== 0)) return ResultCode.INVALID_PRICE;
    const price = book.orderPrice[order];
    const targetPrice = newPrice === 0 ? price : newPrice;
    const remaining = book.orderRemaining[order];
    const side = book.orderSide(order);
    const baseCell = book.orderBaseCell[order];
    const quoteCell = book.orderQuoteCell[order];
    const available = ledger.available;
    const reserved = ledger.reserved;
    this.startFills(out, o);

    if (targetPrice === price && newQuantity <= remaining) {
      // A reduction keeps the order's place in the queue.
      const cut = remaining - newQuantity;
      if (side === BUY) {
        reserved[quoteCell] -= price * cut;
        available[quoteCell] += price * cut;
      } else {
        reserved[baseCell] -= cut;
        available[baseCell] += cut;
      }
      book.orderRemaining[order] = newQuantity;
      book.levelQuantity[book.orderLevel[order]] -= cut;
      this.finishOrderResult(ctx, orderIdValue, book.orderFilled[order], newQuantity, OrderStatus.RESTING);
      return ResultCode.OK;
    }

    const delta = side === BUY ? targetPrice * newQuantity - price * remaining : newQuantity - remaining;
    const cell = side === BUY ? quoteCell : baseCell;
    if (delta > available[cell]) return ResultCode.INSUFFICIENT_FUNDS;
    const level = book.orderLevel[order];
    const alone = book.levelHead[level] === order && book.levelTail[level] === order;
    if (!book.hasFreeLevel && book.level(symbol, side, targetPrice) === NONE && !(alone && targetPrice !== price)) {
      return ResultCode.PRICE_LEVELS_FULL;
    }

    // The order loses its place: out of its level, re-reserved at the new terms, matched, rested.
    book.unlink(order);
    available[cell] -= delta;
    reserved[cell] += delta;
    book.orderPrice[order] = targetPrice;
    book.orderRemaining[order] = 0;
    const filled = this.match(symbol, account, side, targetPrice, newQuantity, book.orderFlags[order] >>> 6,
      baseCell, quoteCell);
    const totalFilled = book.orderFilled[order] + filled;
    const left = newQuantity - filled;
    if (left > 0) {
      book.orderFilled[order] = totalFilled;
      book.link(order, left);
      this.finishOrderResult(ctx, orderIdValue, totalFilled, left, OrderStatus.RESTING);
    } else {
      book.freeOrder(order);
      this.finishOrderResult(ctx, orderIdValue, totalFilled, 0, OrderStatus.FILLED);
    }
    return ResultCode.OK;
  }

  getOrder(symbolId: number, orderIdValue: number, ctx: ApplyContext, out: RecordBuffer, o: number): number {
    const book = this.book;
    const symbol = book.symbol(symbolId);
    if (symbol === INDEX_NOT_FOUND) return ResultCode.SYMBOL_NOT_FOUND;
    const order = book.order(orderIdValue);
    if (order === NONE || book.orderSymbol[order] !== symbol) return ResultCode.ORDER_NOT_FOUND;
    const account = book.orderAccount[order];
    if (!this.ledger.mayAct(account, ctx)) return ResultCode.NOT_OWNER;
    const f = out.f64;
    const flags = book.orderFlags[order];
    f[(o + OrderInfoResult.ORDER_ID) >>> 3] = orderIdValue;
    f[(o + OrderInfoResult.ACCOUNT_ID) >>> 3] = this.ledger.accountIds[account];
    f[(o + OrderInfoResult.PRICE) >>> 3] = book.orderPrice[order];
    f[(o + OrderInfoResult.RESTING_QUANTITY) >>> 3] = book.orderRemaining[order];
    f[(o + OrderInfoResult.FILLED_QUANTITY) >>> 3] = book.orderFilled[order];
    out.bytes[o + OrderInfoResult.SIDE_U8] = flags & 3;
    out.bytes[o + OrderInfoResult.ORDER_TYPE_U8] = (flags >>> 2) & 3;
    out.bytes[o + OrderInfoResult.TIME_IN_FORCE_U8] = (flags >>> 4) & 3;
    out.bytes[o + OrderInfoResult.TIME_IN_FORCE_U8 + 1] = 0;
    out.u32[(o + OrderInfoResult.ORDER_STATUS_U32) >>> 2] = OrderStatus.RESTING;
    ctx.resultBytes = OrderInfoResult.BYTES;
    return ResultCode.OK;
  }

  getDepth(symbolId: number, levels: number, ctx: ApplyContext, out: RecordBuffer, o: number): number {
    const book = this.book;
    const symbol = book.symbol(symbolId);
    if (symbol === INDEX_NOT_FOUND) return ResultCode.SYMBOL_NOT_FOUND;
    if (!isPositiveExact(levels)) return ResultCode.INVALID_FIELD_VALUE;
    const limit = levels < MAX_DEPTH_LEVELS_PER_SIDE ? levels : MAX_DEPTH_LEVELS_PER_SIDE;
    let at = o + DepthResult.LEVELS;
    const f = out.f64;
    let bids = 0;
    for (let l = book.bestLevel[symbol * 2 + BUY - 1]; l !== NONE && bids < limit; l = book.levelNext[l]) {
      f[(at + DepthResult.LEVEL_PRICE) >>> 3] = book.levelPrice[l];
      f[(at + DepthResult.LEVEL_QUANTITY) >>> 3] = book.levelQuantity[l];
      at += DepthResult.LEVEL_BYTES;
      bids++;
    }
    let asks = 0;
    for (let l = book.bestLevel[symbol * 2 + SELL - 1]; l !== NONE && asks < limit; l = book.levelNext[l]) {
      f[(at + DepthResult.LEVEL_PRICE) >>> 3] = book.levelPrice[l];
      f[(at + DepthResult.LEVEL_QUANTITY) >>> 3] = book.levelQuantity[l];
      at += DepthResult.LEVEL_BYTES;
      asks++;
    }
    out.u32[(o + DepthResult.BID_LEVELS_U32) >>> 2] = bids;
    out.u32[(o + DepthResult.ASK_LEVELS_U32) >>> 2] = asks;
    ctx.resultBytes = at - o;
    return ResultCode.OK;
  }

  /** Cancels a resting order: releases its reservation and frees its slot. */
  private cancelResting(order: number): void {
    const book = this.book;
    const remaining = book.orderRemaining[order];
    const ledger = this.ledger;
    if (book.orderSide(order) === BUY) {
      const cell = book.orderQuoteCell[order];
      const amount = book.orderPrice[order] * remaining;
      ledger.reserved[cell] -= amount;
      ledger.available[cell] += amount;
    } else {
      const cell = book.orderBaseCell[order];
      ledger.reserved[cell] -= remaining;
      ledger.available[cell] += remaining;
    }
    book.unlink(order);
    book.freeOrder(order);
  }

  /**
   * Whether a FOK order of `quantity` can fill completely right now (limitPrice -1 = market; budget
   * -1 = no quote budget, else a market buy's available quote). Walks the crossing orders in priority
   * order, skipping the taker's own orders when self-trade prevention would cancel them.
   */
  private fillable(symbol: number, account: number, side: number, limitPrice: number, quantity: number, selfTrade: number, budget: number): boolean {
    const book = this.book;
    const lot = book.lotSize[symbol];
    let need = quantity;
    let money = budget;
    for (let l = book.bestLevel[symbol * 2 + (side === BUY ? SELL : BUY) - 1]; l !== NONE; l = book.levelNext[l]) {
      const levelPrice = book.levelPrice[l];
      if (limitPrice >= 0 && (side === BUY ? levelPrice > limitPrice : levelPrice < limitPrice)) return false;
      for (let ord = book.levelHead[l]; ord !== NONE; ord = book.orderNext[ord]) {
        if (selfTrade === SelfTradePrevention.CANCEL_RESTING && book.orderAccount[ord] === account) continue;
        const take = book.orderRemaining[ord] < need ? book.orderRemaining[ord] : need;
        if (money >= 0) {
          const affordable = Math.floor(money / levelPrice);
          if (affordable - (affordable % lot) < take) return false;
          money -= take * levelPrice;
        }
        need -= take;
        if (need === 0) return true;
      }
    }
    return false;
  }

  /**
   * Matches a taker against the opposite side; returns the quantity filled. limitPrice -1 = market.
   * Settles every fill: the maker's reservation and the taker's (limit) reservation or (market buy)
   * available quote.
   */
  private match(symbol: number, account: number, side: number, limitPrice: number, quantity: number, selfTrade: number, baseCell: number, quoteCell: number): number {
    const book = this.book;
    const available = this.ledger.available;
    const reserved = this.ledger.reserved;
    const opposite = symbol * 2 + (side === BUY ? SELL : BUY) - 1;
    const marketBuy = limitPrice < 0 && side === BUY;
    const lot = book.lotSize[symbol];
    const stp = selfTrade === SelfTradePrevention.CANCEL_RESTING;
    let remaining = quantity;
    let level = book.bestLevel[opposite];
    while (remaining > 0 && level !== NONE) {
      const levelPrice = book.levelPrice[level];
      if (limitPrice >= 0 && (side === BUY ? levelPrice > limitPrice : levelPrice < limitPrice)) break;
      const nextLevel = book.levelNext[level];
      let maker = book.levelHead[level];
      while (maker !== NONE && remaining > 0) {
        const nextMaker = book.orderNext[maker];
        if (stp && book.orderAccount[maker] === account) {
          this.cancelResting(maker);
          maker = nextMaker;
          continue;
        }
        const makerRemaining = book.orderRemaining[maker];
        let qty = makerRemaining < remaining ? makerRemaining : remaining;
        if (marketBuy) {
          const affordable = Math.floor(available[quoteCell] / levelPrice);
          const lots = affordable - (affordable % lot);
          if (lots < qty) qty = lots;
          if (qty === 0) return quantity - remaining;
        }
        const value = qty * levelPrice;
        if (side === BUY) {
          if (marketBuy) available[quoteCell] -= value;
          else {
            reserved[quoteCell] -= limitPrice * qty;
            available[quoteCell] += (limitPrice - levelPrice) * qty;
          }
          available[baseCell] += qty;
          reserved[book.orderBaseCell[maker]] -= qty;
          available[book.orderQuoteCell[maker]] += value;
        } else {
          reserved[baseCell] -= qty;
          available[quoteCell] += value;
          reserved[book.orderQuoteCell[maker]] -= value;
          available[book.orderBaseCell[maker]] += qty;
        }
        this.recordFill(book.orderId[maker], levelPrice, qty);
        remaining -= qty;
        if (qty === makerRemaining) {
          // unlink subtracts the order's remaining quantity from its level and may free the level.
          book.unlink(maker);
          book.freeOrder(maker);
        } else {
          book.orderRemaining[maker] = makerRemaining - qty;
          book.orderFilled[maker] += qty;
          book.levelQuantity[level] -= qty;
        }
        maker = nextMaker;
      }
      level = nextLevel;
    }
    return quantity - remaining;
  }

  private startFills(out: RecordBuffer, o: number): void {
    this.fillCount = 0;
    this.out = out;
    this.outBase = o;
  }

  private recordFill(makerOrderId: number, price: number, quantity: number): void {
    const k = this.fillCount++;
    if (k >= MAX_LISTED_FILLS || this.out === null) return;
    const at = this.outBase + OrderResult.FILLS + OrderResult.FILL_BYTES * k;
    const f = this.out.f64;
    f[(at + OrderResult.FILL_MAKER_ORDER_ID) >>> 3] = makerOrderId;
    f[(at + OrderResult.FILL_PRICE) >>> 3] = price;
    f[(at + OrderResult.FILL_QUANTITY) >>> 3] = quantity;
  }

  private finishOrderResult(ctx: ApplyContext, orderId: number, filled: number, resting: number, status: number): void {
    const out = this.out;
    if (out === null) throw new Error('finishOrderResult without startFills');
    const o = this.outBase;
    out.f64[(o + OrderResult.ORDER_ID) >>> 3] = orderId;
    out.f64[(o + OrderResult.FILLED_QUANTITY) >>> 3] = filled;
    out.f64[(o + OrderResult.RESTING_QUANTITY) >>> 3] = resting;
    out.u32[(o + OrderResult.ORDER_STATUS_U32) >>> 2] = status;
    out.u32[(o + OrderResult.FILL_COUNT_U32) >>> 2] = this.fillCount;
    const listed = this.fillCount < MAX_LISTED_FILLS ? this.fillCount : MAX_LISTED_FILLS;
    if (this.fillCount > MAX_LISTED_FILLS) ctx.resultFlags |= RESULT_FLAG_FILLS_TRUNCATED;
    ctx.resultBytes = OrderResult.FIXED_BYTES + OrderResult.FILL_BYTES * listed;
    this.out = null;
  }
}
