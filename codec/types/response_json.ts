/**
 * The typed form of every response: what decodeResponse returns to the TypeScript client, what
 * HTTP/JSON answers with, and what the replay CLI prints for a result record. Integers are safe
 * integers; enums are lower-case names.
 */
import type { CommandName, OrderTypeName, SideName, TimeInForceName } from './command_json.ts';

export type OrderStatusName = 'resting' | 'filled' | 'cancelled' | 'pending';

export interface FillJson { makerOrderId: number; price: number; quantity: number }
export interface LevelJson { price: number; quantity: number }

export type ResultBodyJson =
  | { type: 'balance'; available: number; reserved: number }
  | { type: 'amount'; amount: number }
  | { type: 'item'; stock: number; sold: number; unitPrice: number; totalPrice: number }
  | { type: 'price'; totalPrice: number }
  | { type: 'seat'; holderAccountId: number }
  | { type: 'order'; orderId: number; filledQuantity: number; restingQuantity: number; orderStatus: OrderStatusName;
    fillCount: number; fills: FillJson[] }
  | { type: 'cancel'; orderId: number; cancelledQuantity: number }
  | { type: 'orderInfo'; orderId: number; accountId: number; price: number; restingQuantity: number;
    filledQuantity: number; side: SideName; orderType: OrderTypeName; timeInForce: TimeInForceName;
    orderStatus: OrderStatusName }
  | { type: 'depth'; bids: LevelJson[]; asks: LevelJson[] }
  | { type: 'snapshot'; snapshotSequence: number }
  | { type: 'stateHash'; hashHigh: number; hashLow: number }
  | { type: 'cancelAll'; cancelledOrders: number };
export type ResultBodyName = ResultBodyJson['type'];

export interface ResponseJson {
  correlationId: number;
  /** The command's sequence in the engine's total order; 0 when it never reached the engine. */
  sequence: number;
  /** The command answered; 'none' when the request was not understood. */
  command: CommandName | 'login' | 'none';
  /** Result code (codec/result_codes.ts) and its symbolic name, e.g. 304 / "INSUFFICIENT_FUNDS". */
  code: number;
  status: string;
  /** Set when code != 0: what went wrong, for a person. */
  message?: string;
  /** RESULT_FLAG_* bits: 1 = duplicate (the stored first result), 2 = fills truncated. */
  flags: number;
  /** The checkout leg that failed, -1 = none. */
  failedLegIndex: number;
  result?: ResultBodyJson;
}
