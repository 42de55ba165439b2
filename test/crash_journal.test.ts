/**
 * Crash test: a child process running recovery, the ring, the business logic and the real journaler
 * worker (test/test_support/crash_child.ts) is killed with SIGKILL at random moments, several times in a
 * row, and restarted each time. After every restart: every acknowledged command is in the recovered
 * state, and the state the child recovered equals an independent replay of the journal. At the end:
 * a graceful stop, the ledger invariants, and snapshot + tail recovery equal to a full replay.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { recoverState } from '../replay/recovery.ts';
import { createStateMachine, type LogicStateMachine } from '../core/logic/state_machine.ts';
import { checkInvariants } from '../core/logic/test_support/invariants.ts';
import { SMALL_LOGIC_CONFIG } from '../journal/test_support/ledger_workload.ts';
import { CmdHeader, CommandType, Deposit } from '../codec/records/command_descriptor.ts';
import { ResHeader } from '../codec/records/result_descriptor.ts';
import { listSnapshots } from '../journal/snapshot_file.ts';
import { PREPARED_FILE_NAME, PREPARING_FILE_NAME } from '../journal/segment_preparation.ts';
import { checkJournal } from '../journal/journal_check.ts';

const CHILD = fileURLToPath(new URL('./test_support/crash_child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const KILLS = Number(process.env.RINGLINE_CRASH_KILLS ?? 4);
/** Each kill round starts a child (tsx, recovery, a replay check): ~1.5 s quiet, over 15 s at load 20. */
const CRASH_TEST_TIMEOUT_MS = 60_000 + KILLS * 60_000;
const MAX_PER_SECOND = 100_000;

interface Child {
  proc: ChildProcess;
  ready: Promise<{ lastSequence: number; stateHash: string }>;
  stopped: Promise<{ lastSequence: number; stateHash: string }>;
  maxAcked: () => number;
  exited: Promise<number | null>;
}

/** `segmentBytes` given: segments of that size, prepared ahead (prepareSegments). */
function startChild(dataDir: string, snapshotEvery: number, segmentBytes?: number): Child {
  const args = [CHILD, dataDir, 'fsync', String(snapshotEvery), String(MAX_PER_SECOND), ...(segmentBytes === undefined ? [] : [String(segmentBytes), 'prepare'])];
  const proc = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'],
  });
  let acked = -1;
  let stderr = '';
  proc.stderr?.on('data', (chunk) => { stderr += String(chunk); });
  let resolveReady!: (v: { lastSequence: number; stateHash: string }) => void;
  let resolveStopped!: (v: { lastSequence: number; stateHash: string }) => void;
  const ready = new Promise<{ lastSequence: number; stateHash: string }>((resolve) => { resolveReady = resolve; });
  const stopped = new Promise<{ lastSequence: number; stateHash: string }>((resolve) => { resolveStopped = resolve; });
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    const [word, a, b] = line.split(' ');
    if (word === 'ACK') acked = Math.max(acked, Number(a));
    else if (word === 'READY') resolveReady({ lastSequence: Number(a), stateHash: b });
    else if (word === 'STOPPED') resolveStopped({ lastSequence: Number(a), stateHash: b });
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => {
    if (code !== null && code !== 0) process.stderr.write(`crash child exited ${code}: ${stderr}\n`);
    resolve(code);
  }));
  return { proc, ready, stopped, maxAcked: () => acked, exited };
}

/** An independent replay of the journal (read-only, whole journal, no snapshot) up to `to`. */
function replayHash(dataDir: string, to?: number): { hash: string; lastSequence: number } {
  const sm = createStateMachine(SMALL_LOGIC_CONFIG);
  const report = recoverState(sm, { dataDir, repair: false, readOnly: true, useSnapshots: false, toSequence: to });
  return { hash: sm.stateHash(), lastSequence: report.lastSequence };
}

