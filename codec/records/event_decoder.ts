/**
 * Event records (event_descriptor.ts) as plain objects, for consumers off the logic thread: the
 * subscription client, the projector, tests and the replay tool. Reads through a DataView, so the
 * record may sit at any offset of any buffer (a socket chunk is not 8-byte aligned). Allocates.
 */
import {
  BalanceBody, BalanceCause, EVENT_FLAG_LAST, EvtHeader, EVT_RECORD_BYTES, EventKind, FillBody, LevelBody,
  OrderDoneBody, OrderDoneReason, OrderEventBody, PendingTransferBody, SeatBody, StockRestockedBody, StockSoldBody,
  TransferredBody, type EventKindName,
} from './event_descriptor.ts';
import { Side } from '../registry/enum_values.ts';

export type SideName = 'buy' | 'sell';
export type OrderDoneReasonName = Lowercase<keyof typeof OrderDoneReason>;
export type BalanceCauseName = Lowercase<keyof typeof BalanceCause>;

interface EventHeader {
  readonly sequence: number;
  readonly index: number;
  readonly timestampUs: number;
  /** The principal the event is routed to (owner of its first account), 0 = public. */
  readonly principalId: number;
  /** A second principal the event is routed to (the counterparty's owner), 0 = none. */
  readonly counterpartyPrincipalId: number;
  /** The last event of its command. */
  readonly last: boolean;
}

export type RinglineEvent = EventHeader & (
  | { readonly kind: 'order_accepted'; readonly orderId: number; readonly accountId: number; readonly symbolId: number;
      readonly side: SideName; readonly price: number; readonly quantity: number; readonly orderType: number; readonly timeInForce: number }
  | { readonly kind: 'order_rested' | 'order_amended'; readonly orderId: number; readonly accountId: number; readonly symbolId: number;
      readonly side: SideName; readonly price: number; readonly restingQuantity: number }
  | { readonly kind: 'fill'; readonly symbolId: number; readonly price: number; readonly quantity: number; readonly takerSide: SideName;
      readonly makerOrderId: number; readonly takerOrderId: number; readonly makerAccountId: number; readonly takerAccountId: number }
  | { readonly kind: 'order_done'; readonly orderId: number; readonly accountId: number; readonly symbolId: number;
      readonly reason: OrderDoneReasonName; readonly filledQuantity: number }
  | { readonly kind: 'balance_changed'; readonly accountId: number; readonly assetId: number; readonly available: number;
      readonly reserved: number; readonly cause: BalanceCauseName }
  | { readonly kind: 'transferred'; readonly fromAccountId: number; readonly toAccountId: number; readonly assetId: number; readonly amount: number }
  | { readonly kind: 'transfer_reserved' | 'transfer_posted' | 'transfer_voided'; readonly transferId: number; readonly fromAccountId: number;
      readonly toAccountId: number; readonly assetId: number; readonly amount: number }
  | { readonly kind: 'stock_sold'; readonly itemId: number; readonly buyerAccountId: number; readonly quantity: number;
      readonly totalPrice: number; readonly stock: number; readonly sold: number }
  | { readonly kind: 'stock_restocked'; readonly itemId: number; readonly quantity: number; readonly stock: number; readonly sold: number }
  | { readonly kind: 'seat_booked' | 'seat_released'; readonly eventId: number; readonly seat: number; readonly holderAccountId: number; readonly price: number }
  | { readonly kind: 'level_changed'; readonly symbolId: number; readonly side: SideName; readonly price: number; readonly quantity: number }
);
export type RinglineEventKind = RinglineEvent['kind'];

const KIND_NAMES = new Map<number, string>(Object.entries(EventKind).map(([name, value]) => [value, name.toLowerCase()]));
const REASON_NAMES = new Map<number, string>(Object.entries(OrderDoneReason).map(([name, value]) => [value, name.toLowerCase()]));
const CAUSE_NAMES = new Map<number, string>(Object.entries(BalanceCause).map(([name, value]) => [value, name.toLowerCase()]));

