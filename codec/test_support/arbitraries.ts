/**
 * fast-check arbitraries for every command and response in full form (every field present, in the key
 * order the readers produce), derived from the specs so a new command is covered without a new test.
 */
import fc from 'fast-check';
import { MAX_SEATS_PER_COMMAND, checkoutRecordBytes, CMD_MAX_RECORD_BYTES } from '../records/command_descriptor.ts';
import { DepthResult, MAX_LISTED_FILLS, RES_MAX_RECORD_BYTES } from '../records/result_descriptor.ts';
import { ResultCode, resultMessage, resultName } from '../result_codes.ts';
import { COMMAND_SPECS, ListKind, type CommandSpec } from '../spec/command_spec.ts';
import { FieldKind, type FieldSpec } from '../spec/field_spec.ts';
import { RESULT_SPEC_BY_COMMAND, ResultListKind, type ResultSpec } from '../spec/result_spec.ts';
import type { CommandJson } from '../types/command_json.ts';
import type { ResponseJson, ResultBodyJson } from '../types/response_json.ts';

export const safeInt = fc.oneof(
  fc.integer({ min: 0, max: 1000 }),
  fc.maxSafeNat(),
  fc.constantFrom(0, 1, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1),
);
export const u32 = fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 0xffffffff }));

function fieldArbitrary(field: FieldSpec): fc.Arbitrary<number | string> {
  if (field.enumSpec !== null) return fc.constantFrom(...field.enumSpec.names.filter((name) => name !== ''));
  return field.kind === FieldKind.U64 ? safeInt : u32;
}

const line = fc.record({ itemId: safeInt, quantity: safeInt }).map((l) => ({ itemId: l.itemId, quantity: l.quantity }));

export function commandArbitrary(spec: CommandSpec): fc.Arbitrary<CommandJson> {
  const fieldArbs = spec.fields.map(fieldArbitrary);
  const lists: fc.Arbitrary<{ lines?: { itemId: number; quantity: number }[]; seats?: number[] }> =
    spec.list === ListKind.SEATS
      ? fc.record({ seats: fc.array(u32, { maxLength: MAX_SEATS_PER_COMMAND }) })
      : spec.list === ListKind.CHECKOUT
        ? fc.tuple(fc.array(line, { maxLength: 27 }), fc.array(u32, { maxLength: MAX_SEATS_PER_COMMAND }))
          .map(([lines, seats]) => {
            while (checkoutRecordBytes(lines.length, seats.length) > CMD_MAX_RECORD_BYTES) seats.pop();
            return { lines, seats };
          })
        : fc.constant({});
  return fc.tuple(fc.tuple(...fieldArbs), lists, safeInt, safeInt).map(([values, list, correlationId, idempotencyId]) => {
    const command: Record<string, unknown> = { type: spec.name };
    spec.fields.forEach((field, i) => { command[field.json] = values[i]; });
    if (list.lines !== undefined) command.lines = list.lines;
    if (list.seats !== undefined) command.seats = list.seats;
    command.correlationId = correlationId;
    command.idempotencyId = idempotencyId;
    return command as unknown as CommandJson;
  });
}

export const anyCommand: fc.Arbitrary<CommandJson> = fc.oneof(...COMMAND_SPECS.map(commandArbitrary));

const fill = fc.record({ makerOrderId: safeInt, price: safeInt, quantity: safeInt })
  .map((f) => ({ makerOrderId: f.makerOrderId, price: f.price, quantity: f.quantity }));
const level = fc.record({ price: safeInt, quantity: safeInt }).map((l) => ({ price: l.price, quantity: l.quantity }));

function bodyArbitrary(spec: ResultSpec): fc.Arbitrary<ResultBodyJson> {
  const fieldArbs = spec.fields.map(fieldArbitrary);
  return fc.tuple(fc.tuple(...fieldArbs), fc.array(fill, { maxLength: MAX_LISTED_FILLS }),
    fc.array(level, { maxLength: 20 }), fc.array(level, { maxLength: 20 }))
    .map(([values, fills, bids, asks]) => {
      const body: Record<string, unknown> = { type: spec.name };
      spec.fields.forEach((field, i) => { body[field.json] = values[i]; });
      if (spec.list === ResultListKind.FILLS) {
        body.fillCount = Math.max(body.fillCount as number, fills.length);
        body.fills = fills;
      } else if (spec.list === ResultListKind.LEVELS) {
        const room = (RES_MAX_RECORD_BYTES - DepthResult.FIXED_BYTES) / DepthResult.LEVEL_BYTES;
        while (bids.length + asks.length > room) (asks.length > 0 ? asks : bids).pop();
        body.bids = bids;
        body.asks = asks;
      }
      return body as unknown as ResultBodyJson;
    });
}

const codes = Object.values(ResultCode);

/** A response as a result record would give it (message = the code's message when code != 0). */
export const anyResponse: fc.Arbitrary<ResponseJson> = fc.constantFrom(
  0, 1, ...COMMAND_SPECS.map((spec) => spec.type as number),
).chain((commandType) => {
  const spec = RESULT_SPEC_BY_COMMAND[commandType];
  const command = commandType === 0 ? 'none' : commandType === 1 ? 'login'
    : COMMAND_SPECS.find((s) => s.type === commandType)!.name;
  return fc.record({
    correlationId: safeInt, sequence: safeInt, code: fc.constantFrom(...codes), flags: fc.integer({ min: 0, max: 3 }),
    failedLegIndex: fc.integer({ min: -1, max: 200 }),
    result: spec === undefined ? fc.constant(undefined) : fc.option(bodyArbitrary(spec), { nil: undefined }),
  }).map(({ correlationId, sequence, code, flags, failedLegIndex, result }) => {
    const response: ResponseJson = {
      correlationId, sequence, command: command as ResponseJson['command'], code, status: resultName(code), flags,
      failedLegIndex,
    };
    if (code !== 0) response.message = resultMessage(code);
    if (result !== undefined) response.result = result;
    return response;
  });
});
