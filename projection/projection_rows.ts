/**
 * Folds a batch of event records (codec/records/event_descriptor.ts), in (sequence, index) order,
 * straight from their bytes (no event objects: decoding was most of the projector's CPU), into
 * the column arrays of one multi-row statement per table (projection_writer.ts sends each as
 * `INSERT … SELECT … FROM unnest($1::bigint[], …)`: one round trip per table per batch).
 *
 * Event tables get one row per event. Current-state tables (orders, balances, items, seats,
 * accounts) get one row per key with the batch's net effect, because one statement may not touch a
 * row twice: for orders a patch (latest status, resting quantity set or reduced, filled quantity set
 * or increased) applied on top of the stored row.
 *
 * LEVEL_CHANGED (public depth) is not projected: it is market data, rebuilt by subscribers.
 */
import { balanceCauseName, orderDoneReasonName, sideName } from '../codec/records/event_decoder.ts';
import {
  BalanceBody, EvtHeader, EVT_RECORD_BYTES, EventKind as K, FillBody, OrderDoneBody, OrderEventBody,
  PendingTransferBody, SeatBody, StockRestockedBody, StockSoldBody, TransferredBody,
} from '../codec/records/event_descriptor.ts';

/** Column name → values, one entry per row. */
export type Columns = Record<string, (number | string | boolean | null)[]>;

function columns(...names: string[]): Columns {
  return Object.fromEntries(names.map((name) => [name, []]));
}

/** Appends one row: `values` in the order of the columns' names (no per-row object, no lookups by name). */
function push(target: Columns, ...values: (number | string | boolean | null)[]): void {
  const arrays = ARRAYS.get(target) ?? cache(target);
  if (values.length !== arrays.length) throw new Error(`projection_rows: ${values.length} values for ${arrays.length} columns`);
  for (let i = 0; i < arrays.length; i++) arrays[i].push(values[i] ?? null);
}

const ARRAYS = new WeakMap<Columns, (number | string | boolean | null)[][]>();
function cache(target: Columns): (number | string | boolean | null)[][] {
  const arrays = Object.values(target);
  ARRAYS.set(target, arrays);
  return arrays;
}

/** The net effect of a batch on one order (applied to its stored row, or to a row the batch creates). */
interface OrderPatch {
  order_id: number;
  account_id: number;
  symbol_id: number;
  status: string | null;
  price: number | null;
  /** Absolute resting quantity after the batch (already reduced by later maker fills), or null. */
  resting_set: number | null;
  /** Reduction of the stored resting quantity by maker fills, when resting_set is null. */
  resting_less: number;
  /** Absolute filled quantity (ORDER_DONE's lifetime figure, plus fills after it), or null. */
  filled_set: number | null;
  /** Fills to add to the stored filled quantity, when filled_set is null. */
  filled_more: number;
  sequence: number;
  index: number;
  at_us: number;
}

export interface ProjectionRows {
  readonly accounts: Columns;
  readonly acceptedOrders: Columns;
  readonly orderPatches: Columns;
  readonly orderEvents: Columns;
  readonly fills: Columns;
  readonly transfers: Columns;
  readonly balances: Columns;
  readonly balanceChanges: Columns;
  readonly items: Columns;
  readonly sales: Columns;
  readonly restocks: Columns;
  readonly seats: Columns;
  readonly seatBookings: Columns;
  /** Rows in event tables (the figure of rows/s). */
  readonly eventRows: number;
}

/** Every event table's first three columns, in this order. */
const KEY = ['sequence', 'index', 'at_us'];

