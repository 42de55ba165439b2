/**
 * The gateway's fast path for replies: writes a result record as a FlatBuffers `Response` straight into
 * the caller's buffer (e.g. the connection's outgoing batch, after its length prefix), front to back,
 * without a Builder: no allocation, no BigInt. The bytes differ from the Builder's (another valid layout,
 * every field written) but every FlatBuffers reader reads the same values (tested against decodeResponse and
 * the Builder path).
 *
 *   const written = writeResponse(outputRing, recordBase, out, outPos);   // bytes written at out[outPos…]
 *
 * Layout of one message (offsets from its start; all padding zeroed, so no stale bytes leak):
 *    0  u32 root offset = 28
 *    4  Response vtable: 22 bytes (9 fields), 2 bytes padding
 *   28  Response table (40 bytes): soffset, correlation_id@+4, sequence@+12, flags@+20, failed_leg_index@+24,
 *       message@+28, result@+32, code@+36, command_type@+38, result_type@+39
 *   68  result body: its vtable, its table (starting at 4 mod 8 so uint64 fields are 8-aligned), its vectors
 *  ...  message string (when code != 0)
 */
import { ResHeader, DepthResult, MAX_LISTED_FILLS, OrderResult } from '../records/result_descriptor.ts';
import { createRecordBuffer, type RecordBuffer } from '../records/record_buffer.ts';
import { FieldKind } from '../spec/field_spec.ts';
import { RESULT_SPECS, RESULT_SPEC_BY_COMMAND, ResultListKind, type ResultSpec } from '../spec/result_spec.ts';
import { ResponseField, codeMessageBytes } from './response_encoder.ts';

/** Room writeResponse needs at outPos: the largest response (a full record + the longest code message). */
export const MAX_RESPONSE_BYTES = 1024;

const ROOT_TABLE = 28;
const VTABLE = 4;
const TABLE_BYTES = 40;
const HEAD_BYTES = ROOT_TABLE + TABLE_BYTES;
/** Table offsets of the Response fields, by field index. */
const RESPONSE_SLOTS = [4, 36, 28, 12, 20, 24, 38, 39, 32];
const TWO_POW_32 = 4294967296;

function w16(b: Uint8Array, p: number, v: number): void {
  b[p] = v;
  b[p + 1] = v >>> 8;
}
function w32(b: Uint8Array, p: number, v: number): void {
  b[p] = v;
  b[p + 1] = v >>> 8;
  b[p + 2] = v >>> 16;
  b[p + 3] = v >>> 24;
}
function w64(b: Uint8Array, p: number, v: number): void {
  w32(b, p, v >>> 0);
  w32(b, p + 4, Math.floor(v / TWO_POW_32));
}

/** Where each field of a result body sits in its table, computed once per body. */
interface BodyLayout {
  readonly vtableBytes: number;
  readonly tableBytes: number;
  /** Table offset of each scalar field, in spec.fields order. */
  readonly fieldOffsets: readonly number[];
  /** Table offset of each list reference (fills; or bids, asks). */
  readonly listOffsets: readonly number[];
  /** Vtable entries by wire field index. */
  readonly vtable: readonly number[];
}

function layoutOf(spec: ResultSpec): BodyLayout {
  const listCount = spec.list === ResultListKind.FILLS ? 1 : spec.list === ResultListKind.LEVELS ? 2 : 0;
  const fieldOffsets = new Array<number>(spec.fields.length).fill(0);
  const listOffsets: number[] = [];
  let at = 4;
  spec.fields.forEach((field, i) => { if (field.kind === FieldKind.U64) { fieldOffsets[i] = at; at += 8; } });
  spec.fields.forEach((field, i) => { if (field.kind === FieldKind.U32) { fieldOffsets[i] = at; at += 4; } });
  for (let i = 0; i < listCount; i++) { listOffsets.push(at); at += 4; }
  spec.fields.forEach((field, i) => {
    if (field.kind === FieldKind.ENUM_U8 || field.kind === FieldKind.ENUM_U32) { fieldOffsets[i] = at; at += 1; }
  });
  const vtable = new Array<number>(spec.fields.length + listCount).fill(0);
  spec.fields.forEach((field, i) => { vtable[field.index] = fieldOffsets[i]; });
  const firstListIndex = spec.list === ResultListKind.FILLS ? spec.fields.length : 0;
  listOffsets.forEach((offset, i) => { vtable[firstListIndex + i] = offset; });
  return { vtableBytes: 4 + 2 * vtable.length, tableBytes: (at + 3) & ~3, fieldOffsets, listOffsets, vtable };
}
/** Layouts by result union tag. */
const LAYOUTS: readonly (BodyLayout | undefined)[] = (() => {
  const byTag = new Array<BodyLayout | undefined>(256).fill(undefined);
  for (const spec of RESULT_SPECS) byTag[spec.tag] = layoutOf(spec);
  return byTag;
})();

