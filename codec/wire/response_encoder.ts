/**
 * Gateway side: a result record → FlatBuffers `Response` bytes, reusing one Builder, plus responses
 * for requests that never reached the engine (verification failures, busy, not authenticated).
 *
 *   const builder = new Builder(1024);                          // one per gateway thread
 *   socket.write(encodeResponse(outputRing, recordBase, builder));  // a view into the builder: send/copy first
 *   socket.write(encodeErrorResponse(builder, result.correlationId, code, result.message));
 *
 * uint64 fields are written from numbers (no BigInt); a message is set only when code != 0, from the
 * code's message (encoded to UTF-8 once per code) unless one is given.
 */
import type { Builder } from 'flatbuffers';
import { ResHeader, DepthResult, MAX_LISTED_FILLS, OrderResult } from '../records/result_descriptor.ts';
import type { RecordBuffer } from '../records/record_buffer.ts';
import { resultMessage } from '../result_codes.ts';
import { FieldKind } from '../spec/field_spec.ts';
import { RESULT_SPEC_BY_COMMAND, ResultListKind, type ResultSpec } from '../spec/result_spec.ts';
import { addU64Field, createU64StructVector } from './builder_fields.ts';

/** Response table field indexes (codec/ringline.fbs). */
export const ResponseField = {
  CORRELATION_ID: 0, CODE: 1, MESSAGE: 2, SEQUENCE: 3, FLAGS: 4, FAILED_LEG_INDEX: 5, COMMAND_TYPE: 6,
  RESULT_TYPE: 7, RESULT: 8, COUNT: 9,
} as const;
export const NO_FAILED_LEG = -1;

const encoder = new TextEncoder();
const messageBytes: (Uint8Array | undefined)[] = [];
/** The UTF-8 bytes of a result code's message, encoded once per code (shared with response_writer.ts). */
export function codeMessageBytes(code: number): Uint8Array {
  let bytes = messageBytes[code];
  if (bytes === undefined) {
    bytes = encoder.encode(resultMessage(code));
    messageBytes[code] = bytes;
  }
  return bytes;
}

// The struct-vector writer reads fields through one closure made at load, over these.
let structF64: Float64Array = new Float64Array(0);
let structWord = 0;
let structStrideWords = 0;
const structField = (i: number, f: number): number => structF64[structWord + i * structStrideWords + f];

function structVector(builder: Builder, record: RecordBuffer, at: number, count: number, fieldCount: number): number {
  structF64 = record.f64;
  structWord = at >>> 3;
  structStrideWords = fieldCount;
  return createU64StructVector(builder, count, fieldCount, structField);
}

function encodeBody(spec: ResultSpec, record: RecordBuffer, base: number, lengthBytes: number, builder: Builder): number {
  let listA = 0;
  let listB = 0;
  if (spec.list === ResultListKind.FILLS) {
    const fillCount = record.u32[(base + OrderResult.FILL_COUNT_U32) >>> 2];
    const room = Math.floor((lengthBytes - OrderResult.FIXED_BYTES) / OrderResult.FILL_BYTES);
    const listed = Math.max(0, Math.min(fillCount, MAX_LISTED_FILLS, room));
    listA = structVector(builder, record, base + OrderResult.FILLS, listed, OrderResult.FILL_BYTES / 8);
  } else if (spec.list === ResultListKind.LEVELS) {
    const room = Math.max(0, Math.floor((lengthBytes - DepthResult.FIXED_BYTES) / DepthResult.LEVEL_BYTES));
    const bids = Math.min(record.u32[(base + DepthResult.BID_LEVELS_U32) >>> 2], room);
    const asks = Math.min(record.u32[(base + DepthResult.ASK_LEVELS_U32) >>> 2], room - bids);
    const levelsAt = base + DepthResult.LEVELS;
    listA = structVector(builder, record, levelsAt, bids, DepthResult.LEVEL_BYTES / 8);
    listB = structVector(builder, record, levelsAt + bids * DepthResult.LEVEL_BYTES, asks, DepthResult.LEVEL_BYTES / 8);
  }
  const fields = spec.fields;
  builder.startObject(fields.length + (spec.list === ResultListKind.LEVELS ? 2 : spec.list === ResultListKind.FILLS ? 1 : 0));
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i];
    const at = base + field.recordOffset;
    switch (field.kind) {
      case FieldKind.U64: addU64Field(builder, field.index, record.f64[at >>> 3], 0); break;
      case FieldKind.U32: builder.addFieldInt32(field.index, record.u32[at >>> 2], 0); break;
      case FieldKind.ENUM_U8: builder.addFieldInt8(field.index, record.bytes[at], 0); break;
      case FieldKind.ENUM_U32: builder.addFieldInt8(field.index, record.u32[at >>> 2], 0); break;
      default: throw new Error(`encodeResponse: field kind ${field.kind} of ${field.path} is not a result field kind`);
    }
  }
  if (spec.list === ResultListKind.FILLS) builder.addFieldOffset(fields.length, listA, 0);
  if (spec.list === ResultListKind.LEVELS) {
    builder.addFieldOffset(0, listA, 0);
    builder.addFieldOffset(1, listB, 0);
  }
  return builder.endObject();
}

