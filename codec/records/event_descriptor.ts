/**
 * Event record layout: what the business logic emits, beside each result, for every state change it
 * makes. Every event is one fixed-size 128-byte positional record, little-endian, so the events ring,
 * the in-memory retention, the subscription wire frames and the projector all carry the same bytes.
 *
 * (sequence, index) orders all events totally: `sequence` is the command's input sequence, `index` the
 * event's position among that command's events (0, 1, …). The last event of a command carries
 * EVENT_FLAG_LAST. A rejected or read-only command emits nothing; a repeated idempotency id emits
 * nothing (nothing changes). Replaying the journal emits exactly the same records (deterministic).
 *
 * Header (40 bytes):
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                    sequence (f64, 8 bytes)                    |  0  the command's input sequence
 *   |                  timestampUs (f64, 8 bytes)                   |  8  the command's sequencer timestamp
 *   |                          index (u32)                          | 16  position inside the command
 *   |          kind (u16)           |          detail (u16)         | 20  EventKind; reason / cause / side
 *   |                       principalId (u32)                       | 24  owner of the first account (routing)
 *   |                  counterpartyPrincipalId (u32)                | 28  owner of the second account, 0 = none
 *   |                          flags (u32)                          | 32  EVENT_FLAG_*
 *   |                        reserved (u32, 0)                      | 36
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                 body: 11 × f64 (88 bytes) ...                ... 40
 *
 * Bodies (every field an f64 holding an exact integer; unused slots are 0). `detail` per kind in [].
 *   ORDER_ACCEPTED      40 orderId  48 accountId  56 symbolId  64 price  72 quantity  80 orderType  88 timeInForce
 *                       [side]                                  (price 0 for a market order)
 *   ORDER_RESTED        40 orderId  48 accountId  56 symbolId  64 price  72 restingQuantity  [side]
 *   ORDER_AMENDED       40 orderId  48 accountId  56 symbolId  64 price  72 restingQuantity  [side]
 *   FILL                40 symbolId  48 price  56 quantity  64 makerOrderId  72 takerOrderId
 *                       80 makerAccountId  88 takerAccountId   [taker side]   principal = taker's owner,
 *                       counterparty = maker's owner
 *   ORDER_DONE          40 orderId  48 accountId  56 symbolId  64 filledQuantity (over its life)  [OrderDoneReason]
 *   BALANCE_CHANGED     40 accountId  48 assetId  56 available  64 reserved  [BalanceCause]   (the new values)
 *   TRANSFERRED         40 fromAccountId  48 toAccountId  56 assetId  64 amount   counterparty = to's owner
 *   TRANSFER_RESERVED   40 transferId  48 fromAccountId  56 toAccountId  64 assetId  72 amount   as TRANSFERRED
 *   TRANSFER_POSTED     as TRANSFER_RESERVED
 *   TRANSFER_VOIDED     as TRANSFER_RESERVED
 *   STOCK_SOLD          40 itemId  48 buyerAccountId  56 quantity  64 totalPrice  72 stock  80 sold
 *                       counterparty = the merchant's owner
 *   STOCK_RESTOCKED     40 itemId  48 quantity  56 stock  64 sold
 *   SEAT_BOOKED         40 eventId  48 seat  56 holderAccountId  64 price
 *   SEAT_RELEASED       40 eventId  48 seat  56 holderAccountId  64 price
 *   LEVEL_CHANGED       40 symbolId  48 price  56 quantity (0 = level gone)  [side]   public, principal 0
 *
 * Routing: a private subscriber receives an event when its principal is `principalId` or
 * `counterpartyPrincipalId`; an admin subscriber receives all; public market data is FILL (as trades)
 * and LEVEL_CHANGED per symbol.
 */
import { RECORD_ALIGNMENT_BYTES, type RecordBuffer } from './record_buffer.ts';
import { layoutAssertion } from '../layout_assertion.ts';
import { F64, fixedLayout, TAIL, U16, U32 } from '../fixed_layout.ts';

