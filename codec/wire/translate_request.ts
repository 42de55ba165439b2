/**
 * The gateway's one pass over an untrusted client frame: verify the FlatBuffers `Request` completely
 * and write the positional input record at the same time.
 *
 *   const result = new TranslateResult();                 // once
 *   const code = translateRequest(frame, ring, slotBase, result);
 *   if (code !== ResultCode.OK) reply(encodeErrorResponse(builder, result.correlationId, code, result.message));
 *   else if (result.isLogin) authenticate(result.apiKey);
 *   else { stamp sequence / timestampUs / sessionId / principalId (+ CMD_FLAG_ADMIN); publish result.recordBytes }
 *
 * The record's header is written with lengthBytes, commandType, flags (CMD_FLAG_READ_ONLY for queries),
 * correlationId and idempotencyId; sequence, timestampUs, sessionId and principalId are written as 0 for
 * the caller to stamp. Unused bytes (padding, tails) are zeroed, so equal commands give equal records.
 * On failure the bytes at outBase..outBase+CMD_MAX_RECORD_BYTES may have been written but hold no valid
 * record. Never throws for any input bytes; throws RangeError only when `out`/`outBase` cannot hold a
 * record of CMD_MAX_RECORD_BYTES (a programming error). Allocates nothing except for a Login's key.
 */
import {
  CmdHeader, CMD_FLAG_READ_ONLY, CMD_MAX_RECORD_BYTES, Checkout, MAX_SEATS_PER_COMMAND, SeatList,
  checkoutRecordBytes, seatListRecordBytes,
} from '../records/command_descriptor.ts';
import type { RecordBuffer } from '../records/record_buffer.ts';
import { ResultCode } from '../result_codes.ts';
import { COMMAND_SPEC_BY_TYPE, LOGIN_UNION_TYPE, ListKind, type CommandSpec } from '../spec/command_spec.ts';
import { isEnumValue } from '../spec/enum_spec.ts';
import { FieldKind } from '../spec/field_spec.ts';
import type { TranslateResult } from './translate_result.ts';
import { ABSENT, FAILED, TableView, WireReader } from './wire_reader.ts';

/** Largest request frame accepted (a full checkout is ~600 bytes; the rest is headroom). */
export const MAX_REQUEST_BYTES = 4096;

/** Request table field indexes (codec/ringline.fbs). */
export const RequestField = { CORRELATION_ID: 0, IDEMPOTENCY_ID: 1, COMMAND_TYPE: 2, COMMAND: 3 } as const;

const reader = new WireReader();
const requestView = new TableView();
const commandView = new TableView();
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function translateRequest(bytes: Uint8Array, out: RecordBuffer, outBase: number, result: TranslateResult):
ResultCode {
  result.reset();
  if ((outBase & 7) !== 0 || outBase < 0 || outBase + CMD_MAX_RECORD_BYTES > out.bytes.length) {
    throw new RangeError(`translateRequest: outBase=${outBase} must be 8-aligned with ${CMD_MAX_RECORD_BYTES} bytes ` +
      `free in a buffer of ${out.bytes.length}`);
  }
  if (bytes.length > MAX_REQUEST_BYTES) return result.fail(ResultCode.FRAME_TOO_LARGE, 'request');
  reader.reset(bytes);
  if (!reader.openRoot(requestView, 'request')) return failed(result);

  const f64 = out.f64;
  const correlationWord = (outBase + CmdHeader.CORRELATION_ID) >>> 3;
  if (!reader.copyU64Field(requestView, RequestField.CORRELATION_ID, 0, 'request.correlationId', f64, correlationWord)) {
    return failed(result);
  }
  result.correlationId = f64[correlationWord];
  const idempotencyWord = (outBase + CmdHeader.IDEMPOTENCY_ID) >>> 3;
  reader.copyU64Field(requestView, RequestField.IDEMPOTENCY_ID, 0, 'request.idempotencyId', f64, idempotencyWord);
  const type = reader.u8Field(requestView, RequestField.COMMAND_TYPE, 0, 'request.command');
  const commandPos = reader.refField(requestView, RequestField.COMMAND, 'request.command');
  if (!reader.ok) return failed(result);
  if (type === 0 || commandPos === ABSENT) return result.fail(ResultCode.MISSING_FIELD, 'request.command');
  if (!reader.openTable(commandPos, commandView, 'request.command')) return failed(result);
  if (type === LOGIN_UNION_TYPE) return translateLogin(result);

  const spec = COMMAND_SPEC_BY_TYPE[type];
  if (spec === undefined) return result.fail(ResultCode.UNKNOWN_COMMAND, 'request.command');
  result.commandType = type; // known from here on, also when the body fails (the error response echoes it)
  // The ids were read into the header words before the body is zeroed: keep them across the fill.
  const correlationId = f64[correlationWord];
  const idempotencyId = f64[idempotencyWord];
  const recordBytes = writeCommand(spec, out, outBase);
  if (recordBytes === FAILED) return failed(result);

  const u32 = out.u32;
  u32[(outBase + CmdHeader.LENGTH) >>> 2] = recordBytes;
  const u16 = out.u16;
  u16[(outBase + CmdHeader.TYPE) >>> 1] = type;
  u16[(outBase + CmdHeader.FLAGS) >>> 1] = spec.readOnly ? CMD_FLAG_READ_ONLY : 0;
  f64[correlationWord] = correlationId;
  f64[idempotencyWord] = idempotencyId;
  result.recordBytes = recordBytes;
  return ResultCode.OK;
}

function failed(result: TranslateResult): ResultCode {
  return result.fail(reader.code, reader.detail);
}

