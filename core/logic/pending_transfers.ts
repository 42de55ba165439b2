/**
 * Two-phase transfers: TRANSFER_RESERVE moves `amount` of the source's available balance to its
 * reserved balance under a client-chosen transfer id; TRANSFER_POST then pays the destination all of
 * it or part of it (the rest goes back to the source's available balance), or TRANSFER_VOID gives it
 * all back. A posted or voided transfer gives its slot back: its id leaves the index and the slot goes
 * on a free list that the next reserve takes first (last freed, first reused: deterministic, no
 * allocation). maxPendingTransfers bounds the transfers open at once, so a reserve-then-void loop
 * cannot use the capacity up. A finished transfer's id is forgotten: a later post or void of it
 * answers TRANSFER_NOT_FOUND, and the id may be reserved again (a retried command is still answered
 * from the idempotency store with its first result, whatever happened since).
 *
 * Validation ladders:
 *   TRANSFER_RESERVE id != 0 · id unused (TRANSFER_EXISTS) · from account the caller may act for
 *                    (ACCOUNT_NOT_FOUND) · to account · asset · from != to · amount > 0 · available >= amount
 *                    · id not in a range reserved for another principal than the source's owner (ID_RESERVED)
 *                    · owner's pendingTransfers quota (PENDING_TRANSFER_QUOTA_EXCEEDED, not for an admin)
 *                    · open transfers < capacity (PENDING_TRANSFERS_FULL) · destination cell capacity (BALANCES_FULL)
 * (a refused command creates nothing: the destination cell is made by the last rung, when it passes)
 *   TRANSFER_POST    id of an open transfer of the caller's (TRANSFER_NOT_FOUND) · amount integer
 *                    >= 0 (0 = all) · amount <= reserved (POST_EXCEEDS_RESERVED)
 *   TRANSFER_VOID    id of an open transfer of the caller's (TRANSFER_NOT_FOUND)
 */
import { TransferPost, TransferReserve, TransferVoid } from '../../codec/records/command_descriptor.ts';
import type { RecordBuffer } from '../../codec/records/record_buffer.ts';
import { ResultCode } from '../../codec/result_codes.ts';
import { IdKind } from './id_ranges.ts';
import { Quota } from './principal_quotas.ts';
import { IdIndex, INDEX_NOT_FOUND } from './id_index.ts';
import type { StateArena } from './state_arena.ts';
import { type ApplyContext, positiveAt } from './apply_context.ts';
import type { Ledger } from './ledger.ts';

/** A slot is FREE (never used, or reclaimed after post / void) or PENDING. */
export const TransferState = { FREE: 0, PENDING: 1 } as const;

export class PendingTransfers {
  readonly ids: Float64Array;
  readonly amount: Float64Array;
  readonly fromCell: Int32Array;
  readonly toCell: Int32Array;
  readonly fromAccount: Int32Array;
  readonly state: Uint8Array;
  /** [0]: slots ever used (the high-water mark); [1]: slots on the free list. */
  private readonly counts: Int32Array;
  /** Free slots, a stack: free[0 .. counts[1]). */
  private readonly free: Int32Array;
  private readonly index: IdIndex;
  private readonly ledger: Ledger;
  readonly capacity: number;
  /** Scratch [0]: the amount reserved, posted or released by the last successful command. */
  readonly lastAmount = new Float64Array(1);

  constructor(arena: StateArena, ledger: Ledger, maxPendingTransfers: number) {
    this.ledger = ledger;
    this.capacity = maxPendingTransfers;
    this.ids = arena.f64('transfers.ids', maxPendingTransfers);
    this.amount = arena.f64('transfers.amount', maxPendingTransfers);
    this.fromCell = arena.i32('transfers.fromCell', maxPendingTransfers);
    this.toCell = arena.i32('transfers.toCell', maxPendingTransfers);
    this.fromAccount = arena.i32('transfers.fromAccount', maxPendingTransfers);
    this.state = arena.u8('transfers.state', maxPendingTransfers);
    this.counts = arena.i32('transfers.count', 2);
    this.free = arena.i32('transfers.free', maxPendingTransfers);
    this.index = new IdIndex(arena, 'transfers.index', maxPendingTransfers);
  }

  /** Transfers open (pending) now. */
  get count(): number {
    return this.counts[0] - this.counts[1];
  }

