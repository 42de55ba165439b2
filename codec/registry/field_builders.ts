/**
 * The field builders a registry row uses. Each returns a literal-typed field description, so the
 * TypeScript types of the JSON form (codec/types/command_json.ts) are derived from the rows.
 *
 *   u64('amount')                               uint64 on the wire, f64 in the record, 0 … 2^53 - 1
 *   u64('amount', { optional: true })           JSON may leave it out; it then takes 0
 *   u32('seat')                                 uint32 on the wire, f64 in the record, 0 … 2^32 - 1
 *   enumU8('side', Side)                        ubyte on the wire and in the record; JSON "buy" / "sell"
 *   enumU8('orderType', OrderType, { optional: true, defaultValue: OrderType.LIMIT })
 * Result bodies (codec/registry/result_registry.ts) also use:
 *   u32Word('fillCount')                         uint32 on the wire and in the record (4 bytes)
 *   enumU32('orderStatus', OrderStatus)          ubyte on the wire, u32 in the record
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
type EnumKind = typeof FieldKind.ENUM_U8 | typeof FieldKind.ENUM_U32;
export interface EnumFieldRow<J extends string = string, E extends EnumValues = EnumValues, Opt extends boolean = boolean,
  K extends EnumKind = typeof FieldKind.ENUM_U8> {
  readonly json: J;
  readonly kind: K;
  readonly optional: Opt;
  readonly defaultValue: number;
  readonly values: E;
  readonly doc: string;
}
export type FieldRow = NumberFieldRow | EnumFieldRow;
/** A result body's field: a command's kinds plus u32 words and u32 enums. */
export type ResultFieldRow = NumberFieldRow | EnumFieldRow<string, EnumValues, boolean, EnumKind>;

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

export function u32Word<const J extends string>(json: J): NumberFieldRow<J, typeof FieldKind.U32, false> {
  return numberField(json, FieldKind.U32, { optional: false });
}

export function enumU32<const J extends string, const E extends EnumValues>(json: J, values: E):
EnumFieldRow<J, E, false, typeof FieldKind.ENUM_U32> {
  return { json, kind: FieldKind.ENUM_U32, optional: false, defaultValue: 0, values, doc: '' };
}