function translateLogin(result: TranslateResult): ResultCode {
  const keyPos = reader.refField(commandView, 0, 'login.apiKey');
  if (keyPos === FAILED) return failed(result);
  if (keyPos === ABSENT) return result.fail(ResultCode.MISSING_FIELD, 'login.apiKey');
  const keyBytes = reader.stringLength(keyPos, 'login.apiKey');
  if (keyBytes === FAILED) return failed(result);
  try {
    result.apiKey = utf8.decode(reader.bytes.subarray(keyPos + 4, keyPos + 4 + keyBytes));
  } catch {
    return result.fail(ResultCode.VERIFY_FAILED, 'login.apiKey is not UTF-8');
  }
  const cancelOnDisconnect = reader.u8Field(commandView, 1, 0, 'login.cancelOnDisconnect');
  if (cancelOnDisconnect === FAILED) return failed(result);
  if (cancelOnDisconnect > 1) return result.fail(ResultCode.INVALID_FIELD_VALUE, 'login.cancelOnDisconnect');
  result.cancelOnDisconnect = cancelOnDisconnect === 1;
  result.isLogin = true;
  return ResultCode.OK;
}

/** Verifies the command table in commandView and writes the record body; returns its bytes or FAILED. */
function writeCommand(spec: CommandSpec, out: RecordBuffer, base: number): number {
  let recordBytes = spec.fixedBytes;
  // Lists first: they decide the record size, which must fit before anything is written.
  let linesPos = 0;
  let lineCount = 0;
  let seatsPos = 0;
  let seatCount = 0;
  if (spec.list === ListKind.SEATS) {
    seatsPos = listPos(2, 4, 4, spec.seatsPath);
    if (seatsPos === FAILED) return FAILED;
    seatCount = seatsPos === ABSENT ? 0 : reader.u32(seatsPos);
    if (seatCount > MAX_SEATS_PER_COMMAND) {
      return reader.fail(ResultCode.RECORD_TOO_LARGE, spec.seatsPath);
    }
    recordBytes = seatListRecordBytes(seatCount);
  } else if (spec.list === ListKind.CHECKOUT) {
    linesPos = listPos(2, Checkout.LINE_BYTES, 8, 'checkout.lines');
    seatsPos = listPos(3, 4, 4, 'checkout.seats');
    if (linesPos === FAILED || seatsPos === FAILED) return FAILED;
    lineCount = linesPos === ABSENT ? 0 : reader.u32(linesPos);
    seatCount = seatsPos === ABSENT ? 0 : reader.u32(seatsPos);
    recordBytes = checkoutRecordBytes(lineCount, seatCount);
    if (recordBytes > CMD_MAX_RECORD_BYTES) return reader.fail(ResultCode.RECORD_TOO_LARGE, 'checkout.lines+seats');
  }
  const f64 = out.f64;
  // Zero the record (padding and tails included) so equal commands give equal bytes; a loop over a few
  // words is cheaper than a native fill call at these sizes.
  for (let word = base >>> 3, end = (base + recordBytes) >>> 3; word < end; word++) f64[word] = 0;

  const fields = spec.fields;
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i];
    const at = base + field.recordOffset;
    switch (field.kind) {
      case FieldKind.U64:
        if (!reader.copyU64Field(commandView, field.index, field.defaultValue, field.path, f64, at >>> 3)) return FAILED;
        break;
      case FieldKind.U32_AS_F64:
        if (!reader.copyU32FieldToF64(commandView, field.index, field.defaultValue, field.path, f64, at >>> 3)) return FAILED;
        break;
      case FieldKind.ENUM_U8: {
        const value = reader.u8Field(commandView, field.index, field.defaultValue, field.path);
        if (value === FAILED) return FAILED;
        if (field.enumSpec !== null && !isEnumValue(field.enumSpec, value)) {
          return reader.fail(ResultCode.INVALID_FIELD_VALUE, field.path);
        }
        out.bytes[at] = value;
        break;
      }
      default:
        throw new Error(`translateRequest: field kind ${field.kind} of ${field.path} is not a command field kind`);
    }
  }

  if (spec.list === ListKind.SEATS) {
    out.u32[(base + SeatList.SEAT_COUNT_U32) >>> 2] = seatCount;
    copySeats(seatsPos, seatCount, out, base + SeatList.SEATS_U32);
  } else if (spec.list === ListKind.CHECKOUT) {
    const u32 = out.u32;
    u32[(base + Checkout.LINE_COUNT_U32) >>> 2] = lineCount;
    u32[(base + Checkout.SEAT_COUNT_U32) >>> 2] = seatCount;
    let at = base + Checkout.LINES;
    for (let i = 0, pos = linesPos + 4; i < lineCount; i++, pos += Checkout.LINE_BYTES, at += Checkout.LINE_BYTES) {
      if (!reader.copyU64(pos, f64, (at + Checkout.LINE_ITEM_ID) >>> 3, 'checkout.lines.itemId') ||
          !reader.copyU64(pos + 8, f64, (at + Checkout.LINE_QUANTITY) >>> 3, 'checkout.lines.quantity')) return FAILED;
    }
    copySeats(seatsPos, seatCount, out, at);
  }
  return recordBytes;
}

/** Position of a vector field (validated, lengths inside the buffer), ABSENT or FAILED. */
function listPos(index: number, elementBytes: number, elementAlign: number, detail: string): number {
  const pos = reader.refField(commandView, index, detail);
  if (pos === ABSENT || pos === FAILED) return pos;
  return reader.vectorLength(pos, elementBytes, elementAlign, detail) === FAILED ? FAILED : pos;
}

function copySeats(vectorPos: number, count: number, out: RecordBuffer, at: number): void {
  if (count > 0) reader.copyU32s(vectorPos + 4, count, out.u32, at >>> 2);
}
