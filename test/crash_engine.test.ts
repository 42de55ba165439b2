/**
 * Crash test of the whole product: `ringline start` (gateway + engine + journal, fsync durability) in
 * a child process, a mixed load through the real TypeScript client over TCP, SIGKILL at a random
 * moment, restart on the same data directory — several times in a row. After each restart:
 *   - commands acknowledged before a kill are present: resent with their idempotency ids, the engine
 *     answers with the stored first results (DUPLICATE flag, same code, same body) — a sample after
 *     each kill, every acknowledged command after the last;
 * and at the end:
 *   - `ringline replay --verify --url` agrees with the running engine;
 *   - the engine's own GET_STATE_HASH equals the hash of an independent replay of the data directory
 *     (snapshot + journal, read-only) and equals `ringline replay`'s;
 *   - every DESIGN §4 invariant holds on the replayed state.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RinglineClient } from '../client/ringline_client.ts';
import type { CommandJson } from '../codec/types/command_json.ts';
import type { ResponseJson } from '../codec/types/response_json.ts';
import { createStateMachine, type LogicStateMachine } from '../core/logic/state_machine.ts';
import { checkInvariants } from '../core/logic/test_support/invariants.ts';
import { stateHashHex } from '../core/logic/state_hash.ts';
import type { LogicConfig } from '../core/logic/state_machine_api.ts';
import { recoverState } from '../replay/recovery.ts';
import { runReplayCli } from '../cli/replay_command.ts';
import { SMALL_LOGIC_CONFIG } from '../journal/test_support/ledger_workload.ts';
import { ADMIN_KEY, run, type Proc } from './test_support/replication_harness.ts';

const KILLS = Number(process.env.RINGLINE_CRASH_KILLS ?? 4);
const ACCOUNTS = 40;
const IN_FLIGHT = 64;
const LOGIC: LogicConfig = { ...SMALL_LOGIC_CONFIG, idempotencyWindow: 1 << 17 };

interface Server extends Proc {
  readonly tcpUrl: string;
}

async function startServer(dataDir: string, configPath: string): Promise<Server> {
  const proc = run(['start', '--data', dataDir, '--config', configPath, '--tcp-port', '0', '--ws-port=-1', '--durability', 'fsync']);
  const match = await proc.waitFor(/TCP listening on [\d.]+:(\d+)/);
  return { ...proc, tcpUrl: `tcp://127.0.0.1:${match[1]}` };
}

interface Acked {
  readonly command: CommandJson;
  readonly response: ResponseJson;
}

let nextIdempotencyId = 1_000_000;
let nextTransferId = 1;

/** A mixed command (transfers, two-phase transfers, purchases, withdrawals, reads), with its own idempotency id. */
function randomCommand(): CommandJson {
  const from = 1 + Math.floor(Math.random() * ACCOUNTS);
  const to = 1 + Math.floor(Math.random() * ACCOUNTS);
  const amount = 1 + Math.floor(Math.random() * 300);
  const pick = Math.random();
  const idempotencyId = nextIdempotencyId++;
  if (pick < 0.5) return { type: 'transfer', fromAccountId: from, toAccountId: to, assetId: 1, amount, idempotencyId };
  if (pick < 0.6) return { type: 'transferReserve', transferId: nextTransferId++, fromAccountId: from, toAccountId: to, assetId: 1, amount, idempotencyId };
  if (pick < 0.7) return { type: 'transferPost', transferId: Math.max(1, nextTransferId - 1 - Math.floor(Math.random() * 5)), idempotencyId };
  if (pick < 0.85) return { type: 'buy', itemId: 1, buyerAccountId: from, quantity: 1 + (amount % 3), idempotencyId };
  if (pick < 0.9) return { type: 'withdraw', accountId: from, assetId: 1, amount: amount % 20 + 1, idempotencyId };
  return { type: 'getBalance', accountId: from, assetId: 1 };
}

/** Sends commands, IN_FLIGHT at a time, until `stopAt`; returns the acknowledged ones. */
async function drive(client: RinglineClient, stopAtMs: number, acked: Acked[]): Promise<void> {
  const lanes = Array.from({ length: IN_FLIGHT }, async () => {
    while (Date.now() < stopAtMs) {
      const command = randomCommand();
      let response: ResponseJson;
      try {
        response = await client.send(command);
      } catch {
        return; // the server was killed: this command's fate is unknown, it was not acknowledged
      }
      expect(response.code === 0 || response.code >= 300, `unexpected ${response.status} for ${command.type}`).toBe(true);
      acked.push({ command, response });
    }
  });
  await Promise.all(lanes);
}