// ---- header ---------------------------------------------------------------------------------------
export const EvtHeader = fixedLayout('event header', {
  SEQUENCE: F64, TIMESTAMP_US: F64, INDEX: U32, KIND: U16, DETAIL: U16,
  PRINCIPAL_ID: U32, COUNTERPARTY_PRINCIPAL_ID: U32, FLAGS: U32, RESERVED: U32, BODY: TAIL,
});
/** Every event record is exactly this long (a power of two: the events ring's slot size). */
export const EVT_RECORD_BYTES = 128;
export const EVT_BODY_SLOTS = (EVT_RECORD_BYTES - EvtHeader.BYTES) / 8;

/** Byte offset of body slot `n` (an f64). */
function body(n: number): number {
  return EvtHeader.BODY + 8 * n;
}

// ---- flags ----------------------------------------------------------------------------------------
/** The last event of its command. */
export const EVENT_FLAG_LAST = 1 << 0;

// ---- kinds ----------------------------------------------------------------------------------------
/** Stable numbers, never reused. */
export const EventKind = {
  ORDER_ACCEPTED: 1,
  ORDER_RESTED: 2,
  ORDER_AMENDED: 3,
  FILL: 4,
  ORDER_DONE: 5,
  BALANCE_CHANGED: 6,
  TRANSFERRED: 7,
  TRANSFER_RESERVED: 8,
  TRANSFER_POSTED: 9,
  TRANSFER_VOIDED: 10,
  STOCK_SOLD: 11,
  STOCK_RESTOCKED: 12,
  SEAT_BOOKED: 13,
  SEAT_RELEASED: 14,
  LEVEL_CHANGED: 15,
} as const;
export type EventKindName = keyof typeof EventKind;
export const MAX_EVENT_KIND = 15;

/** ORDER_DONE's detail. */
export const OrderDoneReason = {
  /** Fully filled. */
  FILLED: 1,
  /** Cancelled by its owner (CANCEL_ORDER, CANCEL_ALL_ORDERS). */
  CANCELLED: 2,
  /** Ended by its time in force: an IOC or market remainder, a FOK that could not fill whole. */
  EXPIRED: 3,
  /** Self-trade prevention cancelled the resting order. */
  SELF_TRADE: 4,
  /** The other leg of its OCO pair executed. */
  OCO_SIBLING: 5,
} as const;

/** BALANCE_CHANGED's detail: what moved the balance. */
export const BalanceCause = {
  DEPOSIT: 1,
  WITHDRAW: 2,
  TRANSFER: 3,
  TRANSFER_RESERVE: 4,
  TRANSFER_POST: 5,
  TRANSFER_VOID: 6,
  /** Placing or amending an order: its reservation and its trades (also a triggered stop's). */
  ORDER: 7,
  /** Cancelling orders: their reservations released. */
  ORDER_CANCEL: 8,
  BUY: 9,
  SEAT_BOOK: 10,
  SEAT_RELEASE: 11,
  CHECKOUT: 12,
} as const;

