/**
 * The field builders a registry row uses. Each returns a literal-typed field description, so the
 * TypeScript types of the JSON form (codec/types/command_json.ts) are derived from the rows.
 *
 *   u64('amount')                               uint64 on the wire, f64 in the record, 0 … 2^53 - 1
 *   u64('amount', { optional: true })           JSON may leave it out; it then takes 0
 *   u32('seat')                                 uint32 on the wire, f64 in the record, 0 … 2^32 - 1
 *   enumU8('side', Side)                        ubyte on the wire and in the record; JSON "buy" / "sell"
 *   enumU8('orderType', OrderType, { optional: true, defaultValue: OrderType.LIMIT })
 */
import { FieldKind } from '../spec/field_spec.ts';
import type { EnumValues } from './enum_values.ts';

interface Optional {
  readonly optional?: boolean;
  readonly defaultValue?: number;
  /** What the default (or the field) means, for docs/commands.md: "the caller". */
  readonly doc?: string;
}
type IsOptional<O> = O extends { readonly optional: true } ? true : false;

export interface NumberFieldRow<J extends string = string, K extends FieldKind = FieldKind, Opt extends boolean = boolean> {
  readonly json: J;
  readonly kind: K;
  readonly optional: Opt;
  readonly defaultValue: number;
  readonly values: null;
  readonly doc: string;
}
export interface EnumFieldRow<J extends string = string, E extends EnumValues = EnumValues, Opt extends boolean = boolean> {
  readonly json: J;
  readonly kind: typeof FieldKind.ENUM_U8;
  readonly optional: Opt;
  readonly defaultValue: number;
  readonly values: E;
  readonly doc: string;
}
export type FieldRow = NumberFieldRow | EnumFieldRow;

function numberField<const J extends string, K extends FieldKind, const O extends Optional>(
  json: J, kind: K, options?: O,
): NumberFieldRow<J, K, IsOptional<O>> {
  return {
    json, kind, optional: (options?.optional ?? false) as IsOptional<O>, defaultValue: options?.defaultValue ?? 0,
    values: null, doc: options?.doc ?? '',
  };
}

export function u64<const J extends string, const O extends Optional = { optional: false }>(json: J, options?: O):
NumberFieldRow<J, typeof FieldKind.U64, IsOptional<O>> {
  return numberField(json, FieldKind.U64, options);
}

export function u32<const J extends string, const O extends Optional = { optional: false }>(json: J, options?: O):
NumberFieldRow<J, typeof FieldKind.U32_AS_F64, IsOptional<O>> {
  return numberField(json, FieldKind.U32_AS_F64, options);
}

export function enumU8<const J extends string, const E extends EnumValues, const O extends Optional = { optional: false }>(
  json: J, values: E, options?: O,
): EnumFieldRow<J, E, IsOptional<O>> {
  return {
    json, kind: FieldKind.ENUM_U8, optional: (options?.optional ?? false) as IsOptional<O>,
    defaultValue: options?.defaultValue ?? 0, values, doc: options?.doc ?? '',
  };
}
