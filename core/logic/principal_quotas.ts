/**
 * Per-principal quotas on the capacities every tenant shares: without them one principal could take
 * all accounts, items, events, seats or pending-transfer slots (capacity exhausted for everyone, for
 * good). Each principal that owns anything has a row: how much of each kind it holds, and its limit
 * (-1: the configured default).
 *
 *   kind               charged to                              given back when
 *   ACCOUNTS           the new account's owner                 never (accounts are not deleted)
 *   ITEMS              the merchant account's owner            never
 *   EVENTS, SEATS      the merchant account's owner            never
 *   PENDING_TRANSFERS  the source account's owner              the transfer is posted or voided
 *   OPEN_ORDERS        the order's account's owner, one per     the order fills, is cancelled (by id, OCO,
 *                      resting order and one per waiting stop   cancel-all, cancel-on-disconnect, self-trade
 *                      (an OCO pair: two)                       prevention), or the stop triggers or ends
 *
 * The check runs in the command's ladder just before the engine-wide capacity rung, so a refused
 * command changes nothing; the charge happens with the state change. An admin acting is never refused
 * by a quota (the operator's own capacity), but what it creates for a principal is charged to that
 * principal. A refusal names the quota in its code (ACCOUNT_QUOTA_EXCEEDED, ...).
 *
 * Rows live in the state arena (snapshotted and hashed), found through an IdIndex keyed by principal
 * id; up to maxPrincipals principals can own things. Allocation-free and deterministic: rows are made
 * in the order principals first own something.
 */
import type { RecordBuffer } from '../../codec/records/record_buffer.ts';
import { IdIndex } from './id_index.ts';
import type { StateArena } from './state_arena.ts';
import * as recordLayoutModule from '../../codec/registry/record_layout.ts';
import * as resultCodesModule from '../../codec/result_codes.ts';
import * as idIndexModule from './id_index.ts';

// Module-local copies of imported constants and functions: V8 folds these into optimized code, while an
// imported binding is read from its module cell, with a hole check, at every use (order_layout.ts).
const { recordLayout } = recordLayoutModule;
const { ResultCode } = resultCodesModule;
const { INDEX_NOT_FOUND } = idIndexModule;

export const Quota = { ACCOUNTS: 0, ITEMS: 1, EVENTS: 2, SEATS: 3, OPEN_ORDERS: 4, PENDING_TRANSFERS: 5 } as const;
export const QUOTA_KINDS = 6;
export const QUOTA_NAMES = ['accounts', 'items', 'events', 'seats', 'openOrders', 'pendingTransfers'] as const;
export type QuotaName = (typeof QUOTA_NAMES)[number];

/** The code that names each quota when it refuses. */
export const QUOTA_EXCEEDED_CODES: readonly number[] = [
  ResultCode.ACCOUNT_QUOTA_EXCEEDED, ResultCode.ITEM_QUOTA_EXCEEDED, ResultCode.EVENT_QUOTA_EXCEEDED,
  ResultCode.SEAT_QUOTA_EXCEEDED, ResultCode.OPEN_ORDER_QUOTA_EXCEEDED, ResultCode.PENDING_TRANSFER_QUOTA_EXCEEDED,
];

const SetQuota = recordLayout('SET_QUOTA');

/** Without a configured default, one principal may hold this share of each engine-wide capacity. */
export const DEFAULT_QUOTA_SHARE = 1 / 8;

export class PrincipalQuotas {
  private readonly index: IdIndex;
  /** Row r, kind k: used[r * QUOTA_KINDS + k]. */
  private readonly used: Float64Array;
  /** Row r, kind k: limit, -1 = the default. */
  private readonly limits: Float64Array;
  private readonly count: Int32Array;
  /** Scratch for the principal id key (keys are passed by location: see id_index.ts). */
  private readonly key = new Float64Array(1);

  constructor(
    arena: StateArena,
    readonly maxPrincipals: number,
    /** The default limit per kind (index = Quota.*). */
    readonly defaults: Float64Array,
  ) {
    if (defaults.length !== QUOTA_KINDS) throw new Error(`quotas: ${QUOTA_KINDS} defaults expected`);
    this.index = new IdIndex(arena, 'quotas.index', maxPrincipals);
    this.used = arena.f64('quotas.used', maxPrincipals * QUOTA_KINDS);
    this.limits = arena.f64('quotas.limit', maxPrincipals * QUOTA_KINDS);
    this.limits.fill(-1);
    this.count = arena.i32('quotas.count', 1);
  }

