/**
 * Checks a parsed JSON value (or a client's typed object) against the command specs and returns the
 * command in full form: every field present, optional ones at their defaults, correlationId and
 * idempotencyId included. Rejections: not an object (MALFORMED_JSON), no/unknown `type` (MISSING_FIELD /
 * UNKNOWN_COMMAND), unknown fields, non-integers and bad enum names (INVALID_FIELD_VALUE), integers below 0
 * or above 2^53 - 1 (2^32 - 1 for seats and counts) (INTEGER_OUT_OF_RANGE), missing required fields
 * (MISSING_FIELD). Record size limits are checked when the record is written.
 */
import { ResultCode } from '../result_codes.ts';
import { commandSpecByName, ListKind, type CommandSpec } from '../spec/command_spec.ts';
import { enumValueOf } from '../spec/enum_spec.ts';
import { FieldKind, type FieldSpec } from '../spec/field_spec.ts';
import type { CommandJson, RequestJson } from '../types/command_json.ts';
import type { TranslateResult } from '../wire/translate_result.ts';

const MAX_U32 = 0xffffffff;
type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A checked integer in [0, max], or -1 with the failure recorded. */
function integer(value: unknown, max: number, path: string, result: TranslateResult): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    result.fail(ResultCode.INVALID_FIELD_VALUE, `${path} must be an integer`);
    return -1;
  }
  if (value < 0 || value > max) {
    result.fail(ResultCode.INTEGER_OUT_OF_RANGE, `${path} must be between 0 and ${max}`);
    return -1;
  }
  return value === 0 ? 0 : value; // -0 → 0
}

function checkKeys(object: JsonObject, allowed: ReadonlySet<string>, owner: string, result: TranslateResult): boolean {
  // for-in over own keys: the same keys as Object.keys, without an array per request.
  for (const key in object) {
    if (!allowed.has(key) && Object.hasOwn(object, key)) {
      result.fail(ResultCode.INVALID_FIELD_VALUE, `unknown field "${key}" in ${owner}`);
      return false;
    }
  }
  return true;
}

const ALLOWED_KEYS = new Map<CommandSpec, ReadonlySet<string>>();
function allowedKeys(spec: CommandSpec): ReadonlySet<string> {
  let keys = ALLOWED_KEYS.get(spec);
  if (keys === undefined) {
    const names = ['type', 'correlationId', 'idempotencyId', ...spec.fields.map((f) => f.json)];
    if (spec.list === ListKind.SEATS) names.push('seats');
    if (spec.list === ListKind.CHECKOUT) names.push('lines', 'seats');
    keys = new Set(names);
    ALLOWED_KEYS.set(spec, keys);
  }
  return keys;
}
const LOGIN_KEYS: ReadonlySet<string> = new Set(['type', 'apiKey', 'correlationId', 'cancelOnDisconnect']);
const LINE_KEYS: ReadonlySet<string> = new Set(['itemId', 'quantity']);

function field(spec: FieldSpec, value: unknown, result: TranslateResult): number | string | null {
  if (value === undefined) {
    if (!spec.optional) {
      result.fail(ResultCode.MISSING_FIELD, spec.path);
      return null;
    }
    return spec.enumSpec !== null ? spec.enumSpec.names[spec.defaultValue] : spec.defaultValue;
  }
  if (spec.enumSpec !== null) {
    const names = spec.enumSpec.names;
    if (typeof value !== 'string' || enumValueOf(spec.enumSpec, value) < 0) {
      result.fail(ResultCode.INVALID_FIELD_VALUE,
        `${spec.path} must be one of ${names.filter((n) => n !== '').map((n) => `"${n}"`).join(', ')}`);
      return null;
    }
    return value;
  }
  const max = spec.kind === FieldKind.U64 ? Number.MAX_SAFE_INTEGER : MAX_U32;
  const checked = integer(value, max, spec.path, result);
  return checked < 0 ? null : checked;
}

function seats(value: unknown, path: string, result: TranslateResult): number[] | null {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    result.fail(ResultCode.INVALID_FIELD_VALUE, `${path} must be an array of seat numbers`);
    return null;
  }
  const list: number[] = [];
  for (const seat of value) {
    const checked = integer(seat, MAX_U32, path, result);
    if (checked < 0) return null;
    list.push(checked);
  }
  return list;
}

