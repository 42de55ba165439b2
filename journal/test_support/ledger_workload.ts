/**
 * A deterministic mixed ledger workload for journal, recovery and crash tests and the replay benches:
 * record i depends only on (seed, i), so a test can regenerate exactly what was journaled.
 * Records 0..(2 × accounts) set up an asset and accounts with deposits; after that transfers (70%),
 * two-phase transfers (10%), balance reads (15%, read-only) and withdrawals (5%).
 * The record at sequence s is workload record s − start: an engine's journal starts at FIRST_SEQUENCE
 * (sequence 0 is the empty state, start = FIRST_SEQUENCE), and every journal-writing caller passes that.
 * The default start = 0 serves the zero-allocation tests, which only need record shapes, not a journal.
 */
import type { RecordBuffer } from '../../codec/records/record_buffer.ts';
import type { CommandSpec } from '../../core/logic/test_support/command_writer.ts';
import { writeCommand } from '../../core/logic/test_support/command_writer.ts';
import type { LogicConfig } from '../../core/logic/state_machine_api.ts';

export const WORKLOAD_ASSET_ID = 1;
export const WORKLOAD_PRINCIPAL_ID = 7;
export const WORKLOAD_INITIAL_BALANCE = 1_000_000;

/** A small logic config: enough for the workloads here, quick to allocate and to hash. */
export const SMALL_LOGIC_CONFIG: LogicConfig = {
  maxAssets: 8, maxAccounts: 1024, maxBalances: 2048, maxPendingTransfers: 4096, maxItems: 64, maxEvents: 8,
  maxSeats: 1024, maxSymbols: 4, maxOrders: 1024, maxPriceLevels: 256, maxStopOrders: 256, doneOrderWindow: 256,
  idempotencyWindow: 1024,
};

export interface Workload {
  readonly accounts: number;
  readonly seed: number;
}

function mix(seed: number, i: number): number {
  // A 32-bit integer hash (no state: record i is reproducible alone).
  let h = (seed ^ Math.imul(i, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** The command at sequence `i`. Allocates (a plain object): for tests and bench set-up only. */
export function workloadCommand(w: Workload, i: number): { admin: boolean; spec: CommandSpec } {
  if (i === 0) return { admin: true, spec: { kind: 'createAsset', assetId: WORKLOAD_ASSET_ID } };
  if (i <= w.accounts) return { admin: false, spec: { kind: 'createAccount', accountId: i } };
  if (i <= 2 * w.accounts) {
    return { admin: true, spec: { kind: 'deposit', accountId: i - w.accounts, assetId: WORKLOAD_ASSET_ID, amount: WORKLOAD_INITIAL_BALANCE } };
  }
  const h = mix(w.seed, i);
  const from = 1 + (h % w.accounts);
  const to = 1 + ((h >>> 10) % w.accounts);
  const amount = 1 + ((h >>> 20) % 500);
  const pick = h % 100;
  if (pick < 70) return { admin: false, spec: { kind: 'transfer', fromAccountId: from, toAccountId: to, assetId: WORKLOAD_ASSET_ID, amount } };
  if (pick < 75) {
    return { admin: false, spec: { kind: 'transferReserve', transferId: i, fromAccountId: from, toAccountId: to, assetId: WORKLOAD_ASSET_ID, amount } };
  }
  if (pick < 80) return { admin: false, spec: { kind: 'transferPost', transferId: i - 1 - (h % 16), amount: 0 } };
  if (pick < 95) return { admin: false, spec: { kind: 'getBalance', accountId: from, assetId: WORKLOAD_ASSET_ID } };
  return { admin: true, spec: { kind: 'withdraw', accountId: from, assetId: WORKLOAD_ASSET_ID, amount } };
}

/**
 * Writes the record for sequence `i` at `base`; returns its length. `start` is the sequence of the
 * workload's first record (its createAsset): FIRST_SEQUENCE, as an engine numbers its commands.
 */
export function writeWorkloadRecord(w: Workload, buf: RecordBuffer, base: number, i: number, start = 0): number {
  const { admin, spec } = workloadCommand(w, i - start);
  return writeCommand(buf, base, {
    sequence: i, principalId: WORKLOAD_PRINCIPAL_ID, admin, sessionId: 1, correlationId: i, idempotencyId: i + 1,
  }, spec);
}