let dataDir = '';
beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'ringline-crash-'));
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('crash: SIGKILL the engine at random moments, restart, nothing acknowledged is lost', () => {
  it(`survives ${KILLS} kills in a row`, async () => {
    let previousAcked = -1;
    let totalAcked = 0;
    for (let round = 0; round < KILLS; round++) {
      const child = startChild(dataDir, 10_000);
      const ready = await child.ready;
      // Every command acknowledged before the last kill is in the recovered state.
      expect(ready.lastSequence).toBeGreaterThanOrEqual(previousAcked);
      // The state the engine recovered (snapshot + journal) is the state a full journal replay gives.
      expect(replayHash(dataDir, ready.lastSequence)).toEqual({ hash: ready.stateHash, lastSequence: ready.lastSequence });
      // Kill at a random moment once this run has acknowledged something (however slow the machine).
      while (child.maxAcked() <= ready.lastSequence) await new Promise((resolve) => setTimeout(resolve, 10));
      await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 800)));
      child.proc.kill('SIGKILL');
      await child.exited;
      expect(child.maxAcked()).toBeGreaterThan(ready.lastSequence); // it made progress this round
      totalAcked += child.maxAcked() - ready.lastSequence;
      previousAcked = child.maxAcked();
    }
    expect(totalAcked).toBeGreaterThan(KILLS * 100);

    // Last run: recover, then stop gracefully.
    const child = startChild(dataDir, 10_000);
    const ready = await child.ready;
    expect(ready.lastSequence).toBeGreaterThanOrEqual(previousAcked);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    child.proc.stdin?.write('stop\n');
    const stopped = await child.stopped;
    expect(await child.exited).toBe(0);

    // A full journal replay gives the engine's final state, and the ledger invariants hold on it:
    // nothing negative, and the sum of all balances equals successful deposits minus withdrawals.
    const sm = createStateMachine(SMALL_LOGIC_CONFIG) as LogicStateMachine;
    let net = 0;
    const fullReport = recoverState(sm, {
      dataDir, repair: false, readOnly: true, useSnapshots: false,
      onApplied: (cmd, base, out, outBase) => {
        if (out.u16[(outBase + ResHeader.CODE) >>> 1] !== 0) return;
        const type = cmd.u16[(base + CmdHeader.TYPE) >>> 1];
        const amount = cmd.f64[(base + Deposit.AMOUNT) >>> 3];
        if (type === CommandType.DEPOSIT) net += amount;
        else if (type === CommandType.WITHDRAW) net -= amount;
      },
    });
    expect(fullReport.lastSequence).toBe(stopped.lastSequence);
    expect(sm.stateHash()).toBe(stopped.stateHash);
    let total = 0;
    for (let i = 0; i < sm.ledger.available.length; i++) total += sm.ledger.available[i] + sm.ledger.reserved[i];
    expect(net).toBeGreaterThan(0);
    expect(total).toBe(net);
    expect(checkInvariants(sm)).toEqual([]);

    // Snapshot + tail recovery lands on the same state.
    expect(listSnapshots(dataDir).length).toBeGreaterThan(0);
    const fromSnapshot = createStateMachine(SMALL_LOGIC_CONFIG);
    const report = recoverState(fromSnapshot, { dataDir, repair: false, readOnly: true });
    expect(report.snapshotSequence).toBeGreaterThan(0);
    expect(fromSnapshot.stateHash()).toBe(stopped.stateHash);
  }, CRASH_TEST_TIMEOUT_MS);
});

describe('crash: SIGKILL while the next journal segment is being prepared', () => {
  it(`keeps every acknowledged command across ${KILLS} kills that fall during a zero-fill`, async () => {
    // 1 MiB segments at ~100k commands/s roll every ~0.1 s, and a paced zero-fill of the next one takes
    // ~30 ms of it: the kill is sent the moment the half-written file is seen.
    const segmentBytes = 1024 * 1024;
    const dir = mkdtempSync(join(tmpdir(), 'ringline-crash-prep-'));
    const preparing = join(dir, 'journal', PREPARING_FILE_NAME);
    let previousAcked = -1;
    let killedWhilePreparing = 0;
    try {
      for (let round = 0; round < KILLS; round++) {
        const child = startChild(dir, 0, segmentBytes);
        const ready = await child.ready;
        expect(ready.lastSequence).toBeGreaterThanOrEqual(previousAcked);
        expect(replayHash(dir, ready.lastSequence)).toEqual({ hash: ready.stateHash, lastSequence: ready.lastSequence });
        while (child.maxAcked() <= ready.lastSequence) await new Promise((resolve) => setTimeout(resolve, 5));
        // Wait for a zero-fill in progress (the journal keeps rolling, so one always comes).
        while (!existsSync(preparing)) await new Promise((resolve) => setImmediate(resolve));
        child.proc.kill('SIGKILL');
        await child.exited;
        if (existsSync(preparing)) killedWhilePreparing++;
        expect(child.maxAcked()).toBeGreaterThan(ready.lastSequence);
        previousAcked = child.maxAcked();
      }
      process.stdout.write(`crash during preparation: ${killedWhilePreparing} of ${KILLS} kills left a half-prepared file\n`);
      // The last start: recovery, a half-prepared file removed, journaling on, a graceful stop.
      const child = startChild(dir, 0, segmentBytes);
      const ready = await child.ready;
      expect(ready.lastSequence).toBeGreaterThanOrEqual(previousAcked);
      while (child.maxAcked() <= ready.lastSequence + 1000) await new Promise((resolve) => setTimeout(resolve, 10));
      while (!existsSync(join(dir, 'journal', PREPARED_FILE_NAME))) await new Promise((resolve) => setTimeout(resolve, 5));
      child.proc.stdin?.write('stop\n');
      const stopped = await child.stopped;
      expect(await child.exited).toBe(0);
      expect(replayHash(dir)).toEqual({ hash: stopped.stateHash, lastSequence: stopped.lastSequence });
      // Every segment reads to its end; none is a prepared file taken for journal.
      const check = await checkJournal(dir, { threads: 1 });
      expect([check.problems, check.tornTail, check.lastSequence]).toEqual([[], false, stopped.lastSequence]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, CRASH_TEST_TIMEOUT_MS);
});
