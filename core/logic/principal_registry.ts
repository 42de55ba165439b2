/**
 * Principals as replicated state: CREATE_PRINCIPAL, REVOKE_PRINCIPAL and ROTATE_PRINCIPAL_KEY are
 * journaled admin commands, so every follower and every replay holds the same principals at the same
 * sequence. Ids come from a counter in the state (`next`), never from "highest + 1": an id is never
 * handed out twice, so a new principal never inherits a former one's accounts, even after a failover.
 *
 * Replicated ids start at FIRST_REPLICATED_PRINCIPAL_ID (one million): the ids below belong to the
 * principals of a node's own DATA/principals.json (the admin is 1), which this table never shadows.
 * The table is addressed by id - FIRST_REPLICATED_PRINCIPAL_ID, maxPrincipals rows of ROW_WORDS words:
 *
 *   word  0 status (0 never created, 1 active, 2 revoked)   1 admin (0/1)
 *         2..9 SHA-256 of the key's secret, 8 big-endian u32 words (the engine never sees a secret)
 *
 * The table is the one state section kept in shared memory (StateArena `shared`): the gateway on the
 * main thread authenticates keys against it (ReplicatedPrincipalView) while the logic thread writes it.
 * A login racing a rotation may read half-written digest words: that matches no key (fails closed).
 *
 * Ladders (admin only: the dispatcher checked):
 *   CREATE_PRINCIPAL      admin 0 or 1 (INVALID_FIELD_VALUE) · a free row (PRINCIPAL_TABLE_FULL) → id
 *   REVOKE_PRINCIPAL      a created id (PRINCIPAL_NOT_FOUND) · not revoked yet (PRINCIPAL_REVOKED)
 *   ROTATE_PRINCIPAL_KEY  a created id (PRINCIPAL_NOT_FOUND) · not revoked (PRINCIPAL_REVOKED)
 * Every command of a revoked principal is refused with PRINCIPAL_REVOKED before its own ladder
 * (state_machine.ts), also on a session that logged in before the revocation.
 */
import type { RecordBuffer } from '../../codec/records/record_buffer.ts';
import { recordLayout } from '../../codec/registry/record_layout.ts';
import { ResultCode } from '../../codec/result_codes.ts';
import type { StateArena } from './state_arena.ts';

export const FIRST_REPLICATED_PRINCIPAL_ID = 1_000_000;
export const PRINCIPAL_ROW_WORDS = 10;
export const PrincipalWord = { STATUS: 0, ADMIN: 1, DIGEST: 2 } as const;
export const PrincipalStatus = { NONE: 0, ACTIVE: 1, REVOKED: 2 } as const;
export const KEY_DIGEST_WORDS = 8;
export const PRINCIPAL_TABLE_SECTION = 'principals.table';

const Create = recordLayout('CREATE_PRINCIPAL');
const Revoke = recordLayout('REVOKE_PRINCIPAL');
const Rotate = recordLayout('ROTATE_PRINCIPAL_KEY');

export class PrincipalRegistry {
  /** [0] the next id to hand out. */
  private readonly next: Float64Array;
  readonly table: Uint32Array;
  /** [0] the id the last successful command created or changed (the result body). */
  readonly lastId = new Float64Array(1);

  constructor(arena: StateArena, readonly maxPrincipals: number) {
    this.next = arena.f64('principals.next', 1);
    this.next[0] = FIRST_REPLICATED_PRINCIPAL_ID;
    this.table = arena.u32(PRINCIPAL_TABLE_SECTION, maxPrincipals * PRINCIPAL_ROW_WORDS, { shared: true });
  }

  /** True while no principal was ever created: the table and the counter are in their initial state. */
  pristine(): boolean {
    return this.next[0] === FIRST_REPLICATED_PRINCIPAL_ID;
  }

  /** True when `principal` is a replicated principal that was revoked (its commands are refused). */
  revoked(principal: number): boolean {
    const row = principal - FIRST_REPLICATED_PRINCIPAL_ID;
    return row >= 0 && row < this.maxPrincipals && this.table[row * PRINCIPAL_ROW_WORDS + PrincipalWord.STATUS] === PrincipalStatus.REVOKED;
  }

  create(cmd: RecordBuffer, b: number): number {
    const admin = cmd.f64[(b + Create.ADMIN) >>> 3];
    if (admin !== 0 && admin !== 1) return ResultCode.INVALID_FIELD_VALUE;
    const id = this.next[0];
    const row = id - FIRST_REPLICATED_PRINCIPAL_ID;
    if (row >= this.maxPrincipals) return ResultCode.PRINCIPAL_TABLE_FULL;
    const at = row * PRINCIPAL_ROW_WORDS;
    this.copyDigest(cmd, b + Create.KEY_DIGEST0, at);
    this.table[at + PrincipalWord.ADMIN] = admin;
    this.table[at + PrincipalWord.STATUS] = PrincipalStatus.ACTIVE;
    this.next[0] = id + 1;
    this.lastId[0] = id;
    return ResultCode.OK;
  }

  revoke(cmd: RecordBuffer, b: number): number {
    const at = this.rowAt(cmd.f64[(b + Revoke.PRINCIPAL_ID) >>> 3]);
    if (at < 0) return ResultCode.PRINCIPAL_NOT_FOUND;
    if (this.table[at + PrincipalWord.STATUS] === PrincipalStatus.REVOKED) return ResultCode.PRINCIPAL_REVOKED;
    this.table[at + PrincipalWord.STATUS] = PrincipalStatus.REVOKED;
    this.lastId[0] = cmd.f64[(b + Revoke.PRINCIPAL_ID) >>> 3];
    return ResultCode.OK;
  }

  rotate(cmd: RecordBuffer, b: number): number {
    const at = this.rowAt(cmd.f64[(b + Rotate.PRINCIPAL_ID) >>> 3]);
    if (at < 0) return ResultCode.PRINCIPAL_NOT_FOUND;
    if (this.table[at + PrincipalWord.STATUS] === PrincipalStatus.REVOKED) return ResultCode.PRINCIPAL_REVOKED;
    this.copyDigest(cmd, b + Rotate.KEY_DIGEST0, at);
    this.lastId[0] = cmd.f64[(b + Rotate.PRINCIPAL_ID) >>> 3];
    return ResultCode.OK;
  }

  /** Table word offset of a created principal's row, or -1. */
  private rowAt(id: number): number {
    const row = id - FIRST_REPLICATED_PRINCIPAL_ID;
    if (!(row >= 0 && row < this.maxPrincipals && Math.floor(row) === row)) return -1;
    const at = row * PRINCIPAL_ROW_WORDS;
    return this.table[at + PrincipalWord.STATUS] === PrincipalStatus.NONE ? -1 : at;
  }

  /** The 8 digest fields (u32 values stored as float64, 8 bytes apart) into the row. */
  private copyDigest(cmd: RecordBuffer, first: number, at: number): void {
    const f = cmd.f64;
    for (let i = 0; i < KEY_DIGEST_WORDS; i++) this.table[at + PrincipalWord.DIGEST + i] = f[(first + i * 8) >>> 3];
  }
}
