/**
 * Output (result) record ↔ ResponseJson. The HTTP/JSON gateway answers with readResultRecord, the replay
 * CLI prints with it; writeResultRecord builds records from typed results (tests, tools, encodeResponseJson).
 * These allocate; the gateway's binary path uses encodeResponse on the record directly.
 */
import { resultMessage, resultName } from '../result_codes.ts';
import { COMMAND_SPEC_BY_TYPE, LOGIN_UNION_TYPE, commandSpecByName } from '../spec/command_spec.ts';
import { enumName, enumValueOf } from '../spec/enum_spec.ts';
import { FieldKind } from '../spec/field_spec.ts';
import { RESULT_SPEC_BY_COMMAND, ResultListKind } from '../spec/result_spec.ts';
import type { FillJson, LevelJson, ResponseJson, ResultBodyJson } from '../types/response_json.ts';
import type { RecordBuffer } from './record_buffer.ts';
import { ResHeader, RES_MAX_RECORD_BYTES, DepthResult, MAX_LISTED_FILLS, OrderResult } from './result_descriptor.ts';
import { alignRecordBytes } from './record_buffer.ts';

/** The command name a result record answers (by its command type). */
export function commandNameOf(commandType: number): ResponseJson['command'] {
  if (commandType === 0) return 'none';
  if (commandType === LOGIN_UNION_TYPE) return 'login';
  const spec = COMMAND_SPEC_BY_TYPE[commandType];
  if (spec === undefined) throw new Error(`unknown command type ${commandType}`);
  return spec.name as ResponseJson['command'];
}

function commandTypeOf(name: ResponseJson['command']): number {
  if (name === 'none') return 0;
  if (name === 'login') return LOGIN_UNION_TYPE;
  const spec = commandSpecByName(name);
  if (spec === undefined) throw new Error(`unknown command "${name}"`);
  return spec.type;
}

/** Reads the result record at `base`. `message` is the code's message when code != 0. */
export function readResultRecord(record: RecordBuffer, base: number): ResponseJson {
  const lengthBytes = record.u32[(base + ResHeader.LENGTH) >>> 2];
  const commandType = record.u16[(base + ResHeader.COMMAND_TYPE) >>> 1];
  const code = record.u16[(base + ResHeader.CODE) >>> 1];
  const response: ResponseJson = {
    correlationId: record.f64[(base + ResHeader.CORRELATION_ID) >>> 3],
    sequence: record.f64[(base + ResHeader.INPUT_SEQUENCE) >>> 3],
    command: commandNameOf(commandType),
    code,
    status: resultName(code),
    flags: record.u32[(base + ResHeader.FLAGS) >>> 2],
    failedLegIndex: record.i32[(base + ResHeader.FAILED_LEG_INDEX) >>> 2],
  };
  if (code !== 0) response.message = resultMessage(code);
  const spec = RESULT_SPEC_BY_COMMAND[commandType];
  if (lengthBytes <= ResHeader.BYTES || spec === undefined) return response;
  const body: Record<string, unknown> = { type: spec.name };
  for (const field of spec.fields) {
    const at = base + field.recordOffset;
    let value: number;
    if (field.kind === FieldKind.U64) value = record.f64[at >>> 3];
    else if (field.kind === FieldKind.ENUM_U8) value = record.bytes[at];
    else value = record.u32[at >>> 2];
    body[field.json] = field.enumSpec !== null ? enumName(field.enumSpec, value) : value;
  }
  if (spec.list === ResultListKind.FILLS) {
    const room = Math.floor((lengthBytes - OrderResult.FIXED_BYTES) / OrderResult.FILL_BYTES);
    const listed = Math.max(0, Math.min(body.fillCount as number, MAX_LISTED_FILLS, room));
    const fills: FillJson[] = [];
    for (let i = 0, word = (base + OrderResult.FILLS) >>> 3; i < listed; i++, word += 3) {
      fills.push({ makerOrderId: record.f64[word], price: record.f64[word + 1], quantity: record.f64[word + 2] });
    }
    body.fills = fills;
  } else if (spec.list === ResultListKind.LEVELS) {
    const room = Math.max(0, Math.floor((lengthBytes - DepthResult.FIXED_BYTES) / DepthResult.LEVEL_BYTES));
    const bidCount = Math.min(record.u32[(base + DepthResult.BID_LEVELS_U32) >>> 2], room);
    const askCount = Math.min(record.u32[(base + DepthResult.ASK_LEVELS_U32) >>> 2], room - bidCount);
    const levels = (from: number, count: number): LevelJson[] => {
      const list: LevelJson[] = [];
      for (let i = 0, word = (base + DepthResult.LEVELS) / 8 + 2 * from; i < count; i++, word += 2) {
        list.push({ price: record.f64[word], quantity: record.f64[word + 1] });
      }
      return list;
    };
    body.bids = levels(0, bidCount);
    body.asks = levels(bidCount, askCount);
  }
  response.result = body as unknown as ResultBodyJson;
  return response;
}

