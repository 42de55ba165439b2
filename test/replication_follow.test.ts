/**
 * Replication with real processes: `ringline start --replication async` and `ringline follow`.
 * The follower joins late (catch-up from the primary's journal files), follows live under load, is
 * killed with SIGKILL and restarted (catches up again), and in the end its journal replays to the
 * primary's exact state hash and last sequence.
 */
import { describe, it, expect } from 'vitest';
import {
  connectClient, hashAt, drive, maxSequence, nextId, replayHash, sendSetup, sleep, startFollowerProc, startPrimary, until, writeConfig,
  type Acked, type FollowerProc, type Primary,
  useTestRoot,
} from './test_support/replication_harness.ts';

const root = useTestRoot('ringline-repl-follow-');

describe('replication: primary + follower as real processes', () => {
  it('a late follower catches up, follows under load, survives SIGKILL, and ends with the primary\'s state hash', async () => {
    const primaryDir = root.path('primary');
    const followerDir = root.path('follower');
    const config = writeConfig(root.path());
    const primary: Primary = await startPrimary(primaryDir, config, { mode: 'async' });
    let follower: FollowerProc | null = null;
    try {
      const client = await connectClient(primary.tcpUrl);
      const acked: Acked[] = [];
      await sendSetup(client, acked);
      // Load before any follower exists: the follower must catch up from the journal files.
      let stopAt = Date.now() + 1000;
      await drive(client, () => Date.now() > stopAt, acked);
      follower = await startFollowerProc(followerDir, config, primary.replicationPort);
      stopAt = Date.now() + 1500;
      const load = drive(client, () => Date.now() > stopAt, acked);
      await sleep(700);
      await follower.kill('SIGKILL'); // mid-load
      await load;
      stopAt = Date.now() + 1000;
      const load2 = drive(client, () => Date.now() > stopAt, acked);
      follower = await startFollowerProc(followerDir, config, primary.replicationPort, true);
      await load2;
      const last = maxSequence(acked);
      const f = follower;
      expect(acked.length).toBeGreaterThan(500);
      await until(`the follower is durable up to ${last}`, async () => (await f.health()).durableSequence >= last);
      const health = await follower.health();
      expect(health.connected).toBe(1);
      expect(health.lagSequences).toBe(0);

      // Read-only queries on the follower answer the primary's state; writes are refused.
      const reader = await connectClient(follower.tcpUrl);
      const primaryHash = await client.send({ type: 'getStateHash' });
      await until('the follower has the hash query too', async () => (await f.health()).durableSequence >= primaryHash.sequence);
      const followerHash = await reader.send({ type: 'getStateHash' });
      expect(followerHash.code).toBe(0);
      expect(followerHash.sequence).toBe(primaryHash.sequence);
      expect(followerHash.result).toEqual(primaryHash.result);
      for (const account of [1, 7, 40]) {
        const onPrimary = await client.send({ type: 'getBalance', accountId: account, assetId: 1 });
        const onFollower = await reader.send({ type: 'getBalance', accountId: account, assetId: 1 });
        expect(onFollower.result).toEqual(onPrimary.result);
      }
      const write = await reader.send({ type: 'transfer', fromAccountId: 1, toAccountId: 2, assetId: 1, amount: 1, idempotencyId: nextId() });
      expect(write.status).toBe('READ_ONLY_FOLLOWER');
      expect(write.code).toBe(902);
      await reader.close();
      const final = (await client.send({ type: 'getStateHash' })).sequence;
      await until(`the follower is durable up to ${final}`, async () => (await f.health()).durableSequence >= final);
      await client.close();
      expect(await follower.kill('SIGTERM'), follower.output()).toBe(0);
      expect(await primary.kill('SIGTERM'), primary.output()).toBe(0);
      const p = replayHash(primaryDir);
      const fr = replayHash(followerDir);
      expect(p.lastSequence).toBe(final);
      expect(fr).toEqual(p);
      // Not only at the end: the two journals give the same state at any sequence.
      for (const at of [0, Math.floor(final / 3), Math.floor(final / 2) + 1, final - 1]) {
        const h = hashAt(primaryDir, at);
        expect(h).not.toBe('');
        expect(hashAt(followerDir, at), `state hash at sequence ${at}`).toBe(h);
      }
    } finally {
      await follower?.kill('SIGKILL');
      await primary.kill('SIGKILL');
    }
  }, 60_000);

  it('async: the follower is never ahead of a primary killed with SIGKILL; it reconnects to the restarted primary and follows on', async () => {
    const primaryDir = root.path('primary2');
    const followerDir = root.path('follower2');
    const config = writeConfig(root.path());
    let primary: Primary = await startPrimary(primaryDir, config, { mode: 'async' });
    const replicationPort = primary.replicationPort;
    const follower = await startFollowerProc(followerDir, config, replicationPort);
    try {
      let client = await connectClient(primary.tcpUrl);
      const acked: Acked[] = [];
      await sendSetup(client, acked);
      let stop = false;
      const load = drive(client, () => stop, acked);
      await until('the load made progress', () => acked.length > 400);
      await primary.kill('SIGKILL');
      stop = true;
      await load;
      await client.close().catch(() => undefined);

      primary = await startPrimary(primaryDir, config, { mode: 'async', replicationPort });
      await until('the follower reconnected', async () => {
        const h = await follower.health();
        return h.connected === 1 && h.reconnects >= 1;
      });
      client = await connectClient(primary.tcpUrl);
      const more: Acked[] = [];
      const stopAt = Date.now() + 800;
      await drive(client, () => Date.now() > stopAt, more);
      const final = (await client.send({ type: 'getStateHash' })).sequence;
      await until(`the follower is durable up to ${final}`, async () => (await follower.health()).durableSequence >= final);
      expect(more.length).toBeGreaterThan(100);
      await client.close();
      expect(await follower.kill('SIGTERM'), follower.output()).toBe(0);
      expect(await primary.kill('SIGTERM'), primary.output()).toBe(0);
      expect(follower.output()).toContain('lost the primary');
      const p = replayHash(primaryDir);
      expect(p.lastSequence).toBe(final);
      expect(replayHash(followerDir)).toEqual(p);
    } finally {
      await follower.kill('SIGKILL');
      await primary.kill('SIGKILL');
    }
  }, 60_000);
});
