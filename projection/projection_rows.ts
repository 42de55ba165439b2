/**
 * Folds a batch of decoded events (codec/records/event_decoder.ts), in (sequence, index) order, into
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
import type { RinglineEvent } from '../codec/records/event_decoder.ts';

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

/** Folds `events` (strictly increasing positions) into rows. */
export function projectionRows(events: readonly RinglineEvent[]): ProjectionRows {
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
  const patch = (e: RinglineEvent, orderId: number, accountId: number, symbolId: number): OrderPatch => {
    let p = patches.get(orderId);
    if (p === undefined) {
      p = { order_id: orderId, account_id: accountId, symbol_id: symbolId, status: null, price: null, resting_set: null, resting_less: 0,
        filled_set: null, filled_more: 0, sequence: e.sequence, index: e.index, at_us: e.timestampUs };
      patches.set(orderId, p);
    }
    p.sequence = e.sequence;
    p.index = e.index;
    p.at_us = e.timestampUs;
    return p;
  };

  for (const e of events) {
    const { sequence, index, timestampUs: at } = e;
    switch (e.kind) {
      case 'order_accepted': {
        owner(e.accountId, e.principalId);
        push(rows.acceptedOrders, e.orderId, e.accountId, e.symbolId, e.side, e.price, e.quantity, e.orderType, e.timeInForce, sequence, index, at);
        // A reused order id starts afresh: drop what an earlier order of that id left in this batch.
        patches.delete(e.orderId);
        patch(e, e.orderId, e.accountId, e.symbolId);
        push(rows.orderEvents, sequence, index, at, e.orderId, e.accountId, e.symbolId, 'accepted', e.side, e.price, e.quantity, null);
        eventRows++;
        break;
      }
      case 'order_rested':
      case 'order_amended': {
        const p = patch(e, e.orderId, e.accountId, e.symbolId);
        p.status = 'resting';
        p.price = e.price;
        p.resting_set = e.restingQuantity;
        p.resting_less = 0;
        push(rows.orderEvents, sequence, index, at, e.orderId, e.accountId, e.symbolId, e.kind === 'order_rested' ? 'rested' : 'amended', e.side,
          e.price, e.restingQuantity, null);
        eventRows++;
        break;
      }
      case 'fill': {
        owner(e.takerAccountId, e.principalId);
        owner(e.makerAccountId, e.counterpartyPrincipalId);
        const maker = patch(e, e.makerOrderId, e.makerAccountId, e.symbolId);
        if (maker.resting_set !== null) maker.resting_set -= e.quantity;
        else maker.resting_less += e.quantity;
        if (maker.filled_set !== null) maker.filled_set += e.quantity;
        else maker.filled_more += e.quantity;
        const taker = patch(e, e.takerOrderId, e.takerAccountId, e.symbolId);
        if (taker.filled_set !== null) taker.filled_set += e.quantity;
        else taker.filled_more += e.quantity;
        push(rows.fills, sequence, index, at, e.symbolId, e.price, e.quantity, e.takerSide, e.makerOrderId, e.takerOrderId, e.makerAccountId, e.takerAccountId);
        eventRows++;
        break;
      }
      case 'order_done': {
        const p = patch(e, e.orderId, e.accountId, e.symbolId);
        p.status = e.reason;
        p.resting_set = 0;
        p.resting_less = 0;
        p.filled_set = e.filledQuantity;
        p.filled_more = 0;
        push(rows.orderEvents, sequence, index, at, e.orderId, e.accountId, e.symbolId, 'done', null, null, e.filledQuantity, e.reason);
        eventRows++;
        break;
      }
      case 'balance_changed': {
        owner(e.accountId, e.principalId);
        balances.set(`${e.accountId}:${e.assetId}`, [e.accountId, e.assetId, e.available, e.reserved, sequence, index, at]);
        push(rows.balanceChanges, sequence, index, at, e.accountId, e.assetId, e.available, e.reserved, e.cause);
        eventRows++;
        break;
      }
      case 'transferred':
      case 'transfer_reserved':
      case 'transfer_posted':
      case 'transfer_voided': {
        owner(e.fromAccountId, e.principalId);
        owner(e.toAccountId, e.counterpartyPrincipalId);
        push(rows.transfers, sequence, index, at, e.kind === 'transferred' ? 'immediate' : e.kind.slice('transfer_'.length),
          e.kind === 'transferred' ? null : e.transferId, e.fromAccountId, e.toAccountId, e.assetId, e.amount);
        eventRows++;
        break;
      }
      case 'stock_sold': {
        owner(e.buyerAccountId, e.principalId);
        items.set(e.itemId, [e.itemId, e.stock, e.sold, sequence, index, at]);
        push(rows.sales, sequence, index, at, e.itemId, e.buyerAccountId, e.quantity, e.totalPrice);
        eventRows++;
        break;
      }
      case 'stock_restocked': {
        items.set(e.itemId, [e.itemId, e.stock, e.sold, sequence, index, at]);
        push(rows.restocks, sequence, index, at, e.itemId, e.quantity);
        eventRows++;
        break;
      }
      case 'seat_booked':
      case 'seat_released': {
        owner(e.holderAccountId, e.principalId);
        const booked = e.kind === 'seat_booked';
        seats.set(`${e.eventId}:${e.seat}`, [e.eventId, e.seat, booked ? e.holderAccountId : null, e.price, sequence, index, at]);
        push(rows.seatBookings, sequence, index, at, booked ? 'booked' : 'released', e.eventId, e.seat, e.holderAccountId, e.price);
        eventRows++;
        break;
      }
      case 'level_changed':
        break;
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