  reserve(cmd: RecordBuffer, b: number, ctx: ApplyContext): number {
    const ledger = this.ledger;
    const f = cmd.f64;
    const idAt = (b + TransferReserve.TRANSFER_ID) >>> 3;
    if (f[idAt] === 0) return ResultCode.ID_MUST_NOT_BE_ZERO;
    if (!positiveAt(f, idAt)) return ResultCode.INTEGER_OUT_OF_RANGE;
    if (this.index.getAt(f, idAt, 0) !== INDEX_NOT_FOUND) return ResultCode.TRANSFER_EXISTS;
    const moved = ledger.checkMove(f, b + TransferReserve.FROM_ACCOUNT_ID, ctx);
    if (moved !== ResultCode.OK) return moved;
    const from = ledger.moveFrom;
    const src = ledger.moveSource;
    const owner = ledger.accountOwner[from];
    const reservedId = ledger.idRanges.check(f, idAt, IdKind.PENDING_TRANSFERS, owner);
    if (reservedId !== ResultCode.OK) return reservedId;
    const quota = ledger.quotas.check(owner, Quota.PENDING_TRANSFERS, 1, ctx.admin);
    if (quota !== ResultCode.OK) return quota;
    const counts = this.counts;
    if (counts[1] === 0 && counts[0] >= this.capacity) return ResultCode.PENDING_TRANSFERS_FULL;
    const dst = ledger.ensureCell(ledger.moveTo, ledger.moveAsset);
    if (dst === INDEX_NOT_FOUND) return ResultCode.BALANCES_FULL;
    const amount = f[(b + TransferReserve.AMOUNT) >>> 3];
    let slot: number;
    if (counts[1] > 0) slot = this.free[--counts[1]];
    else slot = counts[0]++;
    this.index.insertAt(f, idAt, 0, slot);
    this.ids[slot] = f[idAt];
    this.amount[slot] = amount;
    this.fromCell[slot] = src;
    this.toCell[slot] = dst;
    this.fromAccount[slot] = from;
    this.state[slot] = TransferState.PENDING;
    ledger.available[src] -= amount;
    ledger.reserved[src] += amount;
    ledger.quotas.charge(owner, Quota.PENDING_TRANSFERS, 1);
    this.lastAmount[0] = amount;
    return ResultCode.OK;
  }

  /** The first rungs of POST and VOID: the open transfer named at f[idAt] that the caller may settle — its slot, or -(result code). */
  private settleableSlot(f: Float64Array, idAt: number, ctx: ApplyContext): number {
    const slot = this.index.findIdAt(f, idAt);
    // Someone else's transfer is not found either: its id's existence is not disclosed.
    if (slot === INDEX_NOT_FOUND || !this.ledger.mayAct(this.fromAccount[slot], ctx)) return -ResultCode.TRANSFER_NOT_FOUND;
    return slot;
  }

  post(cmd: RecordBuffer, b: number, ctx: ApplyContext): number {
    const f = cmd.f64;
    const idAt = (b + TransferPost.TRANSFER_ID) >>> 3;
    const slot = this.settleableSlot(f, idAt, ctx);
    if (slot < 0) return -slot;
    const amountAt = (b + TransferPost.AMOUNT) >>> 3;
    const amount = f[amountAt];
    if (amount !== 0 && !positiveAt(f, amountAt)) return ResultCode.AMOUNT_MUST_BE_POSITIVE;
    const held = this.amount[slot];
    if (amount > held) return ResultCode.POST_EXCEEDS_RESERVED;
    const paid = amount === 0 ? held : amount;
    const src = this.fromCell[slot];
    const ledger = this.ledger;
    ledger.reserved[src] -= held;
    ledger.available[src] += held - paid;
    ledger.available[this.toCell[slot]] += paid;
    this.lastAmount[0] = paid;
    this.reclaim(slot, f, idAt);
    return ResultCode.OK;
  }

  void(cmd: RecordBuffer, b: number, ctx: ApplyContext): number {
    const f = cmd.f64;
    const idAt = (b + TransferVoid.TRANSFER_ID) >>> 3;
    const slot = this.settleableSlot(f, idAt, ctx);
    if (slot < 0) return -slot;
    const held = this.amount[slot];
    const src = this.fromCell[slot];
    this.ledger.reserved[src] -= held;
    this.ledger.available[src] += held;
    this.lastAmount[0] = held;
    this.reclaim(slot, f, idAt);
    return ResultCode.OK;
  }

  /** Forgets a finished transfer: its id leaves the index, its slot goes on the free list. */
  private reclaim(slot: number, f: Float64Array, idAt: number): void {
    this.index.removeAt(f, idAt, 0);
    this.ledger.quotas.refund(this.ledger.accountOwner[this.fromAccount[slot]], Quota.PENDING_TRANSFERS, 1);
    this.ids[slot] = 0;
    this.amount[slot] = 0;
    this.fromCell[slot] = 0;
    this.toCell[slot] = 0;
    this.fromAccount[slot] = 0;
    this.state[slot] = TransferState.FREE;
    this.free[this.counts[1]++] = slot;
  }

  /** Reserved amount per cell still held by pending transfers (for invariant checks; allocates). */
  reservedByCell(): Map<number, number> {
    const held = new Map<number, number>();
    for (let i = 0; i < this.counts[0]; i++) {
      if (this.state[i] !== TransferState.PENDING) continue;
      held.set(this.fromCell[i], (held.get(this.fromCell[i]) ?? 0) + this.amount[i]);
    }
    return held;
  }
}
