/**
 * Engine lifecycle on real threads: the real logic worker, recovery and journaler (durability none
 * and fsync) — plus stand-ins where a test needs a worker to misbehave or "durable" to lag.
 */
import { describe, expect, it } from 'vitest';
import { BroadcastChannel } from 'node:worker_threads';
import { FIRST_SEQUENCE } from '../codec/records/command_descriptor.ts';
import { ResultCode } from '../codec/result_codes.ts';
import { startEngine, type Engine } from '../engine/engine.ts';
import { ENGINE_TEST_BOOM } from './test_support/engine_echo_state_machine.ts';
import { ECHO_STATE_MACHINE, TEST_JOURNALER_ENTRY, useCleanups, DURABLE_GATE_CHANNEL, collectResults, send, sendRaw, tempDataDir, testOptions, until } from './test_support/engine_fixture.ts';

const cleanups = useCleanups();

/** The sequences FIRST_SEQUENCE, FIRST_SEQUENCE + 1, ... of the first `n` commands of a new engine. */
const firstSequences = (n: number): number[] => Array.from({ length: n }, (_, i) => FIRST_SEQUENCE + i);
const F = FIRST_SEQUENCE;

function track(engine: Engine): Engine {
  cleanups.push(() => engine.stop().catch(() => undefined));
  return engine;
}

/** An echo engine that records fatal errors; `journalerMode` picks the test journaler (gated, throw) or the real one. */
async function startEchoEngine(journalerMode: 'gated' | 'throw' | null): Promise<{ engine: Engine; fatal: Error[] }> {
  const data = tempDataDir();
  cleanups.push(data.remove);
  if (journalerMode !== null) process.env.TEST_JOURNALER_MODE = journalerMode;
  const fatal: Error[] = [];
  const engine = await startEngine(testOptions(data.dir, {
    stateMachineModule: ECHO_STATE_MACHINE, recoveryModule: null, onFatal: (e) => fatal.push(e),
    ...(journalerMode === null ? {} : { journalerEntry: TEST_JOURNALER_ENTRY }),
  }));
  return { engine, fatal };
}

/**
 * An echo engine whose journaler (or, with synchronous replication, replicator) is the gated test
 * worker: it advances its sequence only to what `gate` posts.
 */
async function startGatedEcho(gated: 'journaler' | 'replicator'): Promise<{
  engine: Engine; gate: BroadcastChannel; received: ReturnType<typeof collectResults>;
}> {
  const data = tempDataDir();
  cleanups.push(data.remove);
  process.env.TEST_JOURNALER_MODE = 'gated';
  const gate = new BroadcastChannel(DURABLE_GATE_CHANNEL);
  cleanups.push(() => gate.close());
  const engine = track(await startEngine(testOptions(data.dir, {
    stateMachineModule: ECHO_STATE_MACHINE, recoveryModule: null,
    ...(gated === 'journaler' ? { journalerEntry: TEST_JOURNALER_ENTRY } : { replicator: { entry: TEST_JOURNALER_ENTRY, mode: 'sync' as const } }),
  })));
  return { engine, gate, received: collectResults(engine) };
}

