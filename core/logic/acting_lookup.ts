/**
 * The prologue most commands share: the object the command names — a symbol, an item, an event — at
 * body offset 48, found in its index (else the caller's not-found code), then the account at offset 56
 * that the caller may act for (else ACCOUNT_NOT_FOUND: missing and someone else's get the same answer,
 * at the same rung, so nobody learns which of another principal's account ids exist).
 *
 *   record            offset 48 (the target)   offset 56 (the acting account)
 *   PLACE_ORDER       symbol                   account
 *   PLACE_STOP_ORDER  symbol                   account
 *   PLACE_OCO_ORDER   symbol                   account
 *   BUY               item                     buyer
 *   BOOK_SEATS, RELEASE_SEATS  event           account (buyer or holder)
 *   GET_POSITION      symbol                   account
 * and the order commands' "the symbol, then the caller's order in it" (findOrder):
 *   CANCEL_ORDER, AMEND_ORDER, GET_ORDER  symbol at 48, order id at 56
 * The offsets are asserted at load. Allocation-free: the two indices are left in fields, ids are read
 * by location (see id_index.ts).
 */
import type { ApplyContext } from './apply_context.ts';
import type { IdIndex } from './id_index.ts';
import type { Ledger } from './ledger.ts';
import type { OrderBook } from './order_book.ts';
import * as commandDescriptorModule from '../../codec/records/command_descriptor.ts';
import * as resultCodesModule from '../../codec/result_codes.ts';
import * as idIndexModule from './id_index.ts';
import * as orderLayoutModule from './order_layout.ts';

// Module-local copies of imported constants and functions: V8 folds these into optimized code, while an
// imported binding is read from its module cell, with a hole check, at every use (order_layout.ts).
const { AmendOrder, Buy, CancelOrder, GetOrder, GetPosition, PlaceOcoOrder, PlaceOrder, PlaceStopOrder, SeatList } = commandDescriptorModule;
const { ResultCode } = resultCodesModule;
const { INDEX_NOT_FOUND } = idIndexModule;
const { NONE, O_ACCOUNT, O_SYMBOL, ORDER_I32 } = orderLayoutModule;

/** Body offset of the id of the object a command names. */
export const TARGET_ID = 48;
/** Body offset of the account a command acts for. */
export const ACTING_ACCOUNT_ID = 56;
/** Body offset of the order id in CANCEL_ORDER, AMEND_ORDER and GET_ORDER. */
export const ORDER_ID = ACTING_ACCOUNT_ID;
// Module-local copies for the code in this module: V8 folds them into optimized code, not an exported binding (order_layout.ts).
const TARGET_AT = TARGET_ID;
const ACTING_ACCOUNT_AT = ACTING_ACCOUNT_ID;
const ORDER_ID_AT = ORDER_ID;

export class ActingLookup {
  /** The target's slot after find() returned OK. */
  slot = INDEX_NOT_FOUND;
  /** The acting account's index after find() returned OK (findOrder: the resting order's account). */
  account = INDEX_NOT_FOUND;
  /** findOrder: the order resting under the id, NONE when none does. */
  order = NONE;

  constructor(private readonly ledger: Ledger) {}

  /**
   * OK (and sets slot and account), `notFound` when the target at b + TARGET_ID is not in `index`,
   * or ACCOUNT_NOT_FOUND when the account at b + ACTING_ACCOUNT_ID is missing or not the caller's.
   */
  find(index: IdIndex, notFound: number, f: Float64Array, b: number, ctx: ApplyContext): number {
    return this.actingFor(index.findIdAt(f, (b + TARGET_AT) >>> 3), notFound, f, b, ctx);
  }

  /** find() for a symbol (OrderBook.symbolAt: the symbol found last is tried first). */
  findSymbol(book: OrderBook, f: Float64Array, b: number, ctx: ApplyContext): number {
    return this.actingFor(book.symbolAt(f, (b + TARGET_AT) >>> 3), ResultCode.SYMBOL_NOT_FOUND, f, b, ctx);
  }

