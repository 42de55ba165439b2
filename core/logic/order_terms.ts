/**
 * The order terms PLACE_ORDER, PLACE_STOP_ORDER and PLACE_OCO_ORDER share, checked in one ladder:
 *   symbol (SYMBOL_NOT_FOUND) · account the caller may act for (ACCOUNT_NOT_FOUND; acting_lookup.ts)
 *   · side (INVALID_SIDE) · order type: the command's market or limit type (INVALID_ORDER_TYPE) · time in
 *   force, and a market type is not GTC (INVALID_TIME_IN_FORCE) · self-trade mode (INVALID_FIELD_VALUE)
 *   · a limit price > 0 and a tick multiple, a market price 0 (INVALID_PRICE) · quantity > 0 and a lot
 *   multiple (INVALID_QUANTITY).
 * Price and quantity sit at body offsets 64 and 72 in all three records; side, order type, time in
 * force and self-trade mode are consecutive bytes from the record's SIDE_U8 (asserted at load). An OCO
 * has only side and self-trade mode there: it is checked as a GTC limit order.
 * Allocation-free: the terms are left in fields.
 */
import type { ApplyContext } from './apply_context.ts';
import type { Ledger } from './ledger.ts';
import type { OrderBook } from './order_book.ts';
import * as commandDescriptorModule from '../../codec/records/command_descriptor.ts';
import * as resultCodesModule from '../../codec/result_codes.ts';
import * as applyContextModule from './apply_context.ts';

// Module-local copies of imported constants and functions: V8 folds these into optimized code, while an
// imported binding is read from its module cell, with a hole check, at every use (order_layout.ts).
const { PlaceOcoOrder, PlaceOrder, PlaceStopOrder, SelfTradePrevention, Side, TimeInForce } = commandDescriptorModule;
const { ResultCode } = resultCodesModule;
const { multipleAt, positiveAt } = applyContextModule;

export const TERMS_PRICE = 64;
export const TERMS_QUANTITY = 72;
const TYPE_AFTER_SIDE = 1;
const TIME_IN_FORCE_AFTER_SIDE = 2;
const SELF_TRADE_AFTER_SIDE = 3;

export class OrderTerms {
  symbol = 0;
  account = 0;
  side = 0;
  orderType = 0;
  timeInForce = 0;
  selfTrade = 0;
  market = false;

  constructor(private readonly ledger: Ledger, private readonly book: OrderBook) {}

  /**
   * OK (terms in the fields) or the first rule that fails, for a record whose side byte is at
   * b + sideAt; `marketType`/`limitType` are the two order types the command takes. An OCO
   * (`marketType` OCO_TERMS) reads only side and self-trade mode (at sideAt + 1) and is a GTC limit order.
   */
  check(bytes: Uint8Array, f: Float64Array, b: number, ctx: ApplyContext, sideAt: number, marketType: number, limitType: number): number {
    const book = this.book;
    const acting = this.ledger.acting;
    const found = acting.findSymbol(book, f, b, ctx);
    if (found !== ResultCode.OK) return found;
    const symbol = acting.slot;
    const at = b + sideAt;
    const oco = marketType === OCO;
    const side = bytes[at];
    const orderType = oco ? limitType : bytes[at + TYPE_AFTER_SIDE];
    const timeInForce = oco ? TimeInForce.GTC : bytes[at + TIME_IN_FORCE_AFTER_SIDE];
    const selfTrade = bytes[at + (oco ? 1 : SELF_TRADE_AFTER_SIDE)];
    if (side !== Side.BUY && side !== Side.SELL) return ResultCode.INVALID_SIDE;
    const market = orderType === marketType;
    if (!market && orderType !== limitType) return ResultCode.INVALID_ORDER_TYPE;
    if (timeInForce !== TimeInForce.GTC && timeInForce !== TimeInForce.IOC && timeInForce !== TimeInForce.FOK) {
      return ResultCode.INVALID_TIME_IN_FORCE;
    }
    if (market && timeInForce === TimeInForce.GTC) return ResultCode.INVALID_TIME_IN_FORCE;
    if (selfTrade !== SelfTradePrevention.NONE && selfTrade !== SelfTradePrevention.CANCEL_RESTING) return ResultCode.INVALID_FIELD_VALUE;
    const priceAt = (b + PRICE_AT) >>> 3;
    if (market ? f[priceAt] !== 0 : !positiveAt(f, priceAt) || !multipleAt(f, priceAt, book.tickSize, symbol)) return ResultCode.INVALID_PRICE;
    const quantityAt = (b + QUANTITY_AT) >>> 3;
    if (!positiveAt(f, quantityAt) || !multipleAt(f, quantityAt, book.lotSize, symbol)) return ResultCode.INVALID_QUANTITY;
    this.symbol = symbol;
    this.account = acting.account;
    this.side = side;
    this.orderType = orderType;
    this.timeInForce = timeInForce;
    this.selfTrade = selfTrade;
    this.market = market;
    return ResultCode.OK;
  }
}

/** The `marketType` that makes check() read an OCO's terms. */
export const OCO_TERMS = -1;
// Module-local copies for the code in this module: V8 folds them into optimized code, not an exported binding (order_layout.ts).
const PRICE_AT = TERMS_PRICE;
const QUANTITY_AT = TERMS_QUANTITY;
const OCO = OCO_TERMS;

for (const [name, layout] of [['PLACE_ORDER', PlaceOrder], ['PLACE_STOP_ORDER', PlaceStopOrder]] as const) {
  if (layout.PRICE !== TERMS_PRICE || layout.QUANTITY !== TERMS_QUANTITY || layout.ORDER_TYPE_U8 !== layout.SIDE_U8 + TYPE_AFTER_SIDE
    || layout.TIME_IN_FORCE_U8 !== layout.SIDE_U8 + TIME_IN_FORCE_AFTER_SIDE || layout.SELF_TRADE_U8 !== layout.SIDE_U8 + SELF_TRADE_AFTER_SIDE) {
    throw new Error(`order terms: ${name} must keep price, quantity and its four term bytes where order_terms.ts reads them`);
  }
}
if (PlaceOcoOrder.PRICE !== TERMS_PRICE || PlaceOcoOrder.QUANTITY !== TERMS_QUANTITY || PlaceOcoOrder.SELF_TRADE_U8 !== PlaceOcoOrder.SIDE_U8 + 1) {
  throw new Error('order terms: PLACE_OCO_ORDER must keep price, quantity, side and self-trade mode where order_terms.ts reads them');
}