describe('engine with the real logic, recovery and journaler', () => {
  it('applies commands in order, releases each result once, drains on stop and recovers on restart', async () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    const engine = await startEngine(testOptions(data.dir, { journal: { durability: 'fsync' } }));
    expect(engine.recoveredSequence).toBe(F - 1); // sequence 0: the empty state
    expect(engine.logicMemory.length).toBeGreaterThan(0);
    expect(engine.logicMemory.every((r) => r.bytes >= 0 && r.name.length > 0)).toBe(true);
    const received = collectResults(engine);
    expect(send(engine, { kind: 'createAsset', assetId: 1 }, 100)).toBe(F);
    expect(send(engine, { kind: 'createAccount', accountId: 10 }, 101)).toBe(F + 1);
    expect(send(engine, { kind: 'deposit', accountId: 10, assetId: 1, amount: 500 }, 102)).toBe(F + 2);
    expect(send(engine, { kind: 'createAsset', assetId: 1 }, 103)).toBe(F + 3); // duplicate: a result code, not a crash
    await until(() => received.length === 4, 'four results');
    expect(received.map((r) => r.sequence)).toEqual(firstSequences(4));
    expect(received.map((r) => r.correlationId)).toEqual([100, 101, 102, 103]);
    expect(received.map((r) => r.code)).toEqual([ResultCode.OK, ResultCode.OK, ResultCode.OK, ResultCode.ASSET_EXISTS]);
    const s = engine.sequences();
    expect(s).toMatchObject({ published: F + 3, applied: F + 3, durable: F + 3, released: F + 3, replicated: -1 }); // -1: no replicator
    const m = engine.metrics();
    expect(m.logic.commandsApplied).toBe(4);
    expect(m.journal.recordsWritten).toBe(4);
    expect(m.journal.fsyncCount).toBeGreaterThan(0);
    expect(m.inputRingLag).toBe(0);
    expect(engine.accepting).toBe(true);
    await engine.stop();
    await engine.done;
    expect(engine.accepting).toBe(false);
    expect(engine.input.tryClaim()).toBe(-1);

    const again = track(await startEngine(testOptions(data.dir)));
    expect(again.recoveredSequence).toBe(F + 3);
    const more = collectResults(again);
    expect(send(again, { kind: 'deposit', accountId: 10, assetId: 1, amount: 1 }, 200)).toBe(F + 4);
    await until(() => more.length === 1, 'result after restart');
    expect(more[0]).toEqual({ sequence: F + 4, code: ResultCode.OK, correlationId: 200 });
  });

  it('recovers through the reader thread (recoveryReaderThreadMinBytes 0) to the state the one-thread replay reaches', async () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    const engine = await startEngine(testOptions(data.dir, { journal: { durability: 'fsync' } }));
    const received = collectResults(engine);
    const setup = [{ kind: 'createAsset', assetId: 1 }, { kind: 'createAccount', accountId: 10 }, { kind: 'createAccount', accountId: 11 },
      { kind: 'deposit', accountId: 10, assetId: 1, amount: 1_000_000 }] as const;
    let id = 0;
    for (const spec of setup) expect(send(engine, spec, ++id)).toBeGreaterThan(0);
    const transfers = 3000;
    for (let i = 0; i < transfers;) {
      // Every 7th transfer repeats an earlier idempotency id: the reader thread answers those from the window.
      const idempotencyId = i % 7 === 6 ? 5000 + i - 3 : 5000 + i;
      if (send(engine, { kind: 'transfer', fromAccountId: 10, toAccountId: 11, assetId: 1, amount: 1 + (i % 5) }, ++id, true, true, idempotencyId) > 0) i++;
      else await until(() => received.length >= id - 64, 'room in the ring');
    }
    await until(() => received.length === setup.length + transfers, 'every result');
    await engine.stop();

    const hashes: string[] = [];
    for (const recoveryReaderThreadMinBytes of [Number.MAX_SAFE_INTEGER, 0]) {
      // The reader takes over after 1000 records whatever the machine's speed (else this short journal is done first).
      const again = await startEngine(testOptions(data.dir, { recoveryReaderThreadMinBytes, recoveryReaderThreadHandOverAt: 1000 }));
      expect(again.recoveredSequence).toBe(F + setup.length + transfers - 1);
      if (recoveryReaderThreadMinBytes === 0) expect(again.recoveryReplay).toMatch(/a reader thread ahead of the logic after 1000 records/);
      else expect(again.recoveryReplay).not.toMatch(/reader thread/);
      hashes.push(again.recoveredStateHash);
      await again.stop();
    }
    expect(hashes[1]).toBe(hashes[0]);
  });

  it('loses nothing published when stopped under load: every published command gets its result', async () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    const engine = await startEngine(testOptions(data.dir, { ringCapacity: 1024 }));
    const received = collectResults(engine);
    expect(send(engine, { kind: 'createAsset', assetId: 1 }, 0)).toBe(F);
    let published = 1;
    let stopping: Promise<void> | null = null;
    // Publish in bursts from timers (as a gateway would) and stop in the middle of the stream.
    await new Promise<void>((resolve) => {
      const burst = (): void => {
        for (let i = 0; i < 200; i++) {
          if (send(engine, { kind: 'getBalance', accountId: 10, assetId: 1 }, published, false) < 0) break;
          published++;
        }
        if (published > 20_000 && stopping === null) {
          stopping = engine.stop();
          resolve();
          return;
        }
        setImmediate(burst);
      };
      burst();
    });
    await stopping;
    expect(send(engine, { kind: 'getStateHash' }, -1, false)).toBe(-1); // refused once stopping
    expect(received.length).toBe(published);
    expect(received.every((r, i) => r.sequence === F + i && r.correlationId === i)).toBe(true);
    const last = F + published - 1;
    expect(engine.sequences()).toMatchObject({ published: last, released: last, durable: last });
  });

  it('takes snapshots on the SNAPSHOT command once durable, and restarts from them', async () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    const lines: string[] = [];
    const engine = await startEngine(testOptions(data.dir, { log: (line) => lines.push(line) }));
    const received = collectResults(engine);
    send(engine, { kind: 'createAsset', assetId: 7 }, 1);
    send(engine, { kind: 'snapshot' }, 2);
    // The SNAPSHOT command is the second: the snapshot is at its sequence, F + 1.
    await until(() => received.length === 2 && lines.some((l) => l.includes(`snapshot at sequence ${F + 1}`)), 'snapshot written');
    expect(engine.metrics().logic.snapshots).toBe(1);
    const hash = engine.recoveredStateHash;
    await engine.stop();
    const again = track(await startEngine(testOptions(data.dir)));
    expect(again.recoveredSequence).toBe(F + 1);
    expect(again.recoveredStateHash).not.toBe(hash);
  });

  it('does not pause the logic for a SNAPSHOT it refused (not an admin)', async () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    const engine = track(await startEngine(testOptions(data.dir)));
    const received = collectResults(engine);
    send(engine, { kind: 'snapshot' }, 1, false);
    send(engine, { kind: 'snapshot' }, 2, true);
    await until(() => received.length === 2, 'both results');
    expect(received.map((r) => r.code)).toEqual([ResultCode.ADMIN_REQUIRED, ResultCode.OK]);
    await until(() => engine.metrics().logic.snapshots > 0, 'the admin snapshot');
    expect(engine.metrics().logic.snapshots).toBe(1);
  });
});

