/**
 * Id ranges an admin reserves for one principal (RESERVE_IDS), so that a tenant cannot take first the
 * ids another tenant needs: ids are global names per kind, first come first served, except inside a
 * reserved range, where only objects belonging to the range's principal may be created.
 *
 *   kind               "belongs to" means                    checked by
 *   accounts           the new account's owner               CREATE_ACCOUNT
 *   items, events      the merchant account's owner          CREATE_ITEM, CREATE_EVENT
 *   pendingTransfers   the source account's owner            TRANSFER_RESERVE
 * The rung (ID_RESERVED) comes as soon as the id is free and the principal the object will belong to is
 * known (CREATE_ACCOUNT: after ACCOUNT_EXISTS; listings: after the merchant account; TRANSFER_RESERVE:
 * after the transfer's funds), and binds an admin too: whatever is created with an id in P's range belongs to P. Ids outside every
 * range stay first-come for everyone. A reservation does not touch objects that already exist in its
 * range, and is permanent (journaled, snapshotted, hashed).
 *
 * RESERVE_IDS (admin only; the dispatcher checked): principal id 1..2^32-1 (INVALID_FIELD_VALUE) ·
 * kind accounts, items, events or pending_transfers (INVALID_FIELD_VALUE) · 1 <= firstId <= lastId <=
 * 2^53-1 (INTEGER_OUT_OF_RANGE) · no overlap with a range of the same kind (ID_RANGE_OVERLAPS) · a free
 * row among maxIdRanges (ID_RANGES_FULL).
 *
 * Rows live in the state arena, in the order they were reserved; a check scans the rows (at most
 * maxIdRanges, default 1,024: creations only, never the order or transfer paths). Allocation-free: ids
 * are read by location.
 */
import type { RecordBuffer } from '../../codec/records/record_buffer.ts';
import { QuotaKind } from '../../codec/registry/enum_values.ts';
import { recordLayout } from '../../codec/registry/record_layout.ts';
import { ResultCode } from '../../codec/result_codes.ts';
import { positiveAt } from './apply_context.ts';
import type { StateArena } from './state_arena.ts';

const ReserveIds = recordLayout('RESERVE_IDS');

/** The kinds of id a range may reserve (QuotaKind values; seats and open orders have no client ids). */
export const IdKind = {
  ACCOUNTS: QuotaKind.ACCOUNTS, ITEMS: QuotaKind.ITEMS, EVENTS: QuotaKind.EVENTS, PENDING_TRANSFERS: QuotaKind.PENDING_TRANSFERS,
} as const;

export class IdRanges {
  /** Row r: first id, last id (inclusive), the principal it is reserved for. */
  private readonly first: Float64Array;
  private readonly last: Float64Array;
  private readonly principal: Float64Array;
  private readonly kind: Int32Array;
  private readonly count: Int32Array;

  constructor(arena: StateArena, readonly maxRanges: number) {
    this.first = arena.f64('idRanges.first', maxRanges);
    this.last = arena.f64('idRanges.last', maxRanges);
    this.principal = arena.f64('idRanges.principal', maxRanges);
    this.kind = arena.i32('idRanges.kind', maxRanges);
    this.count = arena.i32('idRanges.count', 1);
  }

  get size(): number {
    return this.count[0];
  }

  /**
   * OK when an object of `kind` with the id src[at] may belong to `owner`: the id is in no range of
   * that kind, or in one reserved for `owner`. Else ID_RESERVED.
   */
  check(src: Float64Array, at: number, kind: number, owner: number): number {
    const id = src[at];
    const n = this.count[0];
    for (let r = 0; r < n; r++) {
      if (this.kind[r] === kind && id >= this.first[r] && id <= this.last[r]) {
        return this.principal[r] === owner ? ResultCode.OK : ResultCode.ID_RESERVED;
      }
    }
    return ResultCode.OK;
  }

  /** RESERVE_IDS: see the ladder above. */
  reserve(cmd: RecordBuffer, b: number): number {
    const f = cmd.f64;
    const principalAt = (b + ReserveIds.PRINCIPAL_ID) >>> 3;
    if (!(f[principalAt] >= 1 && f[principalAt] <= 0xffffffff)) return ResultCode.INVALID_FIELD_VALUE;
    const kind = cmd.bytes[b + ReserveIds.ID_KIND_U8];
    if (kind !== IdKind.ACCOUNTS && kind !== IdKind.ITEMS && kind !== IdKind.EVENTS && kind !== IdKind.PENDING_TRANSFERS) {
      return ResultCode.INVALID_FIELD_VALUE;
    }
    const firstAt = (b + ReserveIds.FIRST_ID) >>> 3;
    const lastAt = (b + ReserveIds.LAST_ID) >>> 3;
    if (!positiveAt(f, firstAt) || !positiveAt(f, lastAt) || f[firstAt] > f[lastAt]) return ResultCode.INTEGER_OUT_OF_RANGE;
    const n = this.count[0];
    for (let r = 0; r < n; r++) {
      if (this.kind[r] === kind && f[firstAt] <= this.last[r] && f[lastAt] >= this.first[r]) return ResultCode.ID_RANGE_OVERLAPS;
    }
    if (n >= this.maxRanges) return ResultCode.ID_RANGES_FULL;
    this.first[n] = f[firstAt];
    this.last[n] = f[lastAt];
    this.principal[n] = f[principalAt];
    this.kind[n] = kind;
    this.count[0] = n + 1;
    return ResultCode.OK;
  }
}