/** Zeroes out[from, to). */
function zero(out: Uint8Array, from: number, to: number): void {
  for (let p = from; p < to; p++) out[p] = 0;
}

/** The first position >= at that is 4 mod 8 from the message start `o` (a table or a vector of uint64 structs). */
function fourMod8(o: number, at: number): number {
  return o + ((at - o + 3) & ~7) + 4;
}

/**
 * Writes a vector of `count` structs of `words` uint64 each from record words at `word`, its elements
 * 8-aligned after the 4-byte length; returns the end.
 */
function structVector(out: Uint8Array, o: number, at: number, f64: Float64Array, word: number, count: number,
  words: number): number {
  const start = fourMod8(o, at);
  zero(out, at, start);
  w32(out, start, count);
  let p = start + 4;
  for (let i = 0, n = count * words; i < n; i++, p += 8) w64(out, p, f64[word + i]);
  return p;
}

/**
 * Writes the result record at `base` as a Response at out[outPos…] (outPos relative to the frame the
 * client reads: the message must start its own buffer). Returns the bytes written (a multiple of 4).
 * Throws RangeError when out has fewer than MAX_RESPONSE_BYTES from outPos (a programming error).
 */
export function writeResponse(record: RecordBuffer, base: number, out: Uint8Array, outPos: number): number {
  if (outPos < 0 || outPos + MAX_RESPONSE_BYTES > out.length) {
    throw new RangeError(`writeResponse: outPos=${outPos} needs ${MAX_RESPONSE_BYTES} bytes in a buffer of ${out.length}`);
  }
  const f64 = record.f64;
  const u32 = record.u32;
  const lengthBytes = u32[(base + ResHeader.LENGTH) >>> 2];
  const commandType = record.u16[(base + ResHeader.COMMAND_TYPE) >>> 1];
  const code = record.u16[(base + ResHeader.CODE) >>> 1];
  const spec = lengthBytes > ResHeader.BYTES ? RESULT_SPEC_BY_COMMAND[commandType] : undefined;
  const o = outPos;

  zero(out, o, o + HEAD_BYTES);
  w32(out, o, ROOT_TABLE);
  w16(out, o + VTABLE, 4 + 2 * ResponseField.COUNT);
  w16(out, o + VTABLE + 2, TABLE_BYTES);
  for (let i = 0; i < ResponseField.COUNT; i++) w16(out, o + VTABLE + 4 + 2 * i, RESPONSE_SLOTS[i]);
  const t = o + ROOT_TABLE;
  w32(out, t, ROOT_TABLE - VTABLE);
  w64(out, t + RESPONSE_SLOTS[ResponseField.CORRELATION_ID], f64[(base + ResHeader.CORRELATION_ID) >>> 3]);
  w64(out, t + RESPONSE_SLOTS[ResponseField.SEQUENCE], f64[(base + ResHeader.INPUT_SEQUENCE) >>> 3]);
  w32(out, t + RESPONSE_SLOTS[ResponseField.FLAGS], u32[(base + ResHeader.FLAGS) >>> 2]);
  w32(out, t + RESPONSE_SLOTS[ResponseField.FAILED_LEG_INDEX], record.i32[(base + ResHeader.FAILED_LEG_INDEX) >>> 2]);
  w16(out, t + RESPONSE_SLOTS[ResponseField.CODE], code);
  out[t + RESPONSE_SLOTS[ResponseField.COMMAND_TYPE]] = commandType;
  let at = o + HEAD_BYTES;

  if (spec === undefined) {
    w16(out, o + VTABLE + 4 + 2 * ResponseField.RESULT, 0);
  } else {
    const layout = LAYOUTS[spec.tag]!;
    out[t + RESPONSE_SLOTS[ResponseField.RESULT_TYPE]] = spec.tag;
    const vtable = at;
    w16(out, vtable, layout.vtableBytes);
    w16(out, vtable + 2, layout.tableBytes);
    for (let i = 0; i < layout.vtable.length; i++) w16(out, vtable + 4 + 2 * i, layout.vtable[i]);
    at = vtable + layout.vtableBytes;
    const table = fourMod8(o, at);
    zero(out, at, table + layout.tableBytes);
    w32(out, table, table - vtable);
    const resultRef = t + RESPONSE_SLOTS[ResponseField.RESULT];
    w32(out, resultRef, table - resultRef);
    const fields = spec.fields;
    for (let i = 0; i < fields.length; i++) {
      const field = fields[i];
      const p = table + layout.fieldOffsets[i];
      const from = base + field.recordOffset;
      switch (field.kind) {
        case FieldKind.U64: w64(out, p, f64[from >>> 3]); break;
        case FieldKind.U32: w32(out, p, u32[from >>> 2]); break;
        case FieldKind.ENUM_U8: out[p] = record.bytes[from]; break;
        default: out[p] = u32[from >>> 2]; break;
      }
    }
    at = table + layout.tableBytes;
    if (spec.list === ResultListKind.FILLS) {
      const fillCount = u32[(base + OrderResult.FILL_COUNT_U32) >>> 2];
      const room = Math.floor((lengthBytes - OrderResult.FIXED_BYTES) / OrderResult.FILL_BYTES);
      const listed = Math.max(0, Math.min(fillCount, MAX_LISTED_FILLS, room));
      const ref = table + layout.listOffsets[0];
      const end = structVector(out, o, at, f64, (base + OrderResult.FILLS) >>> 3, listed, 3);
      w32(out, ref, end - 4 - 24 * listed - ref);
      at = end;
    } else if (spec.list === ResultListKind.LEVELS) {
      const room = Math.max(0, Math.floor((lengthBytes - DepthResult.FIXED_BYTES) / DepthResult.LEVEL_BYTES));
      const bids = Math.min(u32[(base + DepthResult.BID_LEVELS_U32) >>> 2], room);
      const asks = Math.min(u32[(base + DepthResult.ASK_LEVELS_U32) >>> 2], room - bids);
      const word = (base + DepthResult.LEVELS) >>> 3;
      for (let side = 0; side < 2; side++) {
        const count = side === 0 ? bids : asks;
        const ref = table + layout.listOffsets[side];
        const end = structVector(out, o, at, f64, word + (side === 0 ? 0 : 2 * bids), count, 2);
        w32(out, ref, end - 4 - 16 * count - ref);
        at = end;
      }
    }
  }

  if (code === 0) {
    w16(out, o + VTABLE + 4 + 2 * ResponseField.MESSAGE, 0);
  } else {
    const message = codeMessageBytes(code);
    const start = o + ((at - o + 3) & ~3);
    zero(out, at, start);
    const ref = t + RESPONSE_SLOTS[ResponseField.MESSAGE];
    w32(out, ref, start - ref);
    w32(out, start, message.length);
    out.set(message, start + 4);
    at = start + 4 + message.length;
    out[at++] = 0;
  }
  const end = o + ((at - o + 3) & ~3);
  zero(out, at, end);
  return end - o;
}

const errorRecord = createRecordBuffer(new ArrayBuffer(ResHeader.BYTES));

/**
 * writeResponse for a request that never reached the engine (busy, verification failed, not logged in):
 * sequence 0, no result, the code's own message. Allocation-free, for answering floods cheaply; use
 * encodeErrorResponse to send a detailed message instead.
 */
export function writeErrorResponse(out: Uint8Array, outPos: number, correlationId: number, code: number,
  commandType = 0): number {
  errorRecord.bytes.fill(0);
  errorRecord.u32[ResHeader.LENGTH >>> 2] = ResHeader.BYTES;
  errorRecord.u16[ResHeader.COMMAND_TYPE >>> 1] = commandType;
  errorRecord.u16[ResHeader.CODE >>> 1] = code;
  errorRecord.f64[ResHeader.CORRELATION_ID >>> 3] = correlationId;
  errorRecord.i32[ResHeader.FAILED_LEG_INDEX >>> 2] = -1;
  return writeResponse(errorRecord, 0, out, outPos);
}