describe('engine lifecycle with stand-in workers', () => {
  it('releases a result only once the journaler has made it durable', async () => {
    const { engine, gate, received } = await startGatedEcho('journaler');
    for (let i = 0; i < 10; i++) sendRaw(engine, 1, i);
    await until(() => engine.sequences().applied === F + 9, 'logic applied all ten');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received.length).toBe(0); // applied, not durable: nothing released
    gate.postMessage(F + 3);
    await until(() => received.length === 4, 'results up to the durable sequence F + 3');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received.length).toBe(4);
    expect(engine.sequences()).toMatchObject({ durable: F + 3, released: F + 3, applied: F + 9 });
    gate.postMessage(F + 9);
    await until(() => received.length === 10, 'the rest once durable');
    expect(received.map((r) => r.sequence)).toEqual(firstSequences(10));
  });

  it('with synchronous replication, a result also waits for the replicator (third parallel consumer)', async () => {
    const { engine, gate, received } = await startGatedEcho('replicator');
    for (let i = 0; i < 5; i++) sendRaw(engine, 1, i);
    await until(() => engine.sequences().durable === F + 4, 'the real journaler made all five durable');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received.length).toBe(0); // durable, not replicated
    expect(engine.sequences().replicated).toBe(F - 1); // nothing replicated yet
    gate.postMessage(F + 1);
    await until(() => received.length === 2, 'results up to the replicated sequence F + 1');
    expect(engine.sequences()).toMatchObject({ replicated: F + 1, released: F + 1, durable: F + 4 });
    gate.postMessage(F + 4);
    await until(() => received.length === 5, 'the rest once replicated');
  });

  it('stop() has a deadline: a worker that never drains is terminated after stopTimeoutMs, and nothing it held is released', async () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    process.env.TEST_JOURNALER_MODE = 'gated'; // as a replicator that no follower ever acknowledges: stuck
    const engine = track(await startEngine(testOptions(data.dir, {
      stateMachineModule: ECHO_STATE_MACHINE, recoveryModule: null, replicator: { entry: TEST_JOURNALER_ENTRY, mode: 'sync' }, stopTimeoutMs: 500,
    })));
    const received = collectResults(engine);
    for (let i = 0; i < 3; i++) sendRaw(engine, 1, i);
    await until(() => engine.sequences().durable === F + 2, 'durable, never replicated');
    const started = Date.now();
    await engine.stop();
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(received).toEqual([]);
    await engine.done;
  });

  it('a logic worker that throws takes the engine down with its message', async () => {
    const { engine, fatal } = await startEchoEngine('gated');
    sendRaw(engine, 1, 1);
    sendRaw(engine, ENGINE_TEST_BOOM, 2);
    await expect(engine.done).rejects.toThrow(`logic worker died: echo state machine: boom at sequence ${F + 1}`);
    expect(fatal).toHaveLength(1);
    expect(fatal[0].message).toMatch(/logic worker died/);
    expect(engine.input.tryClaim()).toBe(-1);
    await expect(engine.stop()).rejects.toThrow(/logic worker died/);
  });

  it('a journaler that dies takes the engine down with its message', async () => {
    const { engine, fatal } = await startEchoEngine('throw');
    sendRaw(engine, 1, 1);
    await expect(engine.done).rejects.toThrow(/journaler worker died: disk on fire: cannot write \/nonexistent\/segment/);
    expect(fatal).toHaveLength(1);
  });

  it('a result listener that throws takes the engine down instead of re-delivering results', async () => {
    const { engine, fatal } = await startEchoEngine(null);
    const seen: number[] = [];
    engine.onResult((buf, base) => {
      const sequence = buf.f64[(base + 8) >>> 3];
      seen.push(sequence);
      if (sequence === F + 2) throw new Error('gateway bug');
    });
    for (let i = 0; i < 5; i++) sendRaw(engine, 1, i);
    await expect(engine.done).rejects.toThrow(`result listener threw at sequence ${F + 2}: gateway bug`);
    expect(seen).toEqual(firstSequences(3));
    expect(fatal).toHaveLength(1);
  });

  it('a worker that fails during start-up rejects startEngine with its message', async () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    await expect(startEngine(testOptions(data.dir, {
      stateMachineModule: new URL('./no_such_state_machine.ts', import.meta.url), recoveryModule: null,
    }))).rejects.toThrow(/logic worker failed to start: .*no_such_state_machine/);
  });
});