// ---- bodies ---------------------------------------------------------------------------------------
export const OrderEventBody = {
  ORDER_ID: body(0), ACCOUNT_ID: body(1), SYMBOL_ID: body(2), PRICE: body(3), QUANTITY: body(4),
  ORDER_TYPE: body(5), TIME_IN_FORCE: body(6),
} as const;
export const FillBody = {
  SYMBOL_ID: body(0), PRICE: body(1), QUANTITY: body(2), MAKER_ORDER_ID: body(3), TAKER_ORDER_ID: body(4),
  MAKER_ACCOUNT_ID: body(5), TAKER_ACCOUNT_ID: body(6),
} as const;
export const OrderDoneBody = {
  ORDER_ID: body(0), ACCOUNT_ID: body(1), SYMBOL_ID: body(2), FILLED_QUANTITY: body(3),
} as const;
export const BalanceBody = { ACCOUNT_ID: body(0), ASSET_ID: body(1), AVAILABLE: body(2), RESERVED: body(3) } as const;
export const TransferredBody = { FROM_ACCOUNT_ID: body(0), TO_ACCOUNT_ID: body(1), ASSET_ID: body(2), AMOUNT: body(3) } as const;
export const PendingTransferBody = {
  TRANSFER_ID: body(0), FROM_ACCOUNT_ID: body(1), TO_ACCOUNT_ID: body(2), ASSET_ID: body(3), AMOUNT: body(4),
} as const;
export const StockSoldBody = {
  ITEM_ID: body(0), BUYER_ACCOUNT_ID: body(1), QUANTITY: body(2), TOTAL_PRICE: body(3), STOCK: body(4), SOLD: body(5),
} as const;
export const StockRestockedBody = { ITEM_ID: body(0), QUANTITY: body(1), STOCK: body(2), SOLD: body(3) } as const;
export const SeatBody = { EVENT_ID: body(0), SEAT: body(1), HOLDER_ACCOUNT_ID: body(2), PRICE: body(3) } as const;
export const LevelBody = { SYMBOL_ID: body(0), PRICE: body(1), QUANTITY: body(2) } as const;

// ---- asserted at load -----------------------------------------------------------------------------
const assertLayout = layoutAssertion('event_descriptor');
assertLayout(EVT_RECORD_BYTES % RECORD_ALIGNMENT_BYTES === 0 && (EVT_RECORD_BYTES & (EVT_RECORD_BYTES - 1)) === 0,
  `EVT_RECORD_BYTES=${EVT_RECORD_BYTES} must be a power of two and 8-byte aligned`);
assertLayout(EvtHeader.BYTES === 40 && EvtHeader.FLAGS === 32, `header must be 40 bytes as drawn, is ${EvtHeader.BYTES}`);
assertLayout(EVT_BODY_SLOTS === 11, `body slots=${EVT_BODY_SLOTS}, expected 11`);
for (const [name, layout] of Object.entries({
  OrderEventBody, FillBody, OrderDoneBody, BalanceBody, TransferredBody, PendingTransferBody, StockSoldBody, StockRestockedBody,
  SeatBody, LevelBody,
})) {
  for (const [field, offset] of Object.entries(layout)) {
    assertLayout(offset >= EvtHeader.BODY && offset + 8 <= EVT_RECORD_BYTES && offset % 8 === 0,
      `${name}.${field}=${offset} outside the body or unaligned`);
  }
}
{
  const kinds = Object.values(EventKind);
  assertLayout(new Set(kinds).size === kinds.length && Math.max(...kinds) === MAX_EVENT_KIND, 'EventKind numbers must be distinct, max MAX_EVENT_KIND');
}

/** Byte offset of event record number `i` in a block of consecutive records starting at `base`. */
export function eventBase(base: number, i: number): number {
  return base + i * EVT_RECORD_BYTES;
}

/** True when event (sequenceA, indexA) comes strictly after (sequenceB, indexB). */
export function isAfterPosition(sequenceA: number, indexA: number, sequenceB: number, indexB: number): boolean {
  return sequenceA > sequenceB || (sequenceA === sequenceB && indexA > indexB);
}

/** Reads an event's sequence / index (small helpers for consumers; the logic writes fields inline). */
export function eventSequence(buf: RecordBuffer, base: number): number {
  return buf.f64[(base + EvtHeader.SEQUENCE) >>> 3];
}
export function eventIndex(buf: RecordBuffer, base: number): number {
  return buf.u32[(base + EvtHeader.INDEX) >>> 2];
}
export function eventKind(buf: RecordBuffer, base: number): number {
  return buf.u16[(base + EvtHeader.KIND) >>> 1];
}
