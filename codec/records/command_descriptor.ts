/**
 * Input record layout: the positional form of a client command that travels through the input ring,
 * is written to the journal and is applied by the business logic. The gateway fills it while it
 * verifies the client's FlatBuffers message; nothing past the gateway sees FlatBuffers or strings.
 *
 * Every record is a 48-byte header followed by a body whose layout depends on `commandType`.
 * All offsets are byte offsets from the start of the record; the record starts on an 8-byte boundary.
 * Integers that may exceed 32 bits (ids, amounts, prices, quantities, sequences) are float64 values
 * holding safe integers (|x| <= 2^53 - 1): exact, and read without allocating (a BigInt would allocate).
 * Little-endian throughout.
 *
 * Header
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                     lengthBytes (u32)                         |  0  whole record, multiple of 8
 *   |       commandType (u16)       |           flags (u16)         |  4
 *   |                    sequence (f64, 8 bytes)                    |  8  stamped by the sequencer
 *   |                   timestampUs (f64, 8 bytes)                  | 16  sequencer clock, µs since epoch
 *   |                      sessionId (u32)                          | 24  gateway connection
 *   |                     principalId (u32)                         | 28  authenticated principal
 *   |                  correlationId (f64, 8 bytes)                 | 32  client's id for the reply
 *   |                  idempotencyId (f64, 8 bytes)                 | 40  client's id for dedup, 0 = none
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                        body ...                              ... 48
 *
 * Bodies are laid out from each command's registry row (codec/registry/command_registry.ts) by one rule
 * (codec/registry/record_layout.ts): the 8-byte fields in row order from offset 48, then the 1-byte
 * enum fields, padded to 8; a list follows with its u32 count(s) in one 8-byte word. The resulting
 * offsets of every command are tabled in docs/commands.md ("record body", generated). For example:
 *   DEPOSIT           48 accountId  56 assetId  64 amount                                    (72 bytes)
 *   PLACE_ORDER       48 symbolId  56 accountId  64 price (0 for market)  72 quantity
 *                     80 side (u8)  81 orderType (u8)  82 timeInForce (u8)  83 selfTrade (u8)  84 pad (88 bytes)
 *   BOOK_SEATS        48 eventId  56 buyerAccountId  64 seatCount (u32)  68 pad  72 seats (u32 × seatCount)
 *   RELEASE_SEATS     48 eventId  56 holderAccountId  (the rest as BOOK_SEATS: SeatList below)
 *   CHECKOUT          48 buyerAccountId  56 eventId (0 = no seats)  64 lineCount (u32)  68 seatCount (u32)
 *                     72 lines: lineCount × { +0 itemId, +8 quantity }   (16 bytes each)
 *                     72 + 16 × lineCount: seats (u32 × seatCount)
 *   SNAPSHOT          (no body)
 *
 * Order ids are assigned by the engine: the sequence of the PLACE_ORDER record that created the order.
 */
import { COMMAND_ROWS, type AnyCommandRow } from '../registry/command_registry.ts';
import { RECORD_BODY_OFFSET, recordLayout, rowLayout } from '../registry/record_layout.ts';
import { alignRecordBytes } from './record_buffer.ts';
import { layoutAssertion } from '../layout_assertion.ts';
import { F64, fixedLayout, TAIL, U16, U32 } from '../fixed_layout.ts';

// ---- header ---------------------------------------------------------------------------------------
export const CmdHeader = fixedLayout('command header', {
  LENGTH: U32, TYPE: U16, FLAGS: U16, SEQUENCE: F64, TIMESTAMP_US: F64,
  SESSION_ID: U32, PRINCIPAL_ID: U32, CORRELATION_ID: F64, IDEMPOTENCY_ID: F64, BODY: TAIL,
});


/**
 * The sequence of the first command a new engine applies. Sequence 0 is the empty state and is never
 * assigned to a command, so a response carrying sequence 0 is one that never reached the engine.
 */
export const FIRST_SEQUENCE = 1;

/** The largest input record; the ring slot size. A larger command is rejected at the gateway. */
export const CMD_MAX_RECORD_BYTES = 512;

// ---- header flags (u16) -------------------------------------------------------------------------
/** The command changes nothing: the journal may skip its body, replay ignores it. */
export const CMD_FLAG_READ_ONLY = 1 << 0;
/** The gateway authenticated an admin principal. Only the gateway sets it, from its own key store. */
export const CMD_FLAG_ADMIN = 1 << 1;

// ---- command types (u16; stable, never reused) — from the registry (codec/registry/command_registry.ts) --
type CommandTypeTable = { readonly [R in AnyCommandRow as R['name']]: R['type'] };
export const CommandType: CommandTypeTable = Object.freeze(
  Object.fromEntries(COMMAND_ROWS.map((row) => [row.name, row.type])),
) as CommandTypeTable;
export type CommandType = (typeof CommandType)[keyof typeof CommandType];
// Which commands are read-only or admin-only: codec/registry/command_traits.ts (COMMAND_TRAITS).

