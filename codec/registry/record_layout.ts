/**
 * Where a command's fields sit in its input record, computed from its registry row by one rule
 * (codec/records/command_descriptor.ts draws the result):
 *   the 8-byte fields (u64, u32) in row order from the body offset 48, then the 1-byte enum fields,
 *   then padding to a multiple of 8 = the fixed bytes. A list ('seats', 'checkout') starts at the fixed
 *   bytes with its u32 count(s) in one 8-byte word; its elements follow (SeatList / Checkout in the
 *   descriptor).
 * The named form (Deposit.AMOUNT) keeps the hot path's offsets plain constants: `Deposit.AMOUNT` is a
 * property of a frozen object built once at load, exactly like the hand-written tables it replaced.
 */
import { FieldKind } from '../spec/field_spec.ts';
import { COMMAND_ROWS, type AnyCommandRow, type CommandRow } from './command_registry.ts';

/** Byte offset of the body in every input record (the header is 48 bytes). */
export const RECORD_BODY_OFFSET = 48;
/** Bytes a list's counts take after the scalar fields (one 8-byte word: one or two u32). */
export const LIST_COUNTS_BYTES = 8;

export interface RowLayout {
  /** Record offset of each field, in row order. */
  readonly fieldOffsets: readonly number[];
  /** Bytes of the scalar part (aligned); a list's counts start here. */
  readonly scalarBytes: number;
  /** Record bytes without list elements: the whole record for a command without a list. */
  readonly fixedBytes: number;
}

export function rowLayout(row: CommandRow): RowLayout {
  const fieldOffsets: number[] = new Array<number>(row.fields.length).fill(0);
  let at = RECORD_BODY_OFFSET;
  row.fields.forEach((field, i) => {
    if (field.kind !== FieldKind.ENUM_U8) { fieldOffsets[i] = at; at += 8; }
  });
  row.fields.forEach((field, i) => {
    if (field.kind === FieldKind.ENUM_U8) { fieldOffsets[i] = at; at += 1; }
  });
  const scalarBytes = (at + 7) & ~7;
  return { fieldOffsets, scalarBytes, fixedBytes: row.list === 'none' ? scalarBytes : scalarBytes + LIST_COUNTS_BYTES };
}

/** "fromAccountId" → "FROM_ACCOUNT_ID". */
export type UpperSnake<S extends string> = S extends `${infer H}${infer T}`
  ? `${H extends Lowercase<H> ? '' : '_'}${Uppercase<H>}${UpperSnake<T>}` : '';
type OffsetName<F> = F extends { readonly json: infer J extends string; readonly kind: typeof FieldKind.ENUM_U8 }
  ? `${UpperSnake<J>}_U8` : F extends { readonly json: infer J extends string } ? UpperSnake<J> : never;
type RowByName<N extends string> = Extract<AnyCommandRow, { readonly name: N }>;

/** A command's offsets by name (SIDE_U8 for 1-byte enum fields) and its record BYTES. */
export type NamedLayout<N extends AnyCommandRow['name']> =
  { readonly [F in RowByName<N>['fields'][number] as OffsetName<F>]: number } & { readonly BYTES: number };

export function upperSnake(json: string): string {
  return json.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
}

/** The offsets of one command's scalar fields, e.g. recordLayout('DEPOSIT').AMOUNT === 64. */
export function recordLayout<N extends AnyCommandRow['name']>(name: N): NamedLayout<N> {
  const row: CommandRow | undefined = COMMAND_ROWS.find((r) => r.name === name);
  if (row === undefined) throw new Error(`recordLayout: no command ${name}`);
  const layout = rowLayout(row);
  const named: Record<string, number> = {};
  row.fields.forEach((field, i) => {
    named[upperSnake(field.json) + (field.kind === FieldKind.ENUM_U8 ? '_U8' : '')] = layout.fieldOffsets[i];
  });
  named.BYTES = layout.fixedBytes;
  return Object.freeze(named) as NamedLayout<N>;
}
