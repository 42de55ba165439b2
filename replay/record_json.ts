/**
 * Journal records and their results as JSON objects for `ringline replay --print`: the codec's own
 * readers (codec/records/command_record_json.ts, result_record_json.ts), plus the --account/--symbol/
 * --item filter. Allocates, which is fine for a printing tool.
 */
import type { RecordBuffer } from '../codec/records/record_buffer.ts';
import { readCommandHeader, readCommandRecord } from '../codec/records/command_record_json.ts';
import { readResultRecord } from '../codec/records/result_record_json.ts';
import { CmdHeader } from '../codec/records/command_descriptor.ts';
import type { ResponseJson } from '../codec/types/response_json.ts';

export type JsonObject = Record<string, unknown>;

export function commandJson(cmd: RecordBuffer, base: number): JsonObject {
  const header = readCommandHeader(cmd, base);
  let command: JsonObject;
  try {
    command = readCommandRecord(cmd, base) as unknown as JsonObject;
  } catch {
    command = { type: `unknown(${cmd.u16[(base + CmdHeader.TYPE) >>> 1]})` };
  }
  return { ...header, ...command };
}

/**
 * The result record at `outBase` in the codec's documented ResponseJson shape (readResultRecord: the
 * form HTTP answers with, fills and depth levels included). The command arguments are unused: the
 * result record names its own command; they stay only while cli/replay_command.ts still passes them.
 */
export function resultJson(_cmd: RecordBuffer, _cmdBase: number, out: RecordBuffer, outBase: number): ResponseJson {
  return readResultRecord(out, outBase);
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