/**
 * Writes `response` as a result record at `base` (sessionId/principalId as given). The body must be
 * the one the command's results carry (RESULT_SPEC_BY_COMMAND); throws otherwise, or when it does not
 * fit one record. Returns the record's bytes.
 */
export function writeResultRecord(response: ResponseJson, out: RecordBuffer, base: number, sessionId = 0,
  principalId = 0): number {
  const commandType = commandTypeOf(response.command);
  const body = response.result as unknown as Record<string, unknown> | undefined;
  const spec = RESULT_SPEC_BY_COMMAND[commandType];
  if (body !== undefined && (spec === undefined || spec.name !== body.type)) {
    throw new Error(`writeResultRecord: a ${response.command} result cannot carry a "${String(body.type)}" body`);
  }
  let lengthBytes = ResHeader.BYTES;
  if (body !== undefined && spec !== undefined) {
    lengthBytes = spec.fixedBytes;
    if (spec.list === ResultListKind.FILLS) lengthBytes += OrderResult.FILL_BYTES * (body.fills as FillJson[]).length;
    if (spec.list === ResultListKind.LEVELS) {
      lengthBytes += DepthResult.LEVEL_BYTES * ((body.bids as LevelJson[]).length + (body.asks as LevelJson[]).length);
    }
    lengthBytes = alignRecordBytes(lengthBytes);
  }
  if (lengthBytes > RES_MAX_RECORD_BYTES) throw new Error(`writeResultRecord: ${lengthBytes} bytes do not fit a record`);
  if ((base & 7) !== 0 || base + lengthBytes > out.bytes.length) {
    throw new RangeError(`writeResultRecord: base=${base} cannot hold ${lengthBytes} bytes`);
  }
  out.bytes.fill(0, base, base + lengthBytes);
  out.u32[(base + ResHeader.LENGTH) >>> 2] = lengthBytes;
  out.u16[(base + ResHeader.COMMAND_TYPE) >>> 1] = commandType;
  out.u16[(base + ResHeader.CODE) >>> 1] = response.code;
  out.f64[(base + ResHeader.INPUT_SEQUENCE) >>> 3] = response.sequence;
  out.u32[(base + ResHeader.SESSION_ID) >>> 2] = sessionId;
  out.u32[(base + ResHeader.PRINCIPAL_ID) >>> 2] = principalId;
  out.f64[(base + ResHeader.CORRELATION_ID) >>> 3] = response.correlationId;
  out.u32[(base + ResHeader.FLAGS) >>> 2] = response.flags;
  out.i32[(base + ResHeader.FAILED_LEG_INDEX) >>> 2] = response.failedLegIndex;
  if (body === undefined || spec === undefined) return lengthBytes;
  for (const field of spec.fields) {
    const at = base + field.recordOffset;
    const raw = body[field.json];
    const value = field.enumSpec !== null ? enumValueOf(field.enumSpec, raw as string) : (raw as number);
    if (field.kind === FieldKind.U64) out.f64[at >>> 3] = value;
    else if (field.kind === FieldKind.ENUM_U8) out.bytes[at] = value;
    else out.u32[at >>> 2] = value;
  }
  if (spec.list === ResultListKind.FILLS) {
    let word = (base + OrderResult.FILLS) >>> 3;
    for (const fill of body.fills as FillJson[]) {
      out.f64[word++] = fill.makerOrderId;
      out.f64[word++] = fill.price;
      out.f64[word++] = fill.quantity;
    }
  } else if (spec.list === ResultListKind.LEVELS) {
    const bids = body.bids as LevelJson[];
    const asks = body.asks as LevelJson[];
    out.u32[(base + DepthResult.BID_LEVELS_U32) >>> 2] = bids.length;
    out.u32[(base + DepthResult.ASK_LEVELS_U32) >>> 2] = asks.length;
    let word = (base + DepthResult.LEVELS) >>> 3;
    for (const level of [...bids, ...asks]) {
      out.f64[word++] = level.price;
      out.f64[word++] = level.quantity;
    }
  }
  return lengthBytes;
}