/** Folds `records` (whole event records, strictly increasing positions) into rows, reading each field where it lies. */
export function projectionRows(records: Uint8Array): ProjectionRows {
  const rows = {
    accounts: columns('account_id', 'principal_id'),
    acceptedOrders: columns('order_id', 'account_id', 'symbol_id', 'side', 'price', 'quantity', 'order_type', 'time_in_force', ...KEY),
    orderPatches: columns('order_id', 'status', 'price', 'resting_set', 'resting_less', 'filled_set', 'filled_more', ...KEY),
    orderEvents: columns(...KEY, 'order_id', 'account_id', 'symbol_id', 'kind', 'side', 'price', 'quantity', 'reason'),
    fills: columns(...KEY, 'symbol_id', 'price', 'quantity', 'taker_side', 'maker_order_id', 'taker_order_id', 'maker_account_id', 'taker_account_id'),
    transfers: columns(...KEY, 'kind', 'transfer_id', 'from_account_id', 'to_account_id', 'asset_id', 'amount'),
    balances: columns('account_id', 'asset_id', 'available', 'reserved', ...KEY),
    balanceChanges: columns(...KEY, 'account_id', 'asset_id', 'available', 'reserved', 'cause'),
    items: columns('item_id', 'stock', 'sold', ...KEY),
    sales: columns(...KEY, 'item_id', 'buyer_account_id', 'quantity', 'total_price'),
    restocks: columns(...KEY, 'item_id', 'quantity'),
    seats: columns('event_id', 'seat', 'holder_account_id', 'price', ...KEY),
    seatBookings: columns(...KEY, 'kind', 'event_id', 'seat', 'holder_account_id', 'price'),
    eventRows: 0,
  };
  const owners = new Map<number, number>();
  const patches = new Map<number, OrderPatch>();
  // Last value per key of the current-state tables, as rows in their columns' order.
  const balances = new Map<string, (number | string | null)[]>();
  const items = new Map<number, (number | string | null)[]>();
  const seats = new Map<string, (number | string | null)[]>();
  let eventRows = 0;

  const owner = (accountId: number, principalId: number): void => {
    if (accountId !== 0 && principalId !== 0 && !owners.has(accountId)) owners.set(accountId, principalId);
  };
  const patch = (sequence: number, index: number, at: number, orderId: number, accountId: number, symbolId: number): OrderPatch => {
    let p = patches.get(orderId);
    if (p === undefined) {
      p = { order_id: orderId, account_id: accountId, symbol_id: symbolId, status: null, price: null, resting_set: null, resting_less: 0,
        filled_set: null, filled_more: 0, sequence, index, at_us: at };
      patches.set(orderId, p);
    }
    p.sequence = sequence;
    p.index = index;
    p.at_us = at;
    return p;
  };

  const view = new DataView(records.buffer, records.byteOffset, records.byteLength);
  const count = records.byteLength / EVT_RECORD_BYTES;
  let base = 0;
  /** A float64 field of the current record's body. */
  const f = (offset: number): number => view.getFloat64(base + offset, true);
  for (let r = 0; r < count; r++) {
    base = r * EVT_RECORD_BYTES;
    const sequence = view.getFloat64(base + EvtHeader.SEQUENCE, true);
    const index = view.getUint32(base + EvtHeader.INDEX, true);
    const at = view.getFloat64(base + EvtHeader.TIMESTAMP_US, true);
    const principalId = view.getUint32(base + EvtHeader.PRINCIPAL_ID, true);
    const counterpartyPrincipalId = view.getUint32(base + EvtHeader.COUNTERPARTY_PRINCIPAL_ID, true);
    const detail = view.getUint16(base + EvtHeader.DETAIL, true);
    const kind = view.getUint16(base + EvtHeader.KIND, true);
    switch (kind) {
      case K.ORDER_ACCEPTED: {
        const orderId = f(OrderEventBody.ORDER_ID);
        const accountId = f(OrderEventBody.ACCOUNT_ID);
        const symbolId = f(OrderEventBody.SYMBOL_ID);
        const side = sideName(detail);
        const price = f(OrderEventBody.PRICE);
        const quantity = f(OrderEventBody.QUANTITY);
        owner(accountId, principalId);
        push(rows.acceptedOrders, orderId, accountId, symbolId, side, price, quantity, f(OrderEventBody.ORDER_TYPE), f(OrderEventBody.TIME_IN_FORCE),
          sequence, index, at);
        // A reused order id starts afresh: drop what an earlier order of that id left in this batch.
        patches.delete(orderId);
        patch(sequence, index, at, orderId, accountId, symbolId);
        push(rows.orderEvents, sequence, index, at, orderId, accountId, symbolId, 'accepted', side, price, quantity, null);
        eventRows++;
        break;
      }
      case K.ORDER_RESTED:
      case K.ORDER_AMENDED: {
        const orderId = f(OrderEventBody.ORDER_ID);
        const accountId = f(OrderEventBody.ACCOUNT_ID);
        const symbolId = f(OrderEventBody.SYMBOL_ID);
        const price = f(OrderEventBody.PRICE);
        const restingQuantity = f(OrderEventBody.QUANTITY);
        const p = patch(sequence, index, at, orderId, accountId, symbolId);
        p.status = 'resting';
        p.price = price;
        p.resting_set = restingQuantity;
        p.resting_less = 0;
        push(rows.orderEvents, sequence, index, at, orderId, accountId, symbolId, kind === K.ORDER_RESTED ? 'rested' : 'amended', sideName(detail),
          price, restingQuantity, null);
        eventRows++;
        break;
      }
      case K.FILL: {
        const symbolId = f(FillBody.SYMBOL_ID);
        const quantity = f(FillBody.QUANTITY);
        const makerOrderId = f(FillBody.MAKER_ORDER_ID);
        const takerOrderId = f(FillBody.TAKER_ORDER_ID);
        const makerAccountId = f(FillBody.MAKER_ACCOUNT_ID);
        const takerAccountId = f(FillBody.TAKER_ACCOUNT_ID);
        owner(takerAccountId, principalId);
        owner(makerAccountId, counterpartyPrincipalId);
        const maker = patch(sequence, index, at, makerOrderId, makerAccountId, symbolId);
        if (maker.resting_set !== null) maker.resting_set -= quantity;
        else maker.resting_less += quantity;
        if (maker.filled_set !== null) maker.filled_set += quantity;
        else maker.filled_more += quantity;
        const taker = patch(sequence, index, at, takerOrderId, takerAccountId, symbolId);
        if (taker.filled_set !== null) taker.filled_set += quantity;
        else taker.filled_more += quantity;
        push(rows.fills, sequence, index, at, symbolId, f(FillBody.PRICE), quantity, sideName(detail), makerOrderId, takerOrderId, makerAccountId, takerAccountId);
        eventRows++;
        break;
      }
      case K.ORDER_DONE: {
        const orderId = f(OrderDoneBody.ORDER_ID);
        const accountId = f(OrderDoneBody.ACCOUNT_ID);
        const symbolId = f(OrderDoneBody.SYMBOL_ID);
        const reason = orderDoneReasonName(detail);
        const filledQuantity = f(OrderDoneBody.FILLED_QUANTITY);
        const p = patch(sequence, index, at, orderId, accountId, symbolId);
        p.status = reason;
        p.resting_set = 0;
        p.resting_less = 0;
        p.filled_set = filledQuantity;
        p.filled_more = 0;
        push(rows.orderEvents, sequence, index, at, orderId, accountId, symbolId, 'done', null, null, filledQuantity, reason);
        eventRows++;
        break;
      }
      case K.BALANCE_CHANGED: {
        const accountId = f(BalanceBody.ACCOUNT_ID);
        const assetId = f(BalanceBody.ASSET_ID);
        const available = f(BalanceBody.AVAILABLE);
        const reserved = f(BalanceBody.RESERVED);
        owner(accountId, principalId);
        balances.set(`${accountId}:${assetId}`, [accountId, assetId, available, reserved, sequence, index, at]);
        push(rows.balanceChanges, sequence, index, at, accountId, assetId, available, reserved, balanceCauseName(detail));
        eventRows++;
        break;
      }
      case K.TRANSFERRED: {
        const fromAccountId = f(TransferredBody.FROM_ACCOUNT_ID);
        const toAccountId = f(TransferredBody.TO_ACCOUNT_ID);
        owner(fromAccountId, principalId);
        owner(toAccountId, counterpartyPrincipalId);
        push(rows.transfers, sequence, index, at, 'immediate', null, fromAccountId, toAccountId, f(TransferredBody.ASSET_ID), f(TransferredBody.AMOUNT));
        eventRows++;
        break;
      }
      case K.TRANSFER_RESERVED:
      case K.TRANSFER_POSTED:
      case K.TRANSFER_VOIDED: {
        const fromAccountId = f(PendingTransferBody.FROM_ACCOUNT_ID);
        const toAccountId = f(PendingTransferBody.TO_ACCOUNT_ID);
        owner(fromAccountId, principalId);
        owner(toAccountId, counterpartyPrincipalId);
        push(rows.transfers, sequence, index, at, kind === K.TRANSFER_RESERVED ? 'reserved' : kind === K.TRANSFER_POSTED ? 'posted' : 'voided',
          f(PendingTransferBody.TRANSFER_ID), fromAccountId, toAccountId, f(PendingTransferBody.ASSET_ID), f(PendingTransferBody.AMOUNT));
        eventRows++;
        break;
      }
      case K.STOCK_SOLD: {
        const itemId = f(StockSoldBody.ITEM_ID);
        const buyerAccountId = f(StockSoldBody.BUYER_ACCOUNT_ID);
        owner(buyerAccountId, principalId);
        items.set(itemId, [itemId, f(StockSoldBody.STOCK), f(StockSoldBody.SOLD), sequence, index, at]);
        push(rows.sales, sequence, index, at, itemId, buyerAccountId, f(StockSoldBody.QUANTITY), f(StockSoldBody.TOTAL_PRICE));
        eventRows++;
        break;
      }
      case K.STOCK_RESTOCKED: {
        const itemId = f(StockRestockedBody.ITEM_ID);
        items.set(itemId, [itemId, f(StockRestockedBody.STOCK), f(StockRestockedBody.SOLD), sequence, index, at]);
        push(rows.restocks, sequence, index, at, itemId, f(StockRestockedBody.QUANTITY));
        eventRows++;
        break;
      }
      case K.SEAT_BOOKED:
      case K.SEAT_RELEASED: {
        const eventId = f(SeatBody.EVENT_ID);
        const seat = f(SeatBody.SEAT);
        const holderAccountId = f(SeatBody.HOLDER_ACCOUNT_ID);
        const price = f(SeatBody.PRICE);
        owner(holderAccountId, principalId);
        const booked = kind === K.SEAT_BOOKED;
        seats.set(`${eventId}:${seat}`, [eventId, seat, booked ? holderAccountId : null, price, sequence, index, at]);
        push(rows.seatBookings, sequence, index, at, booked ? 'booked' : 'released', eventId, seat, holderAccountId, price);
        eventRows++;
        break;
      }
      case K.LEVEL_CHANGED:
        break;
      default:
        throw new RangeError(`projection_rows: record ${r} (sequence ${sequence}, index ${index}) has unknown kind ${kind}`);
    }
  }
  for (const [accountId, principalId] of owners) push(rows.accounts, accountId, principalId);
  for (const p of patches.values()) {
    push(rows.orderPatches, p.order_id, p.status, p.price, p.resting_set, p.resting_less, p.filled_set, p.filled_more, p.sequence, p.index, p.at_us);
  }
  for (const row of balances.values()) push(rows.balances, ...row);
  for (const row of items.values()) push(rows.items, ...row);
  for (const row of seats.values()) push(rows.seats, ...row);
  return { ...rows, eventRows };
}