  /** find() once the target's slot is known (INDEX_NOT_FOUND: `notFound`). */
  private actingFor(slot: number, notFound: number, f: Float64Array, b: number, ctx: ApplyContext): number {
    if (slot === INDEX_NOT_FOUND) return notFound;
    const account = this.ledger.actingAccountAt(f, (b + ACTING_ACCOUNT_AT) >>> 3, ctx);
    if (account === INDEX_NOT_FOUND) return ResultCode.ACCOUNT_NOT_FOUND;
    this.slot = slot;
    this.account = account;
    return ResultCode.OK;
  }

  /**
   * CANCEL_ORDER, AMEND_ORDER, GET_ORDER: the symbol at b + TARGET_ID (SYMBOL_NOT_FOUND; slot = the
   * symbol), then the order resting under the id at b + ORDER_ID. OK with `order` (and `account`) set,
   * or with order = NONE when nothing rests under the id (the caller looks at stops, then ended
   * orders); ORDER_NOT_FOUND when it rests in another symbol or is someone else's.
   */
  findOrder(book: OrderBook, f: Float64Array, b: number, ctx: ApplyContext): number {
    // The order first: when it rests in the named symbol, that symbol exists and no symbol lookup is needed.
    const order = book.orderAt(f, (b + ORDER_ID_AT) >>> 3);
    const restingIn = order === NONE ? NONE : book.orderI[order * ORDER_I32 + O_SYMBOL];
    const symbol = restingIn !== NONE && book.symbolIds[restingIn] === f[(b + TARGET_AT) >>> 3] ? restingIn : book.symbolAt(f, (b + TARGET_AT) >>> 3);
    if (symbol === INDEX_NOT_FOUND) return ResultCode.SYMBOL_NOT_FOUND;
    this.slot = symbol;
    this.order = order;
    if (order === NONE) return ResultCode.OK;
    this.account = book.orderI[order * ORDER_I32 + O_ACCOUNT];
    return this.owns(book.orderI[order * ORDER_I32 + O_SYMBOL], symbol, this.account, ctx) ? ResultCode.OK : ResultCode.ORDER_NOT_FOUND;
  }

  /**
   * Whether an order, stop or ended order recorded under `recordSymbol` for `account` is one the
   * caller may see or change in `symbol`: anything else answers ORDER_NOT_FOUND, like a missing id.
   */
  owns(recordSymbol: number, symbol: number, account: number, ctx: ApplyContext): boolean {
    return recordSymbol === symbol && this.ledger.mayAct(account, ctx);
  }
}

for (const [name, target, account] of [
  ['PLACE_ORDER', PlaceOrder.SYMBOL_ID, PlaceOrder.ACCOUNT_ID], ['PLACE_STOP_ORDER', PlaceStopOrder.SYMBOL_ID, PlaceStopOrder.ACCOUNT_ID],
  ['PLACE_OCO_ORDER', PlaceOcoOrder.SYMBOL_ID, PlaceOcoOrder.ACCOUNT_ID], ['BUY', Buy.ITEM_ID, Buy.BUYER_ACCOUNT_ID],
  ['BOOK_SEATS', SeatList.EVENT_ID, SeatList.ACCOUNT_ID], ['GET_POSITION', GetPosition.SYMBOL_ID, GetPosition.ACCOUNT_ID],
  ['CANCEL_ORDER', CancelOrder.SYMBOL_ID, CancelOrder.ORDER_ID],
  ['AMEND_ORDER', AmendOrder.SYMBOL_ID, AmendOrder.ORDER_ID], ['GET_ORDER', GetOrder.SYMBOL_ID, GetOrder.ORDER_ID],
] as const) {
  if (target !== TARGET_ID || account !== ACTING_ACCOUNT_ID) {
    throw new Error(`acting lookup: ${name} must put its target id at ${TARGET_ID} and its account or order id at ${ACTING_ACCOUNT_ID}`);
  }
}
