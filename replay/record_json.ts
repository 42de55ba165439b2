/**
 * Journal records and their results as JSON objects for `ringline replay --print`. Built on the
 * codec's record↔command mapping (codec/records/command_record_json.ts) and result specs; allocates,
 * which is fine for a printing tool.
 */
import type { RecordBuffer } from '../codec/records/record_buffer.ts';
import { readCommandHeader, readCommandRecord } from '../codec/records/command_record_json.ts';
import {
  RES_CODE_OFFSET, RES_FAILED_LEG_INDEX_OFFSET, RES_FLAGS_OFFSET, RES_LENGTH_OFFSET,
} from '../codec/records/result_descriptor.ts';
import { resultName } from '../codec/result_codes.ts';
import { RESULT_SPEC_BY_COMMAND } from '../codec/spec/result_spec.ts';
import { FieldKind } from '../codec/spec/field_spec.ts';
import { enumName } from '../codec/spec/enum_spec.ts';
import { CMD_TYPE_OFFSET } from '../codec/records/command_descriptor.ts';

export type JsonObject = Record<string, unknown>;

export function commandJson(cmd: RecordBuffer, base: number): JsonObject {
  const header = readCommandHeader(cmd, base);
  let command: JsonObject;
  try {
    command = readCommandRecord(cmd, base) as unknown as JsonObject;
  } catch {
    command = { type: `unknown(${cmd.u16[(base + CMD_TYPE_OFFSET) >>> 1]})` };
  }
  return { ...header, ...command };
}

export function resultJson(cmd: RecordBuffer, cmdBase: number, out: RecordBuffer, outBase: number): JsonObject {
  const code = out.u16[(outBase + RES_CODE_OFFSET) >>> 1];
  const length = out.u32[(outBase + RES_LENGTH_OFFSET) >>> 2];
  const result: JsonObject = { code, name: resultName(code) };
  const flags = out.u32[(outBase + RES_FLAGS_OFFSET) >>> 2];
  if (flags !== 0) result.flags = flags;
  const failedLeg = out.i32[(outBase + RES_FAILED_LEG_INDEX_OFFSET) >>> 2];
  if (failedLeg >= 0) result.failedLegIndex = failedLeg;
  const spec = RESULT_SPEC_BY_COMMAND[cmd.u16[(cmdBase + CMD_TYPE_OFFSET) >>> 1]];
  if (code === 0 && spec !== undefined) {
    const body: JsonObject = { type: spec.name };
    for (const field of spec.fields) {
      if (field.recordOffset + 8 > length && field.kind !== FieldKind.ENUM_U8) continue;
      const at = outBase + field.recordOffset;
      switch (field.kind) {
        case FieldKind.U32:
          body[field.json] = out.u32[at >>> 2];
          break;
        case FieldKind.ENUM_U8:
          body[field.json] = field.enumSpec === null ? out.bytes[at] : enumName(field.enumSpec, out.bytes[at]);
          break;
        case FieldKind.ENUM_U32:
          body[field.json] = field.enumSpec === null ? out.u32[at >>> 2] : enumName(field.enumSpec, out.u32[at >>> 2]);
          break;
        default:
          body[field.json] = out.f64[at >>> 3];
      }
    }
    result.body = body;
  }
  return result;
}

/** Whether a printed command names the account, symbol or item the user filtered on. */
export function commandMatches(command: JsonObject, filter: { account?: number; symbol?: number; item?: number }): boolean {
  let match = true;
  if (filter.account !== undefined) {
    match &&= Object.entries(command).some(([key, value]) => (key === 'accountId' || key.endsWith('AccountId')) && value === filter.account);
  }
  if (filter.symbol !== undefined) match &&= command.symbolId === filter.symbol;
  if (filter.item !== undefined) {
    const lines = (command.lines as { itemId: number }[] | undefined) ?? [];
    match &&= command.itemId === filter.item || lines.some((line) => line.itemId === filter.item);
  }
  return match;
}
