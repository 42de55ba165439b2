/**
 * Assets, accounts and balances. A balance cell is one (account, asset) pair split into `available`
 * (spendable) and `reserved` (held for a resting order or a pending transfer). Cells are created on
 * first credit (or when a command needs a place to credit) and never removed.
 *
 * Overflow is impossible by construction: DEPOSIT refuses to let an asset's total supply exceed
 * 2^53-1, and every other command only moves existing units, so no balance can exceed the supply.
 *
 * Validation ladders (first failing rule wins):
 *   CREATE_ASSET   admin · id != 0 · not exists (ASSET_EXISTS) · capacity (ASSETS_FULL)
 *   CREATE_ACCOUNT id != 0 · owner fits u32 (INVALID_FIELD_VALUE) · owner = caller or admin
 *                  · not exists · id not in a range reserved for another principal (ID_RESERVED) · owner's accounts quota (ACCOUNT_QUOTA_EXCEEDED, not for an admin) · capacity
 *                  (ADMIN_REQUIRED) · not exists (ACCOUNT_EXISTS) · capacity (ACCOUNTS_FULL)
 *   DEPOSIT        admin · account · asset · amount > 0 · supply + amount <= 2^53-1 (BALANCE_OVERFLOW)
 *                  · cell capacity (BALANCES_FULL)
 *   WITHDRAW       admin · account · asset · amount > 0 · available >= amount (INSUFFICIENT_FUNDS)
 *   TRANSFER       from account the caller may act for (ACCOUNT_NOT_FOUND) · to account · asset · from != to
 *                  (SAME_ACCOUNT) · amount > 0 · available >= amount · cell capacity
 *   GET_BALANCE    account the caller may act for (ACCOUNT_NOT_FOUND) · asset
 * "admin" is checked by the dispatcher for every admin command before its ladder.
 */
import { ActingLookup } from './acting_lookup.ts';
import { IdKind, type IdRanges } from './id_ranges.ts';
import type { PrincipalQuotas } from './principal_quotas.ts';
import type { RecordBuffer } from '../../codec/records/record_buffer.ts';
import { IdIndex } from './id_index.ts';
import type { StateArena } from './state_arena.ts';
import type { ApplyContext } from './apply_context.ts';
import { EventEmitter } from './event_emitter.ts';
import * as commandDescriptorModule from '../../codec/records/command_descriptor.ts';
import * as eventDescriptorModule from '../../codec/records/event_descriptor.ts';
import * as resultCodesModule from '../../codec/result_codes.ts';
import * as applyContextModule from './apply_context.ts';
import * as idIndexModule from './id_index.ts';
import * as principalQuotasModule from './principal_quotas.ts';

// Module-local copies of imported constants and functions: V8 folds these into optimized code, while an
// imported binding is read from its module cell, with a hole check, at every use (order_layout.ts).
const { CreateAccount, CreateAsset, Deposit, GetBalance, Transfer, TransferReserve } = commandDescriptorModule;
const { EventKind } = eventDescriptorModule;
const { ResultCode } = resultCodesModule;
const { MAX_EXACT, positiveAt } = applyContextModule;
const { INDEX_NOT_FOUND } = idIndexModule;
const { Quota } = principalQuotasModule;

export class Ledger {
  readonly assetIds: Float64Array;
  /** Deposits minus withdrawals per asset (the invariant: equals the sum of its balances). */
  readonly assetSupply: Float64Array;
  readonly accountIds: Float64Array;
  readonly accountOwner: Uint32Array;
  readonly available: Float64Array;
  readonly reserved: Float64Array;
  readonly cellAccount: Int32Array;
  readonly cellAsset: Int32Array;
  /** [0] assets, [1] accounts, [2] cells in use. */
  private readonly counts: Int32Array;
  private readonly assetIndex: IdIndex;
  private readonly accountIndex: IdIndex;
  /** Key: account index + 1, tag: asset index. */
  private readonly cellIndex: IdIndex;
  readonly maxAssets: number;
  readonly maxAccounts: number;
  readonly maxBalances: number;
  /** The "named object, then an account the caller may act for" prologue every module shares (acting_lookup.ts). */
  readonly acting = new ActingLookup(this);