let dataDir = '';
let configPath = '';
beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'ringline-crash-engine-'));
  configPath = join(dataDir, 'ringline.json');
  writeFileSync(configPath, JSON.stringify({ engine: { logic: LOGIC, snapshotEveryCommands: 2000, snapshotsKept: 2 } }));
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('crash: SIGKILL `ringline start` under load through the real client, restart, nothing acknowledged is lost', () => {
  it(`keeps every acknowledged command across ${KILLS} kills`, async () => {
    const acked: Acked[] = [];
    let checkedDuplicates = 0;
    for (let round = 0; round <= KILLS; round++) {
      const server = await startServer(dataDir, configPath);
      const client = await RinglineClient.connect({ url: server.tcpUrl, apiKey: ADMIN_KEY, maxInFlight: IN_FLIGHT, reconnect: false });
      try {
        if (round === 0) {
          const setup: CommandJson[] = [{ type: 'createAsset', assetId: 1, idempotencyId: nextIdempotencyId++ }];
          for (let a = 1; a <= ACCOUNTS; a++) setup.push({ type: 'createAccount', accountId: a, idempotencyId: nextIdempotencyId++ });
          for (let a = 1; a <= ACCOUNTS; a++) setup.push({ type: 'deposit', accountId: a, assetId: 1, amount: 1_000_000, idempotencyId: nextIdempotencyId++ });
          setup.push({ type: 'createItem', itemId: 1, merchantAccountId: 1, priceAssetId: 1, unitPrice: 5, stock: 1_000_000, idempotencyId: nextIdempotencyId++ });
          for (const command of setup) {
            const response = await client.send(command);
            expect(response.code, `${command.type}: ${response.status}`).toBe(0);
            acked.push({ command, response });
          }
        }
        // Everything acknowledged before the kill is still there: the same id returns the stored result.
        const mutating = acked.filter((a) => a.command.idempotencyId !== undefined);
        // After each kill: the last 40 and 1% of the rest; after the last one: every single one.
        const sample = round === KILLS ? mutating : mutating.slice(-40).concat(mutating.filter(() => Math.random() < 0.01));
        const again = await Promise.all(sample.map((a) => client.send(a.command)));
        sample.forEach((a, i) => {
          const r = again[i];
          expect(r.flags & 1, `${a.command.type} seq ${a.response.sequence} was acknowledged but is not in the recovered state`).toBe(1);
          expect(r.code).toBe(a.response.code);
          expect(r.result).toEqual(a.response.result);
        });
        checkedDuplicates += sample.length;
        if (round === KILLS) break;

        const before = acked.length;
        // Kill at a random moment once this run has acknowledged 50 commands (however slow the machine).
        const driving = drive(client, Date.now() + 60_000, acked);
        while (acked.length - before <= 50) await new Promise((resolve) => setTimeout(resolve, 10));
        await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 900)));
        server.proc.kill('SIGKILL');
        await driving;
        await server.exited;
        expect(acked.length - before, 'the load made progress before the kill').toBeGreaterThan(50);
      } finally {
        await client.close().catch(() => undefined);
        if (round === KILLS) {
          // The last run: read the engine's own state hash, then stop it gracefully.
          const last = await RinglineClient.connect({ url: server.tcpUrl, apiKey: ADMIN_KEY, reconnect: false });
          const hashResponse = await last.send({ type: 'getStateHash' });
          await last.close();
          // `ringline replay --verify --url` checks the running engine against its own journal.
          const live: string[] = [];
          const liveCode = await runReplayCli(['--data', dataDir, '--config', configPath, '--verify', '--url', server.tcpUrl, '--key', ADMIN_KEY],
            { out: (l) => live.push(l), err: (l) => live.push(l) });
          expect(live.join('\n')).toMatch(/verify: ok: replay hash at sequence \d+ equals the running engine's/);
          expect(liveCode).toBe(0);
          server.proc.kill('SIGTERM');
          expect(await server.exited, server.output()).toBe(0);
          const body = hashResponse.result as { type: 'stateHash'; hashHigh: number; hashLow: number };
          const engineHash = stateHashHex(body.hashHigh, body.hashLow);

          // An independent replay of the data directory reaches the same state, and the invariants hold.
          const sm = createStateMachine(LOGIC) as LogicStateMachine;
          recoverState(sm, { dataDir, repair: false, readOnly: true });
          expect(sm.stateHash()).toBe(engineHash);
          expect(checkInvariants(sm)).toEqual([]);
          const lines: string[] = [];
          const code = await runReplayCli(['--data', dataDir, '--config', configPath, '--verify'],
            { out: (l) => lines.push(l), err: (l) => lines.push(l) });
          expect(code, lines.join('\n')).toBe(0);
          expect(lines.join('\n')).toContain(`state hash ${engineHash}`);
        }
      }
    }
    expect(checkedDuplicates).toBeGreaterThan(acked.length * 0.8); // all mutating ones at the end (reads are ~10%)
  }, 240_000); // five engine starts from source and a load between kills: 48 s of the default 60 s at load 30
});
