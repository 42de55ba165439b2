/**
 * Client side: FlatBuffers `Response` bytes → ResponseJson, verified with the same bounds checks as
 * the gateway's verifier (a broken or hostile server cannot make the client misread). Throws an Error
 * naming the field when the bytes are not a valid Response; allocates the returned objects.
 */
import { resultName } from '../result_codes.ts';
import { COMMAND_SPEC_BY_TYPE, LOGIN_UNION_TYPE } from '../spec/command_spec.ts';
import { enumName } from '../spec/enum_spec.ts';
import { FieldKind, wireBytesOf } from '../spec/field_spec.ts';
import { RESULT_SPEC_BY_TAG, ResultListKind, type ResultSpec } from '../spec/result_spec.ts';
import type { ResponseJson, ResultBodyJson } from '../types/response_json.ts';
import { ResponseField, NO_FAILED_LEG } from './response_encoder.ts';
import { ABSENT, FAILED, TableView, WireReader } from './wire_reader.ts';

const reader = new WireReader();
const root = new TableView();
const body = new TableView();
const utf8 = new TextDecoder('utf-8', { fatal: true });

function check(value: number): number {
  if (value === FAILED && !reader.ok) throw new Error(`decodeResponse: ${reader.detail} (${resultName(reader.code)})`);
  return value;
}

function structList(view: TableView, index: number, fieldNames: readonly string[], detail: string):
Record<string, number>[] {
  const pos = check(reader.refField(view, index, detail));
  if (pos === ABSENT) return [];
  const count = check(reader.vectorLength(pos, 8 * fieldNames.length, 8, detail));
  const list: Record<string, number>[] = [];
  for (let i = 0, at = pos + 4; i < count; i++) {
    const entry: Record<string, number> = {};
    for (const name of fieldNames) {
      entry[name] = check(reader.u64(at, detail));
      at += 8;
    }
    list.push(entry);
  }
  return list;
}

function decodeBody(spec: ResultSpec): ResultBodyJson {
  const out: Record<string, unknown> = { type: spec.name };
  for (const field of spec.fields) {
    const bytes = wireBytesOf(field.kind);
    let value: number;
    if (field.kind === FieldKind.U64) value = check(reader.u64Field(body, field.index, 0, field.path));
    else if (bytes === 4) value = check(reader.u32Field(body, field.index, 0, field.path));
    else value = check(reader.u8Field(body, field.index, 0, field.path));
    out[field.json] = field.enumSpec !== null ? enumName(field.enumSpec, value) : value;
  }
  if (spec.list === ResultListKind.FILLS) {
    out.fills = structList(body, spec.fields.length, ['makerOrderId', 'price', 'quantity'], 'order.fills');
  } else if (spec.list === ResultListKind.LEVELS) {
    out.bids = structList(body, 0, ['price', 'quantity'], 'depth.bids');
    out.asks = structList(body, 1, ['price', 'quantity'], 'depth.asks');
  }
  return out as unknown as ResultBodyJson;
}

export function decodeResponse(bytes: Uint8Array): ResponseJson {
  reader.reset(bytes);
  if (!reader.openRoot(root, 'response')) check(FAILED);
  const correlationId = check(reader.u64Field(root, ResponseField.CORRELATION_ID, 0, 'response.correlationId'));
  const code = check(reader.u16Field(root, ResponseField.CODE, 0, 'response.code'));
  const sequence = check(reader.u64Field(root, ResponseField.SEQUENCE, 0, 'response.sequence'));
  const flags = check(reader.u32Field(root, ResponseField.FLAGS, 0, 'response.flags'));
  const failedLegIndex = reader.i32Field(root, ResponseField.FAILED_LEG_INDEX, NO_FAILED_LEG, 'response.failedLegIndex');
  check(reader.ok ? 0 : FAILED);
  const commandType = check(reader.u8Field(root, ResponseField.COMMAND_TYPE, 0, 'response.commandType'));
  const resultTag = check(reader.u8Field(root, ResponseField.RESULT_TYPE, 0, 'response.result'));
  const resultPos = check(reader.refField(root, ResponseField.RESULT, 'response.result'));
  const messagePos = check(reader.refField(root, ResponseField.MESSAGE, 'response.message'));

  const command = commandType === 0 ? 'none' : commandType === LOGIN_UNION_TYPE ? 'login'
    : COMMAND_SPEC_BY_TYPE[commandType]?.name;
  if (command === undefined) throw new Error(`decodeResponse: unknown command type ${commandType}`);
  const response: ResponseJson = {
    correlationId, sequence, command: command as ResponseJson['command'], code, status: resultName(code), flags,
    failedLegIndex,
  };
  if (messagePos !== ABSENT) {
    const length = check(reader.stringLength(messagePos, 'response.message'));
    try {
      response.message = utf8.decode(bytes.subarray(messagePos + 4, messagePos + 4 + length));
    } catch {
      throw new Error('decodeResponse: response.message is not UTF-8');
    }
  }
  if (resultTag !== 0 || resultPos !== ABSENT) {
    const spec = RESULT_SPEC_BY_TAG[resultTag];
    if (spec === undefined || resultPos === ABSENT) throw new Error(`decodeResponse: bad result union ${resultTag}`);
    if (!reader.openTable(resultPos, body, `response.result.${spec.name}`)) check(FAILED);
    response.result = decodeBody(spec);
  }
  return response;
}