  constructor(
    arena: StateArena, maxAssets: number, maxAccounts: number, maxBalances: number,
    /** Per-principal quotas; every module charges through the ledger it shares. */
    readonly quotas: PrincipalQuotas,
    /** Id ranges reserved per principal; every CREATE_* and TRANSFER_RESERVE checks its id here (id_ranges.ts). */
    readonly idRanges: IdRanges,
  ) {
    this.maxAssets = maxAssets;
    this.maxAccounts = maxAccounts;
    this.maxBalances = maxBalances;
    this.assetIds = arena.f64('ledger.assetIds', maxAssets);
    this.assetSupply = arena.f64('ledger.assetSupply', maxAssets);
    this.accountIds = arena.f64('ledger.accountIds', maxAccounts);
    this.accountOwner = arena.u32('ledger.accountOwner', maxAccounts);
    this.available = arena.f64('ledger.available', maxBalances);
    this.reserved = arena.f64('ledger.reserved', maxBalances);
    this.cellAccount = arena.i32('ledger.cellAccount', maxBalances);
    this.cellAsset = arena.i32('ledger.cellAsset', maxBalances);
    this.counts = arena.i32('ledger.counts', 3);
    this.assetIndex = new IdIndex(arena, 'ledger.assetIndex', maxAssets);
    this.accountIndex = new IdIndex(arena, 'ledger.accountIndex', maxAccounts);
    this.cellIndex = new IdIndex(arena, 'ledger.cellIndex', maxBalances);
    this.events = new EventEmitter(this);
  }

  /** The logic's event emission (event_emitter.ts); every module reaches it through the ledger it shares. */
  readonly events: EventEmitter;

  get assetCount(): number {
    return this.counts[0];
  }
  get accountCount(): number {
    return this.counts[1];
  }
  get cellCount(): number {
    return this.counts[2];
  }

  /** By-value lookups for tests and tools (not the hot path: see accountAt). */
  asset(assetId: number): number {
    return this.assetIndex.findId(assetId);
  }

  account(accountId: number): number {
    return this.accountIndex.findId(accountId);
  }

  /** The asset whose id is src[at], or -1. */
  assetAt(src: Float64Array, at: number): number {
    return this.assetIndex.findIdAt(src, at);
  }

  /** The account whose id is src[at], or -1. */
  accountAt(src: Float64Array, at: number): number {
    return this.accountIndex.findIdAt(src, at);
  }

  /** The cell of (account, asset) or -1 when the account never held the asset. */
  cell(accountIdx: number, assetIdx: number): number {
    return this.cellIndex.get(accountIdx + 1, assetIdx);
  }

  /** The cell of (account, asset), created empty when missing; -1 when cell capacity is exhausted. */
  ensureCell(accountIdx: number, assetIdx: number): number {
    const found = this.cellIndex.get(accountIdx + 1, assetIdx);
    if (found !== INDEX_NOT_FOUND) return found;
    const cell = this.counts[2];
    if (cell >= this.maxBalances) return INDEX_NOT_FOUND;
    this.cellIndex.insert(accountIdx + 1, assetIdx, cell);
    this.cellAccount[cell] = accountIdx;
    this.cellAsset[cell] = assetIdx;
    this.available[cell] = 0;
    this.reserved[cell] = 0;
    this.counts[2] = cell + 1;
    return cell;
  }

  /** Whether the caller may spend from (or act for) the account: its owner, or an admin. */
  mayAct(accountIdx: number, ctx: ApplyContext): boolean {
    return ctx.admin || this.accountOwner[accountIdx] === ctx.principal;
  }

  /**
   * The account with id src[at] if the caller may act for it, else INDEX_NOT_FOUND — the same answer
   * for "does not exist" and "is someone else's", at the same rung of every ladder, so a principal
   * cannot learn which of another principal's account ids exist (answer ACCOUNT_NOT_FOUND).
   */
  actingAccountAt(src: Float64Array, at: number, ctx: ApplyContext): number {
    const account = this.accountAt(src, at);
    return account !== INDEX_NOT_FOUND && this.mayAct(account, ctx) ? account : INDEX_NOT_FOUND;
  }

