/**
 * Snapshots written by the shadow state machine, end to end on real threads and real files: the
 * logic only posts "snapshot at N"; the shadow replays the journal and writes the file. Its state at N
 * must be the logic's (the state hash the logic itself reports for sequence N, read with a
 * GET_STATE_HASH right after the SNAPSHOT), a restart must recover to it, and a shadow that cannot
 * read the journal must cost a logged failure, never the engine. The shadow's thread runs at idle
 * priority; where that cannot be set it snapshots all the same, and the log says why once.
 */
import { describe, expect, it } from 'vitest';
import { FIRST_SEQUENCE } from '../codec/records/command_descriptor.ts';
import type { RecordBuffer } from '../codec/records/record_buffer.ts';
import { ResHeader, StateHashResult } from '../codec/records/result_descriptor.ts';
import { ResultCode } from '../codec/result_codes.ts';
import { stateHashHex } from '../core/logic/state_hash.ts';
import { startEngine, type Engine } from '../engine/engine.ts';
import { SHADOW_CATCH_UP_EVERY } from '../engine/snapshot_scheduler.ts';
import { listSegments } from '../journal/segment_files.ts';
import { listSnapshots, readSnapshotFile } from '../journal/snapshot_file.ts';
import { BroadcastChannel } from 'node:worker_threads';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SCHED_IDLE_POLICY_NUMBER } from '../core/idle_thread.ts';
import { ioClassOf, threadsUnderPolicy } from '../core/test_support/thread_policy.ts';
import { CommandType } from '../codec/records/command_descriptor.ts';
import { TEST_WORKLOAD } from '../journal/test_support/journal_fixture.ts';
import { workloadCommand } from '../journal/test_support/ledger_workload.ts';
import { ECHO_STATE_MACHINE, TEST_JOURNALER_ENTRY, useCleanups, DURABLE_GATE_CHANNEL, send, sendRaw, tempDataDir, testOptions, until } from './test_support/engine_fixture.ts';

const cleanups = useCleanups();

/** Every result's sequence and code, and the hash answered to each GET_STATE_HASH, by sequence. */
function watch(engine: Engine): { count: () => number; codes: Map<number, number>; hashes: Map<number, string> } {
  const codes = new Map<number, number>();
  const hashes = new Map<number, string>();
  let count = 0;
  engine.onResult((buf: RecordBuffer, base: number) => {
    count++;
    const sequence = buf.f64[(base + ResHeader.INPUT_SEQUENCE) >>> 3];
    const code = buf.u16[(base + ResHeader.CODE) >>> 1];
    codes.set(sequence, code);
    if (buf.u16[(base + ResHeader.COMMAND_TYPE) >>> 1] === CommandType.GET_STATE_HASH && code === ResultCode.OK) {
      hashes.set(sequence, stateHashHex(buf.u32[(base + StateHashResult.HASH_HIGH_U32) >>> 2], buf.u32[(base + StateHashResult.HASH_LOW_U32) >>> 2]));
    }
  });
  return { count: () => count, codes, hashes };
}

/**
 * An engine of the echo logic whose journaler releases only what the test posts on `gate` and writes no
 * segment at all (so every shadow fails to read the journal, and logs it in `lines`).
 */
async function startGatedEngine(): Promise<{ engine: Engine; gate: BroadcastChannel; lines: string[] }> {
  const data = tempDataDir();
  cleanups.push(data.remove);
  process.env.TEST_JOURNALER_MODE = 'gated';
  const gate = new BroadcastChannel(DURABLE_GATE_CHANNEL);
  cleanups.push(() => gate.close());
  const lines: string[] = [];
  const engine = await startEngine(testOptions(data.dir, {
    stateMachineModule: ECHO_STATE_MACHINE, recoveryModule: null, journalerEntry: TEST_JOURNALER_ENTRY, log: (line) => lines.push(line),
  }));
  cleanups.push(() => engine.stop().catch(() => undefined));
  return { engine, gate, lines };
}

