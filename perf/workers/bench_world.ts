/**
 * What every bench workload shares: record chunk geometry, the capacities of the bench machines, a
 * deterministic random generator and helpers that build the setup commands (assets, funded accounts).
 */
import { CmdHeader } from '../../codec/records/command_descriptor.ts';
import type { RecordBuffer } from '../../codec/records/record_buffer.ts';
import type { CommandHeader, CommandSpec } from '../../core/logic/test_support/command_writer.ts';
import { DEFAULT_LOGIC_CONFIG } from '../../core/logic/state_machine.ts';
import type { LogicConfig } from '../../core/logic/state_machine_api.ts';

/** Records per chunk and the byte stride between them (every bench record fits 128 bytes). */
export const CHUNK_RECORDS = 1 << 17;
export const RECORD_STRIDE = 128;

export const BENCH_LOGIC_CONFIG: LogicConfig = {
  ...DEFAULT_LOGIC_CONFIG, maxAssets: 8, maxAccounts: 16_384, maxBalances: 65_536, maxPendingTransfers: 16, maxItems: 2048,
  maxEvents: 16, maxSeats: CHUNK_RECORDS * 2 + 16, maxSymbols: 4, maxOrders: 1 << 18, maxPriceLevels: 1 << 16, idempotencyWindow: 16,
  // One bench merchant lists the whole seat map: its seats quota is the seat capacity.
  // Every bench account has its own principal (ownerOf): the quota table needs a row for each.
  quotas: { ...DEFAULT_LOGIC_CONFIG.quotas, seats: CHUNK_RECORDS * 2 + 16 }, maxPrincipals: 65_536,
};

/** Order streams around 1K resting orders get books sized for them (capacity is configuration). */
export const SMALL_BOOK_LOGIC_CONFIG: LogicConfig = { ...BENCH_LOGIC_CONFIG, maxOrders: 1 << 13, maxPriceLevels: 1 << 12 };

export type SetupStep = readonly [header: CommandHeader, spec: CommandSpec];

/** xorshift32: deterministic and allocation-free. */
export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 1;
  }
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }
  /** Integer in [0, n). */
  below(n: number): number {
    return this.next() % n;
  }
}

export const ADMIN: CommandHeader = { sequence: 0, principalId: 1, admin: true };
export const ownerOf = (accountId: number): number => 1000 + (accountId % 50_000);
export const as = (accountId: number, sequence = 0): CommandHeader => ({ sequence, principalId: ownerOf(accountId) });

/** Accounts firstId .. firstId + count - 1, each funded with `deposits`. */
export function accounts(count: number, deposits: readonly (readonly [assetId: number, amount: number])[], firstId = 1): SetupStep[] {
  const steps: SetupStep[] = [];
  for (let a = firstId; a < firstId + count; a++) {
    steps.push([as(a), { kind: 'createAccount', accountId: a }]);
    for (const [assetId, amount] of deposits) steps.push([ADMIN, { kind: 'deposit', accountId: a, assetId, amount }]);
  }
  return steps;
}

export const assets = (...ids: number[]): SetupStep[] => ids.map((assetId) => [ADMIN, { kind: 'createAsset', assetId }] as const);

/** Stamps sequences into a reused chunk (reusable workloads keep their records but move on in sequence). */
export function restampSequences(buf: RecordBuffer, count: number, firstSequence: number): void {
  for (let i = 0; i < count; i++) buf.f64[(i * RECORD_STRIDE + CmdHeader.SEQUENCE) >>> 3] = firstSequence + i;
}