  createAsset(cmd: RecordBuffer, b: number): number {
    const f = cmd.f64;
    const at = (b + CreateAsset.ASSET_ID) >>> 3;
    if (f[at] === 0) return ResultCode.ID_MUST_NOT_BE_ZERO;
    if (!positiveAt(f, at)) return ResultCode.INTEGER_OUT_OF_RANGE;
    if (this.assetIndex.getAt(f, at, 0) !== INDEX_NOT_FOUND) return ResultCode.ASSET_EXISTS;
    const idx = this.counts[0];
    if (idx >= this.maxAssets) return ResultCode.ASSETS_FULL;
    this.assetIndex.insertAt(f, at, 0, idx);
    this.assetIds[idx] = f[at];
    this.assetSupply[idx] = 0;
    this.counts[0] = idx + 1;
    return ResultCode.OK;
  }

  createAccount(cmd: RecordBuffer, b: number, ctx: ApplyContext): number {
    const f = cmd.f64;
    const at = (b + CreateAccount.ACCOUNT_ID) >>> 3;
    if (f[at] === 0) return ResultCode.ID_MUST_NOT_BE_ZERO;
    if (!positiveAt(f, at)) return ResultCode.INTEGER_OUT_OF_RANGE;
    const ownerField = f[(b + CreateAccount.OWNER_PRINCIPAL_ID) >>> 3];
    if (!(ownerField >= 0 && ownerField <= 0xffffffff && Math.floor(ownerField) === ownerField)) {
      return ResultCode.INVALID_FIELD_VALUE;
    }
    const owner = ownerField === 0 ? ctx.principal : ownerField;
    if (owner !== ctx.principal && !ctx.admin) return ResultCode.ADMIN_REQUIRED;
    if (this.accountIndex.getAt(f, at, 0) !== INDEX_NOT_FOUND) return ResultCode.ACCOUNT_EXISTS;
    const reserved = this.idRanges.check(f, at, IdKind.ACCOUNTS, owner);
    if (reserved !== ResultCode.OK) return reserved;
    const quota = this.quotas.check(owner, Quota.ACCOUNTS, 1, ctx.admin);
    if (quota !== ResultCode.OK) return quota;
    const idx = this.counts[1];
    if (idx >= this.maxAccounts) return ResultCode.ACCOUNTS_FULL;
    this.accountIndex.insertAt(f, at, 0, idx);
    this.accountIds[idx] = f[at];
    this.accountOwner[idx] = owner;
    this.counts[1] = idx + 1;
    this.quotas.charge(owner, Quota.ACCOUNTS, 1);
    return ResultCode.OK;
  }

  /** DEPOSIT and WITHDRAW (same layout). On OK, `lastCell` is the cell changed. */
  depositOrWithdraw(cmd: RecordBuffer, b: number, withdraw: boolean): number {
    const f = cmd.f64;
    const account = this.accountAt(f, (b + Deposit.ACCOUNT_ID) >>> 3);
    if (account === INDEX_NOT_FOUND) return ResultCode.ACCOUNT_NOT_FOUND;
    const asset = this.assetAt(f, (b + Deposit.ASSET_ID) >>> 3);
    if (asset === INDEX_NOT_FOUND) return ResultCode.ASSET_NOT_FOUND;
    const amountAt = (b + Deposit.AMOUNT) >>> 3;
    if (!positiveAt(f, amountAt)) return ResultCode.AMOUNT_MUST_BE_POSITIVE;
    const amount = f[amountAt];
    if (withdraw) {
      const cell = this.cell(account, asset);
      if (cell === INDEX_NOT_FOUND || this.available[cell] < amount) return ResultCode.INSUFFICIENT_FUNDS;
      this.available[cell] -= amount;
      this.assetSupply[asset] -= amount;
      this.lastCell = cell;
      this.events.touchCell(cell);
      return ResultCode.OK;
    }
    if (this.assetSupply[asset] + amount > MAX_EXACT) return ResultCode.BALANCE_OVERFLOW;
    const cell = this.ensureCell(account, asset);
    if (cell === INDEX_NOT_FOUND) return ResultCode.BALANCES_FULL;
    this.available[cell] += amount;
    this.assetSupply[asset] += amount;
    this.lastCell = cell;
    this.events.touchCell(cell);
    return ResultCode.OK;
  }

