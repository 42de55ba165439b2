/**
 * Every result body once: its wire table and union member (codec/ringline.fbs `Result`), its JSON
 * name and fields, and where each field sits in the output record (codec/records/result_descriptor.ts).
 * Which body a command's result carries is its registry row's `result` (RESULT_SPEC_BY_COMMAND).
 */
import {
  CancelAllResult, AmountResult, BalanceResult, CancelResult, DepthResult, ItemResult, OrderInfoResult, OrderResult, PriceResult,
  SeatResult, SnapshotResult, StateHashResult,
} from '../records/result_descriptor.ts';
import { COMMAND_ROWS } from '../registry/command_registry.ts';
import { ORDER_STATUS_ENUM, ORDER_TYPE_ENUM, SIDE_ENUM, TIME_IN_FORCE_ENUM } from './enum_spec.ts';
import { FieldKind, fields, type FieldSpec } from './field_spec.ts';

export const ResultListKind = {
  NONE: 0,
  /** OrderResult: `fill_count: uint32` then `fills: [Fill]` at wire indexes 4 and 5. */
  FILLS: 1,
  /** DepthResult: `bids: [Level]`, `asks: [Level]` at wire indexes 0 and 1. */
  LEVELS: 2,
} as const;
export type ResultListKind = (typeof ResultListKind)[keyof typeof ResultListKind];

export interface ResultSpec {
  /** Union member number in the schema's `Result`. */
  readonly tag: number;
  /** JSON `type` of the body, e.g. "balance". */
  readonly name: string;
  readonly fields: readonly FieldSpec[];
  readonly list: ResultListKind;
  /** Record bytes without lists. */
  readonly fixedBytes: number;
}

const { U64, U32, ENUM_U8, ENUM_U32 } = FieldKind;

function result(tag: number, name: string, fixedBytes: number, list: Parameters<typeof fields>[1],
  listKind: ResultListKind = ResultListKind.NONE): ResultSpec {
  return { tag, name, fields: fields(name, list), list: listKind, fixedBytes };
}

export const BALANCE_RESULT = result(1, 'balance', BalanceResult.BYTES, [
  ['available', U64, BalanceResult.AVAILABLE], ['reserved', U64, BalanceResult.RESERVED]]);
export const AMOUNT_RESULT = result(2, 'amount', AmountResult.BYTES, [['amount', U64, AmountResult.AMOUNT]]);
export const ITEM_RESULT = result(3, 'item', ItemResult.BYTES, [
  ['stock', U64, ItemResult.STOCK], ['sold', U64, ItemResult.SOLD], ['unitPrice', U64, ItemResult.UNIT_PRICE],
  ['totalPrice', U64, ItemResult.TOTAL_PRICE]]);
export const PRICE_RESULT = result(4, 'price', PriceResult.BYTES, [['totalPrice', U64, PriceResult.TOTAL_PRICE]]);
export const SEAT_RESULT = result(5, 'seat', SeatResult.BYTES, [
  ['holderAccountId', U64, SeatResult.HOLDER_ACCOUNT_ID]]);
export const ORDER_RESULT = result(6, 'order', OrderResult.FIXED_BYTES, [
  ['orderId', U64, OrderResult.ORDER_ID], ['filledQuantity', U64, OrderResult.FILLED_QUANTITY],
  ['restingQuantity', U64, OrderResult.RESTING_QUANTITY],
  ['orderStatus', ENUM_U32, OrderResult.ORDER_STATUS_U32, { enumSpec: ORDER_STATUS_ENUM }],
  ['fillCount', U32, OrderResult.FILL_COUNT_U32]], ResultListKind.FILLS);
export const CANCEL_RESULT = result(7, 'cancel', CancelResult.BYTES, [
  ['orderId', U64, CancelResult.ORDER_ID], ['cancelledQuantity', U64, CancelResult.CANCELLED_QUANTITY]]);
export const ORDER_INFO_RESULT = result(8, 'orderInfo', OrderInfoResult.BYTES, [
  ['orderId', U64, OrderInfoResult.ORDER_ID], ['accountId', U64, OrderInfoResult.ACCOUNT_ID],
  ['price', U64, OrderInfoResult.PRICE], ['restingQuantity', U64, OrderInfoResult.RESTING_QUANTITY],
  ['filledQuantity', U64, OrderInfoResult.FILLED_QUANTITY],
  ['side', ENUM_U8, OrderInfoResult.SIDE_U8, { enumSpec: SIDE_ENUM }],
  ['orderType', ENUM_U8, OrderInfoResult.ORDER_TYPE_U8, { enumSpec: ORDER_TYPE_ENUM }],
  ['timeInForce', ENUM_U8, OrderInfoResult.TIME_IN_FORCE_U8, { enumSpec: TIME_IN_FORCE_ENUM }],
  ['orderStatus', ENUM_U32, OrderInfoResult.ORDER_STATUS_U32, { enumSpec: ORDER_STATUS_ENUM }]]);
export const DEPTH_RESULT = result(9, 'depth', DepthResult.FIXED_BYTES, [], ResultListKind.LEVELS);
export const SNAPSHOT_RESULT = result(10, 'snapshot', SnapshotResult.BYTES, [
  ['snapshotSequence', U64, SnapshotResult.SNAPSHOT_SEQUENCE]]);
export const STATE_HASH_RESULT = result(11, 'stateHash', StateHashResult.BYTES, [
  ['hashHigh', U32, StateHashResult.HASH_HIGH_U32], ['hashLow', U32, StateHashResult.HASH_LOW_U32]]);
export const CANCEL_ALL_RESULT = result(12, 'cancelAll', CancelAllResult.BYTES, [
  ['cancelledOrders', U64, CancelAllResult.CANCELLED_ORDERS]]);

export const RESULT_SPECS: readonly ResultSpec[] = [
  BALANCE_RESULT, AMOUNT_RESULT, ITEM_RESULT, PRICE_RESULT, SEAT_RESULT, ORDER_RESULT, CANCEL_RESULT,
  ORDER_INFO_RESULT, DEPTH_RESULT, SNAPSHOT_RESULT, STATE_HASH_RESULT, CANCEL_ALL_RESULT,
];

/** Spec by union tag (0 = no body). */
export const RESULT_SPEC_BY_TAG: ReadonlyArray<ResultSpec | undefined> = (() => {
  const table = new Array<ResultSpec | undefined>(256).fill(undefined);
  for (const spec of RESULT_SPECS) table[spec.tag] = spec;
  return table;
})();

const BY_NAME = new Map(RESULT_SPECS.map((spec) => [spec.name, spec]));
export function resultSpecByName(name: string): ResultSpec | undefined {
  return BY_NAME.get(name);
}

/** The body a successful command's result carries (by command type, from the registry's `result`); undefined = no body. */
export const RESULT_SPEC_BY_COMMAND: ReadonlyArray<ResultSpec | undefined> = (() => {
  const table = new Array<ResultSpec | undefined>(256).fill(undefined);
  for (const row of COMMAND_ROWS) {
    if (row.result === null) continue;
    const spec = resultSpecByName(row.result);
    if (spec === undefined) throw new Error(`result spec: ${row.json} answers with unknown result "${row.result}"`);
    table[row.type] = spec;
  }
  return table;
})();

for (const spec of RESULT_SPECS) {
  if (RESULT_SPEC_BY_TAG[spec.tag] !== spec) throw new Error(`result spec: tag ${spec.tag} used twice`);
}