// ---- bodies: offsets computed from the registry rows (codec/registry/record_layout.ts) --------------
export const CreateAsset = recordLayout('CREATE_ASSET');
export const CreateAccount = recordLayout('CREATE_ACCOUNT');
export const Deposit = recordLayout('DEPOSIT');
export const Withdraw = recordLayout('WITHDRAW');
export const Transfer = recordLayout('TRANSFER');
export const TransferReserve = recordLayout('TRANSFER_RESERVE');
export const TransferPost = recordLayout('TRANSFER_POST');
export const TransferVoid = recordLayout('TRANSFER_VOID');
export const GetBalance = recordLayout('GET_BALANCE');
export const CreateItem = recordLayout('CREATE_ITEM');
export const Restock = recordLayout('RESTOCK');
export const Buy = recordLayout('BUY');
export const CreateEvent = recordLayout('CREATE_EVENT');
export const GetItem = recordLayout('GET_ITEM');
export const GetSeat = recordLayout('GET_SEAT');
export const CreateSymbol = recordLayout('CREATE_SYMBOL');
export const PlaceOrder = recordLayout('PLACE_ORDER');
export const CancelOrder = recordLayout('CANCEL_ORDER');
export const AmendOrder = recordLayout('AMEND_ORDER');
export const GetOrder = recordLayout('GET_ORDER');
export const GetDepth = recordLayout('GET_DEPTH');
export const PlaceStopOrder = recordLayout('PLACE_STOP_ORDER');
export const PlaceOcoOrder = recordLayout('PLACE_OCO_ORDER');
export const CancelAllOrders = recordLayout('CANCEL_ALL_ORDERS');
export const SetMargin = recordLayout('SET_MARGIN');
export const GetPosition = recordLayout('GET_POSITION');
/** The list layouts: BOOK_SEATS and RELEASE_SEATS share one; ACCOUNT_ID is the buyer or the holder. */
export const SeatList = { EVENT_ID: 48, ACCOUNT_ID: 56, SEAT_COUNT_U32: 64, SEATS_U32: 72, FIXED_BYTES: 72 } as const;
export const Checkout = {
  BUYER_ACCOUNT_ID: 48, EVENT_ID: 56, LINE_COUNT_U32: 64, SEAT_COUNT_U32: 68, LINES: 72, FIXED_BYTES: 72,
  LINE_ITEM_ID: 0, LINE_QUANTITY: 8, LINE_BYTES: 16,
} as const;
export const EMPTY_BODY_BYTES = CmdHeader.BYTES;

// ---- enums carried in u8 fields (codec/registry/enum_values.ts) ------------------------------------
export { OrderType, SelfTradePrevention, Side, TimeInForce } from '../registry/enum_values.ts';

// ---- limits derived from the maximum record size ------------------------------------------------------
/** Most seats one BOOK_SEATS / RELEASE_SEATS can name. */
export const MAX_SEATS_PER_COMMAND = (CMD_MAX_RECORD_BYTES - SeatList.FIXED_BYTES) >>> 2;
/** A CHECKOUT fits when FIXED_BYTES + 16 × lines + 4 × seats <= CMD_MAX_RECORD_BYTES (aligned to 8). */
export function checkoutRecordBytes(lineCount: number, seatCount: number): number {
  return alignRecordBytes(Checkout.FIXED_BYTES + Checkout.LINE_BYTES * lineCount + 4 * seatCount);
}
export function seatListRecordBytes(seatCount: number): number {
  return alignRecordBytes(SeatList.FIXED_BYTES + 4 * seatCount);
}

// ---- load-time checks: a layout mistake fails at import, not in production -------------------------
const assertLayout = layoutAssertion('command record layout');
assertLayout(CmdHeader.BYTES === 48 && CmdHeader.IDEMPOTENCY_ID === 40, 'header must be 48 bytes, as drawn');
assertLayout(RECORD_BODY_OFFSET === CmdHeader.BODY, 'the registry lays bodies out after this header');
assertLayout((CMD_MAX_RECORD_BYTES & (CMD_MAX_RECORD_BYTES - 1)) === 0, 'max record size must be a power of two');
for (const row of COMMAND_ROWS) {
  const { fieldOffsets, fixedBytes } = rowLayout(row);
  assertLayout(fixedBytes <= CMD_MAX_RECORD_BYTES, `${row.name} must fit one record`);
  row.fields.forEach((field, i) => {
    assertLayout(fieldOffsets[i] >= CmdHeader.BODY, `${row.name}.${field.json} overlaps the header`);
  });
}
// The hand-drawn list layouts must be what the rule gives for their rows.
for (const [name, fixedBytes, offsets] of [
  ['BOOK_SEATS', SeatList.FIXED_BYTES, [SeatList.EVENT_ID, SeatList.ACCOUNT_ID]],
  ['RELEASE_SEATS', SeatList.FIXED_BYTES, [SeatList.EVENT_ID, SeatList.ACCOUNT_ID]],
  ['CHECKOUT', Checkout.FIXED_BYTES, [Checkout.BUYER_ACCOUNT_ID, Checkout.EVENT_ID]],
] as const) {
  const layout = rowLayout(COMMAND_ROWS.find((row) => row.name === name) as AnyCommandRow);
  assertLayout(layout.fixedBytes === fixedBytes && layout.fieldOffsets.join() === offsets.join(),
    `${name} list layout must match its registry row`);
}
assertLayout(SeatList.SEAT_COUNT_U32 === SeatList.ACCOUNT_ID + 8 && SeatList.SEATS_U32 === SeatList.FIXED_BYTES,
  'seat list counts then seats');
assertLayout(Checkout.LINE_COUNT_U32 === Checkout.EVENT_ID + 8 && Checkout.LINES === Checkout.FIXED_BYTES,
  'checkout counts then lines');
assertLayout(checkoutRecordBytes(0, 0) <= CMD_MAX_RECORD_BYTES, 'checkout fixed part must fit');
assertLayout(MAX_SEATS_PER_COMMAND >= 64, 'a seat booking must fit at least 64 seats');
