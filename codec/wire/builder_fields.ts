/**
 * Builder helpers that write uint64 fields and structs from numbers, without the BigInt the generated
 * code needs for every 64-bit value (one allocation each). The bytes are the same as the generated
 * code's: a uint64 is written high word first because the Builder fills its buffer from the back.
 */
import type { Builder } from 'flatbuffers';

const TWO_POW_32 = 4294967296;

/** Writes a uint64 (a safe integer) at the builder's head; the caller has prepared alignment. */
export function writeU64(builder: Builder, value: number): void {
  builder.writeInt32(Math.floor(value / TWO_POW_32) | 0);
  builder.writeInt32(value >>> 0);
}

/** Adds uint64 field `index` of the table being built; omitted when equal to the default (as flatc does). */
export function addU64Field(builder: Builder, index: number, value: number, defaultValue: number): void {
  if (value === defaultValue) return;
  builder.prep(8, 0);
  writeU64(builder, value);
  builder.slot(index);
}

/** A vector of uint32 (seat numbers). */
export function createU32Vector(builder: Builder, values: ArrayLike<number>): number {
  builder.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) builder.addInt32(values[i] | 0);
  return builder.endVector();
}

/**
 * A vector of structs made only of uint64 fields (CheckoutLine, Fill, Level): `count` structs of
 * `fieldsPerStruct` fields; `fieldAt(i, f)` gives field f of struct i.
 */
export function createU64StructVector(
  builder: Builder, count: number, fieldsPerStruct: number, fieldAt: (i: number, f: number) => number,
): number {
  builder.startVector(8 * fieldsPerStruct, count, 8);
  for (let i = count - 1; i >= 0; i--) {
    builder.prep(8, 8 * fieldsPerStruct);
    for (let f = fieldsPerStruct - 1; f >= 0; f--) writeU64(builder, fieldAt(i, f));
  }
  return builder.endVector();
}
