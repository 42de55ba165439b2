/**
 * Where a result body's fields sit in its output record, computed from its row
 * (codec/registry/result_registry.ts) by one rule: from the body offset 40, each field in row order
 * at the next offset aligned to its record size (f64 8, u32 4, u8 1), then the list's u32 counts the
 * same way, then padding to 8 = the fixed bytes, where a list's elements start (8-byte words each).
 * codec/records/result_descriptor.ts draws the result and names it (BalanceResult.AVAILABLE).
 */
import { FieldKind } from '../spec/field_spec.ts';
import type { UpperSnake } from './record_layout.ts';
import { upperSnake } from './record_layout.ts';
import type { ResultFieldRow } from './field_builders.ts';
import { RESULT_ROWS, type AnyResultRow, type ResultRow } from './result_registry.ts';

/** Byte offset of the body in every output record (the header is 40 bytes). */
export const RESULT_BODY_OFFSET = 40;

export interface ResultRowLayout {
  /** Record offset of each field, in row order. */
  readonly fieldOffsets: readonly number[];
  /** Record offset of each list count, in row order. */
  readonly countOffsets: readonly number[];
  /** Record bytes without list elements: the whole record for a body without a list. */
  readonly fixedBytes: number;
  /** Bytes of one list element (0 without a list). */
  readonly itemBytes: number;
}

/** Bytes a field takes in the output record. */
export function resultRecordBytesOf(kind: ResultFieldRow['kind']): number {
  return kind === FieldKind.ENUM_U8 ? 1 : kind === FieldKind.U32 || kind === FieldKind.ENUM_U32 ? 4 : 8;
}

export function resultRowLayout(row: ResultRow): ResultRowLayout {
  let at = RESULT_BODY_OFFSET;
  const place = (field: ResultFieldRow): number => {
    const bytes = resultRecordBytesOf(field.kind);
    const offset = (at + bytes - 1) & ~(bytes - 1);
    at = offset + bytes;
    return offset;
  };
  const fieldOffsets = row.fields.map(place);
  const countOffsets = (row.list?.counts ?? []).map(place);
  return { fieldOffsets, countOffsets, fixedBytes: (at + 7) & ~7, itemBytes: 8 * (row.list?.fields.length ?? 0) };
}

type RowByJson<J extends string> = Extract<AnyResultRow, { readonly json: J }>;
type OffsetName<F> = F extends { readonly json: infer J extends string; readonly kind: infer K }
  ? K extends typeof FieldKind.ENUM_U8 ? `${UpperSnake<J>}_U8`
    : K extends typeof FieldKind.U32 | typeof FieldKind.ENUM_U32 ? `${UpperSnake<J>}_U32` : UpperSnake<J>
  : never;
type Offsets<Fs extends readonly unknown[], Prefix extends string = ''> =
  { readonly [F in Fs[number] as `${Prefix}${OffsetName<F>}`]: number };
type ListOffsets<L> = L extends {
  readonly kind: infer K extends string; readonly item: infer I extends string;
  readonly counts: infer C extends readonly unknown[]; readonly fields: infer E extends readonly unknown[];
} ? Offsets<C> & Offsets<E, `${I}_`> & { readonly [X in UpperSnake<K> | `${I}_BYTES` | 'FIXED_BYTES']: number }
  : { readonly BYTES: number };

/**
 * A body's offsets by name: its fields (SIDE_U8 for u8 enums, _U32 for u32 words), and BYTES; with a
 * list, its counts, the list's offset (FILLS), the element's offsets (FILL_PRICE) and bytes (FILL_BYTES)
 * and FIXED_BYTES instead of BYTES.
 */
export type NamedResultLayout<J extends AnyResultRow['json']> = Offsets<RowByJson<J>['fields']> & ListOffsets<RowByJson<J>['list']>;

function offsetName(field: ResultFieldRow): string {
  const bytes = resultRecordBytesOf(field.kind);
  return upperSnake(field.json) + (bytes === 1 ? '_U8' : bytes === 4 ? '_U32' : '');
}

/** The offsets of one result body, e.g. resultLayout('balance').RESERVED === 48. */
export function resultLayout<J extends AnyResultRow['json']>(json: J): NamedResultLayout<J> {
  const row: ResultRow | undefined = RESULT_ROWS.find((r) => r.json === json);
  if (row === undefined) throw new Error(`resultLayout: no result body ${json}`);
  const layout = resultRowLayout(row);
  const named: Record<string, number> = {};
  row.fields.forEach((field, i) => { named[offsetName(field)] = layout.fieldOffsets[i]; });
  if (row.list === null) {
    named.BYTES = layout.fixedBytes;
  } else {
    const { list } = row;
    list.counts.forEach((field, i) => { named[offsetName(field)] = layout.countOffsets[i]; });
    named[upperSnake(list.kind)] = layout.fixedBytes;
    list.fields.forEach((field, i) => { named[`${list.item}_${offsetName(field)}`] = 8 * i; });
    named[`${list.item}_BYTES`] = layout.itemBytes;
    named.FIXED_BYTES = layout.fixedBytes;
  }
  return Object.freeze(named) as NamedResultLayout<J>;
}