/** Publishes workload commands from index `from` to `to` in bursts, as a gateway would, backing off while the ring is full. */
async function publishWorkload(engine: Engine, from: number, to: number): Promise<void> {
  let i = from;
  while (i < to) {
    for (let burst = 0; burst < 200 && i < to; burst++) {
      const { admin, spec } = workloadCommand(TEST_WORKLOAD, i);
      if (send(engine, spec, i, admin) < 0) break;
      i++;
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('snapshots written by the shadow state machine', () => {
  it('periodic and SNAPSHOT-command snapshots hold the logic\'s state at their sequence, survive retention and restart to it', async () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    const lines: string[] = [];
    const every = SHADOW_CATCH_UP_EVERY + 4000; // longer than the catch-up period: the shadow follows in batches
    const options = testOptions(data.dir, {
      ringCapacity: 4096, snapshotEveryCommands: every, snapshotsKept: 1, log: (line) => lines.push(line),
      journal: { durability: 'none', segmentBytes: 1024 * 1024 },
    });
    const engine = await startEngine(options);
    cleanups.push(() => engine.stop().catch(() => undefined));
    const results = watch(engine);
    const total = 2 * every + 500;
    await publishWorkload(engine, 0, total);
    const snapshotAt = send(engine, { kind: 'snapshot' }, -1);
    const hashAt = send(engine, { kind: 'getStateHash' }, -2);
    expect(hashAt).toBe(snapshotAt + 1);
    const periodic = [FIRST_SEQUENCE + every - 1, FIRST_SEQUENCE + 2 * every - 1];
    await until(() => results.hashes.has(hashAt) && lines.some((l) => l.includes(`snapshot at sequence ${snapshotAt} `)), 'the SNAPSHOT written', 120_000);
    expect(results.count()).toBe(total + 2);
    for (const at of periodic) expect(lines.some((l) => l.includes(`snapshot at sequence ${at} `))).toBe(true);
    expect(lines.filter((l) => l.includes('failed') || l.includes('could not'))).toEqual([]);
    expect(engine.metrics().logic.snapshots).toBe(3);
    // The logic's own hash after the SNAPSHOT (GET_STATE_HASH changes nothing) is the shadow's at it.
    const logicHash = results.hashes.get(hashAt)!;
    expect(listSnapshots(data.dir).map((s) => s.sequence)).toEqual([snapshotAt]); // keep 1
    expect(readSnapshotFile(listSnapshots(data.dir)[0].path).stateHash).toBe(logicHash);
    expect(listSegments(data.dir)[0].firstSequence).toBeGreaterThan(FIRST_SEQUENCE); // retention retired the start
    await engine.stop();

    const again = await startEngine(options);
    cleanups.push(() => again.stop().catch(() => undefined));
    expect(again.recoveredSequence).toBe(hashAt);
    expect(again.recoveredStateHash).toBe(logicHash);
  }, 180_000);

  it('a shadow that cannot read the journal logs the failure; the engine serves on and a later snapshot tries a new shadow', async () => {
    const { engine, gate, lines } = await startGatedEngine();
    const results = watch(engine);
    // The echo logic answers every command OK, so a SNAPSHOT record is an accepted snapshot request.
    const first = sendRaw(engine, CommandType.SNAPSHOT, 1);
    gate.postMessage(first);
    await until(() => lines.some((l) => l.includes(`snapshot at sequence ${first} failed`)), 'the first failure logged', 60_000);
    expect(lines.some((l) => l.includes(`could not reach sequence ${first}: shadow: no journal segment holds sequence`))).toBe(true);
    const second = sendRaw(engine, CommandType.SNAPSHOT, 2);
    const third = sendRaw(engine, 1, 3);
    gate.postMessage(third);
    await until(() => results.count() === 3 && lines.some((l) => l.includes(`snapshot at sequence ${second} failed`)), 'served on; the second failure logged', 60_000);
    expect(engine.accepting).toBe(true);
    expect(engine.metrics().logic.snapshots).toBe(2);
    await engine.stop();
  }, 120_000);

  it('an engine without a result listener still hands a snapshot to the shadow once the journal reaches it', async () => {
    const { engine, gate, lines } = await startGatedEngine();
    // No onResult: an embedding that only submits. The snapshot request reaches the main thread before
    // its command is durable, so only the journal's progress can move it to the shadow.
    const at = sendRaw(engine, CommandType.SNAPSHOT, 1);
    await until(() => engine.metrics().logic.snapshots === 1, 'the logic asked for the snapshot', 60_000);
    await new Promise((resolve) => setTimeout(resolve, 100)); // its request reaches the main thread first
    gate.postMessage(at);
    // The gated journaler writes no segment, so the shadow it reaches fails, and says so: the handover happened.
    await until(() => lines.some((l) => l.includes(`snapshot at sequence ${at} failed`)), 'the snapshot handed to the shadow', 60_000);
    expect(lines.some((l) => l.includes(`could not reach sequence ${at}`))).toBe(true);
  }, 120_000);

  it('the shadow\'s thread, and only it, runs under SCHED_IDLE, its I/O at class idle', async () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    const lines: string[] = [];
    const engine = await startEngine(testOptions(data.dir, { log: (line) => lines.push(line) }));
    cleanups.push(() => engine.stop().catch(() => undefined));
    expect(threadsUnderPolicy(SCHED_IDLE_POLICY_NUMBER)).toEqual([]);
    watch(engine);
    const at = send(engine, { kind: 'snapshot' }, -1);
    await until(() => lines.some((l) => l.includes(`snapshot at sequence ${at} `)), 'the snapshot written', 60_000);
    const idle = threadsUnderPolicy(SCHED_IDLE_POLICY_NUMBER);
    expect(idle).toHaveLength(1); // the shadow stays for the next snapshot
    expect(ioClassOf(idle[0])).toBe('idle');
    expect(lines.filter((l) => l.includes('idle priority'))).toEqual([]);
    await engine.stop();
  }, 120_000);

  it('without util-linux on PATH the shadow snapshots at nice 19, and the log says why once', async () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    const path = process.env.PATH;
    process.env.PATH = mkdtempSync(join(tmpdir(), 'ringline-no-util-linux-')); // the shadow's thread copies it when it starts
    cleanups.push(() => { process.env.PATH = path; });
    const lines: string[] = [];
    const engine = await startEngine(testOptions(data.dir, { log: (line) => lines.push(line) }));
    cleanups.push(() => engine.stop().catch(() => undefined));
    watch(engine);
    const first = send(engine, { kind: 'snapshot' }, -1);
    const second = send(engine, { kind: 'snapshot' }, -2);
    await until(() => lines.some((l) => l.includes(`snapshot at sequence ${second} `)), 'both snapshots written', 60_000);
    expect(listSnapshots(data.dir).map((s) => s.sequence)).toEqual([first, second]);
    expect(lines.filter((l) => l.includes('idle priority'))).toEqual([
      'ringline: snapshot shadow not at idle priority (nice 19 where chrt is refused, the process\'s I/O priority where ionice is): ' +
        'no chrt on PATH (util-linux); no ionice on PATH (util-linux)',
    ]);
    expect(threadsUnderPolicy(SCHED_IDLE_POLICY_NUMBER)).toEqual([]);
    await engine.stop();
  }, 120_000);
});