/**
 * Encodes the result record at `base` as a Response. `message` overrides the code's message (used for
 * detailed gateway errors); it is written only when the code is not 0.
 */
export function encodeResponse(record: RecordBuffer, base: number, builder: Builder, message: string | null = null):
Uint8Array {
  builder.clear();
  const lengthBytes = record.u32[(base + ResHeader.LENGTH) >>> 2];
  const commandType = record.u16[(base + ResHeader.COMMAND_TYPE) >>> 1];
  const code = record.u16[(base + ResHeader.CODE) >>> 1];
  let resultOffset = 0;
  let resultTag = 0;
  if (lengthBytes > ResHeader.BYTES) {
    const spec = RESULT_SPEC_BY_COMMAND[commandType];
    if (spec !== undefined) {
      resultOffset = encodeBody(spec, record, base, lengthBytes, builder);
      resultTag = spec.tag;
    }
  }
  const messageOffset = code === 0 ? 0 : builder.createString(message ?? codeMessageBytes(code));
  return finishResponse(builder, record.f64[(base + ResHeader.CORRELATION_ID) >>> 3], code, messageOffset,
    record.f64[(base + ResHeader.INPUT_SEQUENCE) >>> 3], record.u32[(base + ResHeader.FLAGS) >>> 2],
    record.i32[(base + ResHeader.FAILED_LEG_INDEX) >>> 2], commandType, resultTag, resultOffset);
}

/**
 * A response for a request that never reached the engine (sequence 0, no result body).
 * `commandType` is the request's union type when it was read (0 otherwise).
 */
export function encodeErrorResponse(builder: Builder, correlationId: number, code: number, message: string | null = null,
  commandType = 0): Uint8Array {
  builder.clear();
  const messageOffset = code === 0 ? 0 : builder.createString(message ?? codeMessageBytes(code));
  return finishResponse(builder, correlationId, code, messageOffset, 0, 0, NO_FAILED_LEG, commandType, 0, 0);
}

function finishResponse(builder: Builder, correlationId: number, code: number, messageOffset: number, sequence: number,
  flags: number, failedLegIndex: number, commandType: number, resultTag: number, resultOffset: number): Uint8Array {
  builder.startObject(ResponseField.COUNT);
  addU64Field(builder, ResponseField.CORRELATION_ID, correlationId, 0);
  addU64Field(builder, ResponseField.SEQUENCE, sequence, 0);
  builder.addFieldOffset(ResponseField.MESSAGE, messageOffset, 0);
  builder.addFieldOffset(ResponseField.RESULT, resultOffset, 0);
  builder.addFieldInt32(ResponseField.FLAGS, flags, 0);
  builder.addFieldInt32(ResponseField.FAILED_LEG_INDEX, failedLegIndex, NO_FAILED_LEG);
  builder.addFieldInt16(ResponseField.CODE, code, 0);
  builder.addFieldInt8(ResponseField.COMMAND_TYPE, commandType, 0);
  builder.addFieldInt8(ResponseField.RESULT_TYPE, resultTag, 0);
  builder.finish(builder.endObject());
  return builder.asUint8Array();
}
