/**
 * Replay mode of the idempotency window (idempotency.ts): a state machine replaying with
 * setReplaying(true) answers every command (duplicates included) with the same result bytes as a
 * live one, and its state — the rebuilt id index included — is byte for byte the live state whenever
 * it is read (stateHash, exportState), in the middle of a replay or after it.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createRecordBuffer } from '../../codec/records/record_buffer.ts';
import { ResHeader, RES_MAX_RECORD_BYTES, RESULT_FLAG_DUPLICATE } from '../../codec/records/result_descriptor.ts';
import { createStateMachine, DEFAULT_LOGIC_CONFIG } from './state_machine.ts';
import { writeCommand, type CommandSpec } from './test_support/command_writer.ts';

const ACCOUNTS = 6;
const SMALL_LOGIC_CONFIG = { ...DEFAULT_LOGIC_CONFIG, maxAssets: 4, maxAccounts: 64, maxBalances: 128, maxPendingTransfers: 64, maxItems: 8,
  maxEvents: 4, maxSeats: 64, maxSymbols: 2, maxOrders: 64, maxPriceLevels: 64, maxStopOrders: 16, doneOrderWindow: 16 };

/**
 * Command `i` of a small ledger stream: an asset, ACCOUNTS accounts with deposits, then (from `n`)
 * transfers, withdrawals and balance reads between them; some are refused (a result code is remembered too).
 */
function workloadCommand(i: number): { admin: boolean; spec: CommandSpec } {
  if (i === 0) return { admin: true, spec: { kind: 'createAsset', assetId: 1 } };
  if (i <= ACCOUNTS) return { admin: false, spec: { kind: 'createAccount', accountId: i } };
  if (i <= 2 * ACCOUNTS) return { admin: true, spec: { kind: 'deposit', accountId: i - ACCOUNTS, assetId: 1, amount: 1_000 } };
  const h = Math.imul(i, 0x9e3779b1) >>> 0;
  const from = 1 + (h % ACCOUNTS);
  const to = 1 + ((h >>> 8) % ACCOUNTS);
  const amount = 1 + ((h >>> 16) % 300);
  const pick = (h >>> 24) % 10;
  if (pick < 7) return { admin: false, spec: { kind: 'transfer', fromAccountId: from, toAccountId: to, assetId: 1, amount } };
  if (pick < 8) return { admin: true, spec: { kind: 'withdraw', accountId: from, assetId: 1, amount } };
  return { admin: false, spec: { kind: 'getBalance', accountId: from, assetId: 1 } };
}

/** One step of the stream: which command, whose, which idempotency id (small pools: many repeats). */
const step = fc.record({
  command: fc.nat({ max: 10_000 }),
  principal: fc.integer({ min: 1, max: 3 }),
  idempotencyId: fc.oneof(
    { arbitrary: fc.constant(0), weight: 1 },
    { arbitrary: fc.integer({ min: 1, max: 12 }), weight: 6 },
    { arbitrary: fc.integer({ min: 1, max: 2 ** 53 - 1 }), weight: 1 },
  ),
  /** Now and then: read the replaying machine's state here (stateHash, exportState) or toggle its replay mode. */
  look: fc.oneof(
    { arbitrary: fc.constant('none'), weight: 40 },
    { arbitrary: fc.constantFrom('hash', 'export', 'toggle'), weight: 1 },
  ),
});

function exportedBytes(sections: readonly { readonly name: string; readonly bytes: Uint8Array }[]): string[] {
  return sections.map((s) => `${s.name}:${Buffer.from(s.bytes).toString('base64')}`);
}