  /**
   * OK when `principal` may take `amount` more of `kind` (always OK when `exempt`), else the quota's
   * code. Charges nothing: call charge() once the command succeeds.
   */
  check(principal: number, kind: number, amount: number, exempt: boolean): number {
    if (exempt) return ResultCode.OK;
    const row = this.rowOf(principal);
    if (row === INDEX_NOT_FOUND) {
      // No row yet: within the default, if a row can still be made to count it.
      if (this.count[0] >= this.maxPrincipals) return ResultCode.QUOTA_TABLE_FULL;
      return amount <= this.defaults[kind] ? ResultCode.OK : QUOTA_EXCEEDED_CODES[kind];
    }
    const at = row * QUOTA_KINDS + kind;
    const limit = this.limits[at] < 0 ? this.defaults[kind] : this.limits[at];
    return this.used[at] + amount <= limit ? ResultCode.OK : QUOTA_EXCEEDED_CODES[kind];
  }

  /** Counts `amount` of `kind` against `principal` (makes its row when it has none and one is free). */
  charge(principal: number, kind: number, amount: number): void {
    let row = this.rowOf(principal);
    if (row === INDEX_NOT_FOUND) {
      row = this.count[0];
      if (row >= this.maxPrincipals) return; // only an exempt (admin) command gets here: nothing to count against
      this.key[0] = principal;
      this.index.insertAt(this.key, 0, 0, row);
      this.count[0] = row + 1;
    }
    this.used[row * QUOTA_KINDS + kind] += amount;
  }

  /** Gives back `amount` of `kind` (a pending transfer finished). */
  refund(principal: number, kind: number, amount: number): void {
    const row = this.rowOf(principal);
    if (row === INDEX_NOT_FOUND) return;
    const at = row * QUOTA_KINDS + kind;
    this.used[at] = this.used[at] > amount ? this.used[at] - amount : 0;
  }

  /**
   * SET_QUOTA (admin only; the dispatcher checked): principal id 1..2^32-1 (INVALID_FIELD_VALUE) ·
   * quota kind (INVALID_FIELD_VALUE) · a row for the principal (QUOTA_TABLE_FULL). The limit applies to
   * what the principal creates from now on: what it already holds stays, even above a lowered limit.
   */
  setQuota(cmd: RecordBuffer, b: number): number {
    const f = cmd.f64;
    const principalAt = (b + SetQuota.PRINCIPAL_ID) >>> 3;
    if (!(f[principalAt] >= 1 && f[principalAt] <= 0xffffffff)) return ResultCode.INVALID_FIELD_VALUE;
    const kind = cmd.bytes[b + SetQuota.QUOTA_U8] - 1;
    if (kind < 0 || kind >= QUOTA_KINDS) return ResultCode.INVALID_FIELD_VALUE;
    return this.setLimit(f[principalAt], kind, f[(b + SetQuota.LIMIT) >>> 3]);
  }

  /** Sets `principal`'s limit for `kind` (-1: back to the default). Returns OK, or QUOTA_TABLE_FULL without a free row. */
  setLimit(principal: number, kind: number, limit: number): number {
    let row = this.rowOf(principal);
    if (row === INDEX_NOT_FOUND) {
      row = this.count[0];
      if (row >= this.maxPrincipals) return ResultCode.QUOTA_TABLE_FULL;
      this.key[0] = principal;
      this.index.insertAt(this.key, 0, 0, row);
      this.count[0] = row + 1;
    }
    this.limits[row * QUOTA_KINDS + kind] = limit;
    return ResultCode.OK;
  }

  /** How much of `kind` `principal` holds. */
  usedBy(principal: number, kind: number): number {
    const row = this.rowOf(principal);
    return row === INDEX_NOT_FOUND ? 0 : this.used[row * QUOTA_KINDS + kind];
  }

  /** `principal`'s limit for `kind` (its own, or the default). */
  limitOf(principal: number, kind: number): number {
    const row = this.rowOf(principal);
    const own = row === INDEX_NOT_FOUND ? -1 : this.limits[row * QUOTA_KINDS + kind];
    return own < 0 ? this.defaults[kind] : own;
  }

  private rowOf(principal: number): number {
    this.key[0] = principal;
    return this.key[0] === 0 ? INDEX_NOT_FOUND : this.index.getAt(this.key, 0, 0);
  }
}

/** The default limits of a config: its `quotas` where given, else DEFAULT_QUOTA_SHARE of each capacity. */
export function defaultQuotaLimits(capacities: Readonly<Record<QuotaName, number>>, configured: Partial<Record<QuotaName, number>> = {}): Float64Array {
  const out = new Float64Array(QUOTA_KINDS);
  QUOTA_NAMES.forEach((name, kind) => {
    out[kind] = configured[name] ?? Math.max(1, Math.floor(capacities[name] * DEFAULT_QUOTA_SHARE));
  });
  return out;
}
