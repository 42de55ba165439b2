/**
 * THE list of result bodies: one row per body, and the only place a body's fields are written.
 * Derived from these rows at module load:
 *   - output record offsets (BalanceResult.AVAILABLE …)  codec/records/result_descriptor.ts (resultLayout)
 *   - wire tables, JSON names, record fields           codec/spec/result_spec.ts (RESULT_SPECS)
 *   - the TypeScript types of the JSON body              codec/types/response_json.ts (ResultBodyJson)
 * A command names the body it answers with in its registry row (`result: 'balance'`).
 *
 * A row:
 *   tag     the union member number in codec/ringline.fbs `Result` (stable, never reused).
 *   json    the JSON `type` of the body (camelCase); its wire table is the PascalCase name + "Result".
 *   fields  in wire-table order (field index = position). Record layout (codec/registry/result_layout.ts):
 *           each field at the next offset aligned to its record size, from the body offset 40, in row
 *           order; then a list's counts the same way; then padding to 8 = the fixed bytes.
 *   list    repeated parts after the fixed bytes, or null:
 *             kind    'fills' (wire: fill_count then fills, after the fields) or 'levels' (wire: bids, asks
 *                     as fields 0 and 1); its upper-snake name is the list's offset (OrderResult.FILLS)
 *             json    the JSON arrays, in record order
 *             counts  u32 words in the record only (JSON has the arrays' lengths)
 *             item    prefix of the element's offset names (FILL_PRICE, FILL_BYTES)
 *             fields  the element's u64 fields, in order (a wire struct)
 */
import { OrderStatus, OrderType, Side, TimeInForce } from './enum_values.ts';
import { enumU32, enumU8, type NumberFieldRow, type ResultFieldRow, u32Word, u64 } from './field_builders.ts';

export type ResultListName = 'fills' | 'levels';

export interface ResultListRow {
  readonly kind: ResultListName;
  readonly json: readonly string[];
  readonly counts: readonly ResultFieldRow[];
  readonly item: string;
  readonly fields: readonly NumberFieldRow[];
}

export interface ResultRow {
  readonly tag: number;
  readonly json: string;
  readonly fields: readonly ResultFieldRow[];
  readonly list: ResultListRow | null;
}

export const RESULT_ROWS = [
  { tag: 1, json: 'balance', fields: [u64('available'), u64('reserved')], list: null },
  { tag: 2, json: 'amount', fields: [u64('amount')], list: null },
  { tag: 3, json: 'item', fields: [u64('stock'), u64('sold'), u64('unitPrice'), u64('totalPrice')], list: null },
  { tag: 4, json: 'price', fields: [u64('totalPrice')], list: null },
  { tag: 5, json: 'seat', fields: [u64('holderAccountId')], list: null },
  { tag: 6, json: 'order',
    fields: [u64('orderId'), u64('filledQuantity'), u64('restingQuantity'), enumU32('orderStatus', OrderStatus),
      u32Word('fillCount')],
    list: { kind: 'fills', json: ['fills'], counts: [], item: 'FILL', fields: [u64('makerOrderId'), u64('price'), u64('quantity')] } },
  { tag: 7, json: 'cancel', fields: [u64('orderId'), u64('cancelledQuantity')], list: null },
  { tag: 8, json: 'orderInfo',
    fields: [u64('orderId'), u64('accountId'), u64('price'), u64('restingQuantity'), u64('filledQuantity'),
      enumU8('side', Side), enumU8('orderType', OrderType), enumU8('timeInForce', TimeInForce),
      enumU32('orderStatus', OrderStatus)],
    list: null },
  { tag: 9, json: 'depth', fields: [],
    list: { kind: 'levels', json: ['bids', 'asks'], counts: [u32Word('bidLevels'), u32Word('askLevels')], item: 'LEVEL',
      fields: [u64('price'), u64('quantity')] } },
  { tag: 10, json: 'snapshot', fields: [u64('snapshotSequence')], list: null },
  { tag: 11, json: 'stateHash', fields: [u32Word('hashHigh'), u32Word('hashLow')], list: null },
  { tag: 12, json: 'cancelAll', fields: [u64('cancelledOrders')], list: null },
  { tag: 13, json: 'principal', fields: [u64('principalId')], list: null },
  { tag: 14, json: 'position',
    fields: [u64('shortQuantity'), u64('pendingShortQuantity'), u64('collateral'), u64('referencePrice'), u64('maintenanceRequirement')],
    list: null },
] as const satisfies readonly ResultRow[];

export type AnyResultRow = (typeof RESULT_ROWS)[number];
export type ResultBodyName = AnyResultRow['json'];