/** A side detail's name (SELL, else buy). */
export function sideName(value: number): SideName {
  return value === Side.SELL ? 'sell' : 'buy';
}

/** ORDER_DONE's detail as decoded (an unknown number reads as cancelled). */
export function orderDoneReasonName(detail: number): OrderDoneReasonName {
  return (REASON_NAMES.get(detail) ?? 'cancelled') as OrderDoneReasonName;
}

/** BALANCE_CHANGED's detail as decoded (an unknown number reads as transfer). */
export function balanceCauseName(detail: number): BalanceCauseName {
  return (CAUSE_NAMES.get(detail) ?? 'transfer') as BalanceCauseName;
}

/** The kind's lower-case name, or undefined for a number this version does not know. */
export function eventKindName(kind: number): Lowercase<EventKindName> | undefined {
  return KIND_NAMES.get(kind) as Lowercase<EventKindName> | undefined;
}

/**
 * Decodes the event record at `offset` of `bytes`. Throws a RangeError naming the offset when the
 * record is cut short or its kind is unknown (a programmer or protocol error, never a silent guess).
 */
export function decodeEvent(bytes: Uint8Array, offset = 0): RinglineEvent {
  if (offset < 0 || offset + EVT_RECORD_BYTES > bytes.byteLength) {
    throw new RangeError(`event record at offset ${offset} needs ${EVT_RECORD_BYTES} bytes, buffer has ${bytes.byteLength}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, EVT_RECORD_BYTES);
  const f = (at: number): number => view.getFloat64(at, true);
  const kind = view.getUint16(EvtHeader.KIND, true);
  const detail = view.getUint16(EvtHeader.DETAIL, true);
  const header: EventHeader = {
    sequence: f(EvtHeader.SEQUENCE),
    index: view.getUint32(EvtHeader.INDEX, true),
    timestampUs: f(EvtHeader.TIMESTAMP_US),
    principalId: view.getUint32(EvtHeader.PRINCIPAL_ID, true),
    counterpartyPrincipalId: view.getUint32(EvtHeader.COUNTERPARTY_PRINCIPAL_ID, true),
    last: (view.getUint32(EvtHeader.FLAGS, true) & EVENT_FLAG_LAST) !== 0,
  };
  switch (kind) {
    case EventKind.ORDER_ACCEPTED:
      return { ...header, kind: 'order_accepted', orderId: f(OrderEventBody.ORDER_ID), accountId: f(OrderEventBody.ACCOUNT_ID),
        symbolId: f(OrderEventBody.SYMBOL_ID), side: sideName(detail), price: f(OrderEventBody.PRICE), quantity: f(OrderEventBody.QUANTITY),
        orderType: f(OrderEventBody.ORDER_TYPE), timeInForce: f(OrderEventBody.TIME_IN_FORCE) };
    case EventKind.ORDER_RESTED:
    case EventKind.ORDER_AMENDED:
      return { ...header, kind: kind === EventKind.ORDER_RESTED ? 'order_rested' : 'order_amended', orderId: f(OrderEventBody.ORDER_ID),
        accountId: f(OrderEventBody.ACCOUNT_ID), symbolId: f(OrderEventBody.SYMBOL_ID), side: sideName(detail),
        price: f(OrderEventBody.PRICE), restingQuantity: f(OrderEventBody.QUANTITY) };
    case EventKind.FILL:
      return { ...header, kind: 'fill', symbolId: f(FillBody.SYMBOL_ID), price: f(FillBody.PRICE), quantity: f(FillBody.QUANTITY),
        takerSide: sideName(detail), makerOrderId: f(FillBody.MAKER_ORDER_ID), takerOrderId: f(FillBody.TAKER_ORDER_ID),
        makerAccountId: f(FillBody.MAKER_ACCOUNT_ID), takerAccountId: f(FillBody.TAKER_ACCOUNT_ID) };
    case EventKind.ORDER_DONE:
      return { ...header, kind: 'order_done', orderId: f(OrderDoneBody.ORDER_ID), accountId: f(OrderDoneBody.ACCOUNT_ID),
        symbolId: f(OrderDoneBody.SYMBOL_ID), reason: orderDoneReasonName(detail),
        filledQuantity: f(OrderDoneBody.FILLED_QUANTITY) };
    case EventKind.BALANCE_CHANGED:
      return { ...header, kind: 'balance_changed', accountId: f(BalanceBody.ACCOUNT_ID), assetId: f(BalanceBody.ASSET_ID),
        available: f(BalanceBody.AVAILABLE), reserved: f(BalanceBody.RESERVED), cause: balanceCauseName(detail) };
    case EventKind.TRANSFERRED:
      return { ...header, kind: 'transferred', fromAccountId: f(TransferredBody.FROM_ACCOUNT_ID), toAccountId: f(TransferredBody.TO_ACCOUNT_ID),
        assetId: f(TransferredBody.ASSET_ID), amount: f(TransferredBody.AMOUNT) };
    case EventKind.TRANSFER_RESERVED:
    case EventKind.TRANSFER_POSTED:
    case EventKind.TRANSFER_VOIDED:
      return { ...header, kind: eventKindName(kind) as 'transfer_reserved' | 'transfer_posted' | 'transfer_voided',
        transferId: f(PendingTransferBody.TRANSFER_ID), fromAccountId: f(PendingTransferBody.FROM_ACCOUNT_ID),
        toAccountId: f(PendingTransferBody.TO_ACCOUNT_ID), assetId: f(PendingTransferBody.ASSET_ID), amount: f(PendingTransferBody.AMOUNT) };
    case EventKind.STOCK_SOLD:
      return { ...header, kind: 'stock_sold', itemId: f(StockSoldBody.ITEM_ID), buyerAccountId: f(StockSoldBody.BUYER_ACCOUNT_ID),
        quantity: f(StockSoldBody.QUANTITY), totalPrice: f(StockSoldBody.TOTAL_PRICE), stock: f(StockSoldBody.STOCK), sold: f(StockSoldBody.SOLD) };
    case EventKind.STOCK_RESTOCKED:
      return { ...header, kind: 'stock_restocked', itemId: f(StockRestockedBody.ITEM_ID), quantity: f(StockRestockedBody.QUANTITY),
        stock: f(StockRestockedBody.STOCK), sold: f(StockRestockedBody.SOLD) };
    case EventKind.SEAT_BOOKED:
    case EventKind.SEAT_RELEASED:
      return { ...header, kind: kind === EventKind.SEAT_BOOKED ? 'seat_booked' : 'seat_released', eventId: f(SeatBody.EVENT_ID),
        seat: f(SeatBody.SEAT), holderAccountId: f(SeatBody.HOLDER_ACCOUNT_ID), price: f(SeatBody.PRICE) };
    case EventKind.LEVEL_CHANGED:
      return { ...header, kind: 'level_changed', symbolId: f(LevelBody.SYMBOL_ID), side: sideName(detail), price: f(LevelBody.PRICE),
        quantity: f(LevelBody.QUANTITY) };
    default:
      throw new RangeError(`event record at offset ${offset}: unknown kind ${kind} (sequence ${header.sequence}, index ${header.index})`);
  }
}

/** Decodes `count` consecutive records from `offset`. */
export function decodeEvents(bytes: Uint8Array, offset = 0, count = Math.floor((bytes.byteLength - offset) / EVT_RECORD_BYTES)): RinglineEvent[] {
  const events: RinglineEvent[] = [];
  for (let i = 0; i < count; i++) events.push(decodeEvent(bytes, offset + i * EVT_RECORD_BYTES));
  return events;
}