describe('idempotency replay mode', () => {
  it('answers and ends exactly as the live path, duplicates and evictions included, with the state read at any point', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 9 }), fc.array(step, { minLength: 1, maxLength: 400 }), (window, steps) => {
      const config = { ...SMALL_LOGIC_CONFIG, idempotencyWindow: window };
      const live = createStateMachine(config);
      const replaying = createStateMachine(config);
      replaying.setReplaying(true);
      let on = true;
      const cmd = createRecordBuffer(new ArrayBuffer(512));
      const outLive = createRecordBuffer(new ArrayBuffer(RES_MAX_RECORD_BYTES));
      const outReplay = createRecordBuffer(new ArrayBuffer(RES_MAX_RECORD_BYTES));
      const setup = 1 + 2 * ACCOUNTS;
      for (let i = 0; i < setup + steps.length; i++) {
        const s = i < setup ? null : steps[i - setup];
        // Set-up first (asset, accounts, deposits), then the random stream over those accounts.
        const { admin, spec } = workloadCommand(i < setup ? i : setup + (s?.command ?? 0));
        writeCommand(cmd, 0, {
          sequence: i + 1, principalId: s?.principal ?? 7, admin, sessionId: 1, correlationId: i, idempotencyId: s?.idempotencyId ?? 0,
        }, spec);
        const length = live.apply(cmd, 0, outLive, 0);
        expect(replaying.apply(cmd, 0, outReplay, 0)).toBe(length);
        expect(outReplay.u32[ResHeader.LENGTH >>> 2]).toBe(outLive.u32[ResHeader.LENGTH >>> 2]);
        expect(Buffer.from(outReplay.bytes.subarray(0, length))).toEqual(Buffer.from(outLive.bytes.subarray(0, length)));
        if (s?.look === 'hash') expect(replaying.stateHash()).toBe(live.stateHash());
        if (s?.look === 'export') expect(exportedBytes(replaying.exportState())).toEqual(exportedBytes(live.exportState()));
        if (s?.look === 'toggle') replaying.setReplaying((on = !on));
      }
      // Still in replay mode (tables, no index) or not: what the state shows is the live state, byte for byte.
      expect(exportedBytes(replaying.exportState())).toEqual(exportedBytes(live.exportState()));
      replaying.setReplaying(false);
      expect(replaying.stateHash()).toBe(live.stateHash());
    }), { numRuns: 150 });
  });

  it('replays long enough to wrap the ring many times with the tables in use, then rebuilds the index the live path holds', () => {
    const config = { ...SMALL_LOGIC_CONFIG, idempotencyWindow: 64 };
    const live = createStateMachine(config);
    const replaying = createStateMachine(config);
    replaying.setReplaying(true);
    const cmd = createRecordBuffer(new ArrayBuffer(512));
    const out = createRecordBuffer(new ArrayBuffer(RES_MAX_RECORD_BYTES));
    const outReplay = createRecordBuffer(new ArrayBuffer(RES_MAX_RECORD_BYTES));
    let duplicates = 0;
    for (let i = 0; i < 5_000; i++) {
      const { admin, spec } = workloadCommand(i < 13 ? i : 13 + (i % 997));
      // Ids repeat at distances around the window: some still remembered, some just forgotten.
      const idempotencyId = i < 13 ? 0 : 1 + (Math.imul(i, 0x2545f491) >>> 0) % 80;
      writeCommand(cmd, 0, { sequence: i + 1, principalId: 7, admin, sessionId: 1, correlationId: i, idempotencyId }, spec);
      const length = live.apply(cmd, 0, out, 0);
      expect(replaying.apply(cmd, 0, outReplay, 0)).toBe(length);
      expect(Buffer.from(outReplay.bytes.subarray(0, length))).toEqual(Buffer.from(out.bytes.subarray(0, length)));
      if ((out.u32[ResHeader.FLAGS >>> 2] & RESULT_FLAG_DUPLICATE) !== 0) duplicates++;
    }
    // Repeats inside the window were answered from the stored result (with the tables in use most of the run).
    expect(duplicates).toBeGreaterThan(1_000);
    replaying.setReplaying(false);
    expect(exportedBytes(replaying.exportState())).toEqual(exportedBytes(live.exportState()));
    expect(live.idempotency.remembers(7, 1 + (Math.imul(4_999, 0x2545f491) >>> 0) % 80)).toBe(true);
  });
});
