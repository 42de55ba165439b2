/**
 * Command traits by type, from the registry: one Uint8Array for the per-record paths (gateway,
 * business logic) and name-based questions for clients and tools.
 *
 *   if ((COMMAND_TRAITS[type] & TRAIT_ADMIN) !== 0 && !admin) return ResultCode.ADMIN_REQUIRED;
 */
import { COMMAND_ROWS } from './command_registry.ts';

/** Changes no state: flagged CMD_FLAG_READ_ONLY by the gateway, never remembered for idempotency. */
export const TRAIT_READ_ONLY = 1;
/** Only an admin principal may run it. */
export const TRAIT_ADMIN = 2;
/** A command type exists (0 = not a command). */
export const TRAIT_KNOWN = 4;

/**
 * TRAIT_* bits by command type, for every u16 a record's commandType can hold (64 KiB), so the per-record
 * paths index it with the record's type as read, without a bounds check or a hash.
 */
export const COMMAND_TRAITS: Uint8Array = (() => {
  const table = new Uint8Array(1 << 16);
  for (const row of COMMAND_ROWS) {
    table[row.type] = TRAIT_KNOWN | (row.readOnly ? TRAIT_READ_ONLY : 0) | (row.admin ? TRAIT_ADMIN : 0);
  }
  return table;
})();

const READ_ONLY_NAMES: ReadonlySet<string> = new Set(COMMAND_ROWS.filter((r) => r.readOnly).map((r) => r.json));
const ADMIN_NAMES: ReadonlySet<string> = new Set(COMMAND_ROWS.filter((r) => r.admin).map((r) => r.json));

/** By JSON name ("getBalance"): for clients and the reference model, off the hot paths. */
export function isReadOnlyCommand(json: string): boolean {
  return READ_ONLY_NAMES.has(json);
}
export function isAdminCommand(json: string): boolean {
  return ADMIN_NAMES.has(json);
}
