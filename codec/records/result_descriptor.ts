/**
 * Output record layout: what the business logic publishes to the output ring for every command it
 * applies, one record per input record, in sequence. The gateway turns it into the client's
 * FlatBuffers (or JSON) reply once the command is durable.
 *
 * Header (40 bytes), then a body whose layout depends on `commandType` (echoed from the input):
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                     lengthBytes (u32)                         |  0  whole record, multiple of 8
 *   |       commandType (u16)       |        resultCode (u16)       |  4
 *   |                 inputSequence (f64, 8 bytes)                  |  8  sequence of the command
 *   |                      sessionId (u32)                          | 16  copied from the command
 *   |                     principalId (u32)                         | 20  copied from the command
 *   |                  correlationId (f64, 8 bytes)                 | 24  copied from the command
 *   |                        flags (u32)                            | 32  RESULT_FLAG_*
 *   |                   failedLegIndex (i32)                        | 36  checkout leg that failed, -1 = none
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                        body ...                              ... 40
 *
 * Bodies (f64 unless marked), declared once in codec/registry/result_registry.ts and laid out by its
 * rule (each field aligned to its size, in row order, from 40; result_descriptor.test.ts pins the
 * offsets drawn here). A rejected command (resultCode != 0) has an empty body unless noted.
 *   DEPOSIT, WITHDRAW, GET_BALANCE   40 available  48 reserved           (of the account and asset named)
 *   TRANSFER                         40 available  48 reserved           (of the source account, after)
 *   TRANSFER_RESERVE/POST/VOID       40 amount (reserved, posted, or released)
 *   BUY, GET_ITEM, RESTOCK, CREATE_ITEM  40 stock (remaining)  48 sold  56 unitPrice  64 totalPrice (BUY: charged)
 *   BOOK_SEATS, RELEASE_SEATS, CHECKOUT  40 totalPrice (charged or refunded)
 *   GET_SEAT                         40 holderAccountId (0 = free)
 *   PLACE_ORDER, AMEND_ORDER         40 orderId  48 filledQuantity  56 restingQuantity  64 orderStatus (u32)
 *                                    68 fillCount (u32, all fills)  72 fills: min(fillCount, MAX_LISTED_FILLS) ×
 *                                    { +0 makerOrderId, +8 price, +16 quantity }  (24 bytes each)
 *   PLACE_STOP_ORDER, PLACE_OCO_ORDER  as PLACE_ORDER (a stop that waits for its trigger: status PENDING)
 *   CANCEL_ORDER                     40 orderId  48 cancelledQuantity
 *   CANCEL_ALL_ORDERS                40 cancelledOrders (resting orders and untriggered stops; an OCO pair counts once)
 *   GET_ORDER                        40 orderId  48 accountId  56 price  64 restingQuantity  72 filledQuantity
 *                                    80 side (u8)  81 orderType (u8)  82 timeInForce (u8)  83 pad  84 orderStatus (u32)
 *   GET_DEPTH                        40 bidLevels (u32)  44 askLevels (u32)
 *                                    48 levels: bids best first, then asks best first × { +0 price, +8 quantity }
 *   SNAPSHOT                         40 snapshotSequence
 *   GET_STATE_HASH                   40 stateHashHigh (u32)  44 stateHashLow (u32)
 *   CREATE_* / others                empty body
 */
import { OrderStatus } from '../registry/enum_values.ts';
import { RESULT_BODY_OFFSET, resultLayout } from '../registry/result_layout.ts';
import { CMD_MAX_RECORD_BYTES } from './command_descriptor.ts';
import { layoutAssertion } from '../layout_assertion.ts';
import { F64, fixedLayout, I32, TAIL, U16, U32 } from '../fixed_layout.ts';

// ---- header ---------------------------------------------------------------------------------------
export const ResHeader = fixedLayout('result header', {
  LENGTH: U32, COMMAND_TYPE: U16, CODE: U16, INPUT_SEQUENCE: F64, SESSION_ID: U32, PRINCIPAL_ID: U32,
  CORRELATION_ID: F64, FLAGS: U32, FAILED_LEG_INDEX: I32, BODY: TAIL,
});


/** The largest output record; the output ring slot size. */
export const RES_MAX_RECORD_BYTES = CMD_MAX_RECORD_BYTES;

// ---- flags (u32) ----------------------------------------------------------------------------------
/** This is the stored first result of a repeated idempotency id; nothing was applied again. */
export const RESULT_FLAG_DUPLICATE = 1 << 0;
/** More fills happened than the record lists; fillCount is the total. */
export const RESULT_FLAG_FILLS_TRUNCATED = 1 << 1;

// ---- bodies: offsets computed from the result rows (codec/registry/result_layout.ts) ---------------
export const BalanceResult = resultLayout('balance');
export const AmountResult = resultLayout('amount');
export const ItemResult = resultLayout('item');
export const PriceResult = resultLayout('price');
export const SeatResult = resultLayout('seat');
export const OrderResult = resultLayout('order');
export const CancelResult = resultLayout('cancel');
export const OrderInfoResult = resultLayout('orderInfo');
export const DepthResult = resultLayout('depth');
export const SnapshotResult = resultLayout('snapshot');
export const StateHashResult = resultLayout('stateHash');
export const CancelAllResult = resultLayout('cancelAll');
export const PrincipalResult = resultLayout('principal');
export const PositionResult = resultLayout('position');
export const EMPTY_RESULT_BYTES = ResHeader.BYTES;

/** Status of an order after the command that touched it. */
export { OrderStatus };

/** Fills listed in one PLACE_ORDER / AMEND_ORDER result; more set RESULT_FLAG_FILLS_TRUNCATED. */
export const MAX_LISTED_FILLS = Math.floor((RES_MAX_RECORD_BYTES - OrderResult.FIXED_BYTES) / OrderResult.FILL_BYTES);
/** Levels per side one GET_DEPTH result can carry (bids and asks share the record). */
export const MAX_DEPTH_LEVELS_PER_SIDE = Math.floor(
  (RES_MAX_RECORD_BYTES - DepthResult.FIXED_BYTES) / DepthResult.LEVEL_BYTES / 2,
);

// ---- load-time checks -------------------------------------------------------------------------------
const assertLayout = layoutAssertion('result record layout');
assertLayout(ResHeader.BYTES === 40 && ResHeader.CORRELATION_ID === 24, 'header must be 40 bytes, as drawn');
assertLayout(ResHeader.BODY === RESULT_BODY_OFFSET, 'the registry lays bodies out after this header');
assertLayout((RES_MAX_RECORD_BYTES & (RES_MAX_RECORD_BYTES - 1)) === 0, 'max record size must be a power of two');
assertLayout(OrderResult.FIXED_BYTES + MAX_LISTED_FILLS * OrderResult.FILL_BYTES <= RES_MAX_RECORD_BYTES,
  'listed fills must fit the record');
assertLayout(MAX_LISTED_FILLS >= 16, 'a result must list at least 16 fills');
assertLayout(MAX_DEPTH_LEVELS_PER_SIDE >= 10, 'a depth result must carry at least 10 levels per side');
