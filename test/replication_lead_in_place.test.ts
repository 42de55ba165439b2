/**
 * A follower's engine becomes the leader's without a restart (Engine.lead; cluster mode's leadInPlace):
 * real engines, real replication sockets. Primary P leads epoch 1 with follower A (whose replicator is
 * dormant); P stops; A pauses (every received record durable), hands its engine over and leads epoch 2
 * from there. A write on A is held until a follower acknowledges it (P's old data directory, following
 * A), and all three journals replay to one state.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCommand, type CommandSpec } from '../core/logic/test_support/command_writer.ts';
import { ResHeader } from '../codec/records/result_descriptor.ts';
import type { InputPublisher, ResultListener } from '../core/engine_api.ts';
import { replicatorEngineOption, startRinglineEngine } from '../cli/engine_handle.ts';
import { startFollower, type Follower } from '../replication/follower.ts';
import { freePort } from '../perf/engine/free_port.ts';
import { SMALL_LOGIC } from './test_support/engine_fixture.ts';
import { replayHash } from './test_support/replication_harness.ts';

let root = '';
beforeAll(() => { root = mkdtempSync(join(tmpdir(), 'ringline-lead-in-place-')); });
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Target { readonly input: InputPublisher; onResult(listener: ResultListener): void }

function collect(target: Target): Map<number, number> {
  const codes = new Map<number, number>();
  target.onResult((buf, base) => { codes.set(buf.f64[(base + ResHeader.INPUT_SEQUENCE) >>> 3], buf.u16[(base + ResHeader.CODE) >>> 1]); });
  return codes;
}

function send(target: Target, spec: CommandSpec): number {
  const base = target.input.tryClaim();
  if (base < 0) throw new Error('ring full');
  const sequence = target.input.lastClaimedSequence;
  writeCommand(target.input.buffer, base, { sequence, principalId: 1, admin: true, correlationId: sequence, sessionId: 1 }, spec);
  target.input.publish();
  return sequence;
}

async function until(what: string, condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const ENGINE = { logic: SMALL_LOGIC, ringCapacity: 256, batchMax: 64 };

describe('a follower leads without restarting its engine', () => {
  it('keeps every record, and gates the new epoch on a follower acknowledgement', async () => {
    const [portP, portA] = [await freePort(), await freePort()];
    const p = join(root, 'p');
    const a = join(root, 'a');
    const sync = { mode: 'sync' as const, host: '127.0.0.1', noFollower: 'wait' as const, ackFollowers: 1 };
    const primary = await startRinglineEngine({ dataDir: p, durability: 'fsync', engine: ENGINE, replication: { ...sync, port: portP }, epoch: 1, epochStart: 0 });
    let follower: Follower | null = null;
    let oldPrimary: Follower | null = null;
    let stopLeader: (() => Promise<void>) | null = null;
    try {
      follower = await startFollower({
        primaryHost: '127.0.0.1', primaryPort: portP, primaryEpoch: 1, dataDir: a, durability: 'fsync', httpPort: -1, reconnectMs: 20, log: () => undefined,
        engine: { ...ENGINE, replicator: replicatorEngineOption({ ...sync, port: portA }, 0, -1, true) },
      });
      const onP = collect(primary);
      const sent = [
        send(primary, { kind: 'createAsset', assetId: 1 }),
        send(primary, { kind: 'createAccount', accountId: 1 }),
        send(primary, { kind: 'deposit', accountId: 1, assetId: 1, amount: 50 }),
      ];
      await until('P answers after A acknowledged', () => sent.every((s) => onP.get(s) === 0));
      await primary.stop();

      const last = await follower.pause();
      expect(last).toBe(sent[2]);
      expect(follower.isPaused).toBe(true);
      const engine = follower.handOver();
      stopLeader = () => engine.stop();
      await expect(engine.lead(2, last - 1)).rejects.toThrow(/starts after/);
      await engine.lead(2, last);

      const onA = collect(engine);
      const write = send(engine, { kind: 'deposit', accountId: 1, assetId: 1, amount: 7 });
      expect(write).toBe(last + 1);
      // Nobody follows A yet: the write is journaled on A but not released (a quorum is A + 1 follower).
      await until('A journaled the write', () => engine.sequences().durable >= write);
      expect(onA.has(write)).toBe(false);

      // The old primary's data directory follows A (its journal ends where epoch 2 began) and acknowledges.
      oldPrimary = await startFollower({
        primaryHost: '127.0.0.1', primaryPort: portA, primaryEpoch: 2, dataDir: p, durability: 'fsync', httpPort: -1, reconnectMs: 20, log: () => undefined,
        engine: ENGINE,
      });
      await until('A releases the write once P acknowledged it', () => onA.get(write) === 0);
      expect(oldPrimary.status().durableSequence).toBeGreaterThanOrEqual(write);
      await oldPrimary.stop();
      oldPrimary = null;
      await engine.stop();
      stopLeader = null;
      expect(replayHash(p)).toEqual(replayHash(a));
      expect(replayHash(a).lastSequence).toBe(write);
    } finally {
      await oldPrimary?.stop();
      await stopLeader?.();
      await follower?.stop();
      await primary.stop();
    }
  }, 120_000);
});
