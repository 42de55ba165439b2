/**
 * One scalar field of a wire table mapped to its place in an internal record. The verifier,
 * the encoders, the record readers/writers and the JSON mapping are all driven by these tables,
 * so a field is described once (codec/spec/command_spec.ts, codec/spec/result_spec.ts).
 */
import type { EnumValues } from '../registry/enum_values.ts';
import { enumSpecOf, type EnumSpec } from './enum_spec.ts';

export const FieldKind = {
  /** uint64 on the wire, a float64 holding a safe integer in the record. */
  U64: 1,
  /** uint32 on the wire, a float64 in the record (seat numbers, counts). */
  U32_AS_F64: 2,
  /** uint32 on the wire and in the record. */
  U32: 3,
  /** ubyte enum on the wire; u8 in the record (commands) or u32 (result order status). */
  ENUM_U8: 4,
  ENUM_U32: 5,
} as const;
export type FieldKind = (typeof FieldKind)[keyof typeof FieldKind];

export interface FieldSpec {
  /** JSON name (camelCase). */
  readonly json: string;
  /** Field index in its wire table (vtable slot = 4 + 2 × index). */
  readonly index: number;
  readonly kind: FieldKind;
  /** Byte offset in the record. */
  readonly recordOffset: number;
  /** The schema default: the value of an absent field. */
  readonly defaultValue: number;
  /** JSON may leave it out (then it takes the default). */
  readonly optional: boolean;
  readonly enumSpec: EnumSpec | null;
  /** "transfer.amount": names the field in error messages without building a string. */
  readonly path: string;
}

/** Wire bytes of a field of this kind. */
export function wireBytesOf(kind: FieldKind): number {
  return kind === FieldKind.U64 ? 8 : kind === FieldKind.ENUM_U8 || kind === FieldKind.ENUM_U32 ? 1 : 4;
}

export interface FieldOptions {
  readonly optional?: boolean;
  readonly defaultValue?: number;
  readonly enumSpec?: EnumSpec;
}

/** Builds the field list of one table: fields take wire indexes in the order given. */
export function fields(
  owner: string,
  list: ReadonlyArray<readonly [json: string, kind: FieldKind, recordOffset: number, options?: FieldOptions]>,
): readonly FieldSpec[] {
  return list.map(([json, kind, recordOffset, options], index) => ({
    json,
    index,
    kind,
    recordOffset,
    defaultValue: options?.defaultValue ?? 0,
    optional: options?.optional ?? false,
    enumSpec: options?.enumSpec ?? null,
    path: `${owner}.${json}`,
  }));
}

/** A registry row's field (codec/registry/field_builders.ts), as far as a FieldSpec needs it. */
export interface RowField {
  readonly json: string;
  readonly kind: FieldKind;
  readonly optional: boolean;
  readonly defaultValue: number;
  readonly values: EnumValues | null;
}

/** The field specs of a registry row's fields at the record offsets its layout computed. */
export function fieldsOfRow(owner: string, rowFields: readonly RowField[], recordOffsets: readonly number[]): readonly FieldSpec[] {
  return fields(owner, rowFields.map((field, i) => [field.json, field.kind, recordOffsets[i], {
    optional: field.optional, defaultValue: field.defaultValue,
    ...(field.values === null ? {} : { enumSpec: enumSpecOf(field.json, field.values) }),
  }] as const));
}

/** A 256-entry table of specs by their union member number (undefined where there is none). */
export function tableByNumber<S>(specs: readonly S[], numberOf: (spec: S) => number): ReadonlyArray<S | undefined> {
  const table = new Array<S | undefined>(256).fill(undefined);
  for (const spec of specs) table[numberOf(spec)] = spec;
  return table;
}