function lines(value: unknown, result: TranslateResult): { itemId: number; quantity: number }[] | null {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    result.fail(ResultCode.INVALID_FIELD_VALUE, 'checkout.lines must be an array of {itemId, quantity}');
    return null;
  }
  const list: { itemId: number; quantity: number }[] = [];
  for (const line of value) {
    if (!isObject(line)) {
      result.fail(ResultCode.INVALID_FIELD_VALUE, 'checkout.lines must be an array of {itemId, quantity}');
      return null;
    }
    if (!checkKeys(line, LINE_KEYS, 'checkout.lines', result)) return null;
    if (line.itemId === undefined || line.quantity === undefined) {
      result.fail(ResultCode.MISSING_FIELD, 'checkout.lines.itemId/quantity');
      return null;
    }
    const itemId = integer(line.itemId, Number.MAX_SAFE_INTEGER, 'checkout.lines.itemId', result);
    const quantity = integer(line.quantity, Number.MAX_SAFE_INTEGER, 'checkout.lines.quantity', result);
    if (itemId < 0 || quantity < 0) return null;
    list.push({ itemId, quantity });
  }
  return list;
}

/** The request in full form, or null with result.code / result.detail set. */
export function validateRequest(value: unknown, result: TranslateResult): RequestJson | null {
  result.reset();
  if (!isObject(value)) {
    result.fail(ResultCode.MALFORMED_JSON, 'a request must be a JSON object');
    return null;
  }
  if (value.type === undefined) {
    result.fail(ResultCode.MISSING_FIELD, 'type');
    return null;
  }
  const correlationId = value.correlationId === undefined ? 0
    : integer(value.correlationId, Number.MAX_SAFE_INTEGER, 'correlationId', result);
  if (correlationId < 0) return null;
  result.correlationId = correlationId;
  if (value.type === 'login') {
    if (!checkKeys(value, LOGIN_KEYS, 'login', result)) return null;
    if (typeof value.apiKey !== 'string') {
      result.fail(value.apiKey === undefined ? ResultCode.MISSING_FIELD : ResultCode.INVALID_FIELD_VALUE, 'login.apiKey');
      return null;
    }
    if (value.cancelOnDisconnect !== undefined && typeof value.cancelOnDisconnect !== 'boolean') {
      result.fail(ResultCode.INVALID_FIELD_VALUE, 'login.cancelOnDisconnect');
      return null;
    }
    result.isLogin = true;
    result.apiKey = value.apiKey;
    result.cancelOnDisconnect = value.cancelOnDisconnect === true;
    return { type: 'login', apiKey: value.apiKey, correlationId, cancelOnDisconnect: value.cancelOnDisconnect === true };
  }
  const spec = typeof value.type === 'string' ? commandSpecByName(value.type) : undefined;
  if (spec === undefined) {
    result.fail(ResultCode.UNKNOWN_COMMAND, `type ${JSON.stringify(value.type)}`);
    return null;
  }
  // Known from here on, so a rejection below still tells the client which command it answers.
  result.commandType = spec.type;
  if (!checkKeys(value, allowedKeys(spec), spec.name, result)) return null;
  const idempotencyId = value.idempotencyId === undefined ? 0
    : integer(value.idempotencyId, Number.MAX_SAFE_INTEGER, 'idempotencyId', result);
  if (idempotencyId < 0) return null;

  const command: Record<string, unknown> = { type: spec.name };
  for (const fieldSpec of spec.fields) {
    const checked = field(fieldSpec, value[fieldSpec.json], result);
    if (checked === null) return null;
    command[fieldSpec.json] = checked;
  }
  if (spec.list === ListKind.SEATS && value.seats === undefined) {
    result.fail(ResultCode.MISSING_FIELD, spec.seatsPath);
    return null;
  }
  if (spec.list === ListKind.CHECKOUT) {
    const checkedLines = lines(value.lines, result);
    if (checkedLines === null) return null;
    command.lines = checkedLines;
  }
  if (spec.list !== ListKind.NONE) {
    const checkedSeats = seats(value.seats, spec.seatsPath, result);
    if (checkedSeats === null) return null;
    command.seats = checkedSeats;
  }
  command.correlationId = correlationId;
  command.idempotencyId = idempotencyId;
  return command as unknown as CommandJson;
}