  /** On OK, `lastCell` is the source cell. */
  transfer(cmd: RecordBuffer, b: number, ctx: ApplyContext): number {
    const f = cmd.f64;
    const code = this.checkMove(f, b + Transfer.FROM_ACCOUNT_ID, ctx);
    if (code !== ResultCode.OK) return code;
    const dst = this.ensureCell(this.moveTo, this.moveAsset);
    if (dst === INDEX_NOT_FOUND) return ResultCode.BALANCES_FULL;
    const amountAt = (b + Transfer.AMOUNT) >>> 3;
    this.available[this.moveSource] -= f[amountAt];
    this.available[dst] += f[amountAt];
    this.lastCell = this.moveSource;
    this.events.v[0] = f[amountAt];
    this.events.transfer(EventKind.TRANSFERRED, this.moveSource, dst);
    return ResultCode.OK;
  }

  /** The accounts, asset and source cell of the last checkMove that returned OK. */
  moveFrom = INDEX_NOT_FOUND;
  moveTo = INDEX_NOT_FOUND;
  moveAsset = INDEX_NOT_FOUND;
  moveSource = INDEX_NOT_FOUND;

  /**
   * The ladder TRANSFER and TRANSFER_RESERVE share, over from, to, asset and amount at consecutive
   * 8-byte fields from byte `fromAt` (asserted below): from account the caller may act for
   * (ACCOUNT_NOT_FOUND) · to account (ACCOUNT_NOT_FOUND) · asset (ASSET_NOT_FOUND) · from != to
   * (SAME_ACCOUNT) · amount > 0 (AMOUNT_MUST_BE_POSITIVE) · the from cell's available >= amount
   * (INSUFFICIENT_FUNDS). Sets moveFrom, moveTo, moveAsset and moveSource; changes nothing.
   */
  checkMove(f: Float64Array, fromAt: number, ctx: ApplyContext): number {
    const at = fromAt >>> 3;
    const from = this.actingAccountAt(f, at, ctx);
    if (from === INDEX_NOT_FOUND) return ResultCode.ACCOUNT_NOT_FOUND;
    const to = this.accountAt(f, at + 1);
    if (to === INDEX_NOT_FOUND) return ResultCode.ACCOUNT_NOT_FOUND;
    const asset = this.assetAt(f, at + 2);
    if (asset === INDEX_NOT_FOUND) return ResultCode.ASSET_NOT_FOUND;
    if (from === to) return ResultCode.SAME_ACCOUNT;
    if (!positiveAt(f, at + 3)) return ResultCode.AMOUNT_MUST_BE_POSITIVE;
    const source = this.cell(from, asset);
    if (source === INDEX_NOT_FOUND || this.available[source] < f[at + 3]) return ResultCode.INSUFFICIENT_FUNDS;
    this.moveFrom = from;
    this.moveTo = to;
    this.moveAsset = asset;
    this.moveSource = source;
    return ResultCode.OK;
  }

  /** On OK, `lastCell` is the cell or -1 when the account never held the asset (balance 0/0). */
  getBalance(cmd: RecordBuffer, b: number, ctx: ApplyContext): number {
    const f = cmd.f64;
    const account = this.actingAccountAt(f, (b + GetBalance.ACCOUNT_ID) >>> 3, ctx);
    if (account === INDEX_NOT_FOUND) return ResultCode.ACCOUNT_NOT_FOUND;
    const asset = this.assetAt(f, (b + GetBalance.ASSET_ID) >>> 3);
    if (asset === INDEX_NOT_FOUND) return ResultCode.ASSET_NOT_FOUND;
    this.lastCell = this.cell(account, asset);
    return ResultCode.OK;
  }

  /** Scratch output of the last successful command (not state). */
  lastCell = -1;
}

for (const [name, layout] of [['TRANSFER', Transfer], ['TRANSFER_RESERVE', TransferReserve]] as const) {
  if (layout.TO_ACCOUNT_ID !== layout.FROM_ACCOUNT_ID + 8 || layout.ASSET_ID !== layout.FROM_ACCOUNT_ID + 16 || layout.AMOUNT !== layout.FROM_ACCOUNT_ID + 24) {
    throw new Error(`ledger: ${name} must keep from, to, asset and amount in consecutive fields (checkMove reads them so)`);
  }
}
