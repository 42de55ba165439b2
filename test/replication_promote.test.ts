/**
 * Synchronous replication and promotion with real processes:
 * - sync mode with no follower holds results (health says noFollower=1) and releases them once a
 *   follower acknowledges;
 * - SIGKILL the primary under load, promote the follower (`ringline promote`), start it as the new
 *   primary: every command the old primary acknowledged is there (resent with its idempotency id, it
 *   comes back as a DUPLICATE with the first result);
 * - the old primary, restarted with --peers naming the new one, refuses to start (STALE_EPOCH).
 */
import { describe, it, expect } from 'vitest';
import type { ResponseJson } from '../codec/types/response_json.ts';
import { readEpoch, readEpochStart } from '../replication/replication_epoch.ts';
import {
  ADMIN_KEY, connectClient, drive, freePort, nextId, run, sendSetup, setupCommands, sleep, startFollowerProc, startPrimary, until, writeConfig,
  type Acked, type FollowerProc, type Primary,
  useTestRoot,
} from './test_support/replication_harness.ts';

const root = useTestRoot('ringline-repl-promote-');

describe('sync replication, primary crash, promotion', () => {
  it('keeps every acknowledged command through SIGKILL of the primary and promotion of the follower', async () => {
    const oldDir = root.path('a');
    const newDir = root.path('b');
    const config = writeConfig(root.path());
    let primary: Primary | null = await startPrimary(oldDir, config, { mode: 'sync', noFollower: 'wait' });
    let follower: FollowerProc | null = null;
    let promoted: Primary | null = null;
    try {
      const client = await connectClient(primary.tcpUrl);
      const acked: Acked[] = [];
      // 1. No follower: the first command is journaled but its result waits for a follower.
      const setup = setupCommands();
      let answered = false;
      const first = client.send(setup[0]).then((r) => { answered = true; return r; });
      const p = primary;
      await until('health reports sync mode without a follower', async () => (await p.replication()).noFollower === 1);
      expect(await primary.replication()).toMatchObject({ mode: 'sync', followersConnected: 0, noFollower: 1, degraded: 0 });
      await sleep(300);
      expect(answered).toBe(false);
      follower = await startFollowerProc(newDir, config, primary.replicationPort);
      const firstResponse = await first;
      expect(firstResponse.code).toBe(0);
      acked.push({ command: setup[0], response: firstResponse });
      expect(await primary.replication()).toMatchObject({ followersConnected: 1, noFollower: 0 });
      for (const command of setup.slice(1)) acked.push({ command, response: await client.send(command) });

      // 2. Load, then SIGKILL the primary while commands are in flight.
      const before = acked.length;
      let stop = false;
      const load = drive(client, () => stop, acked);
      await until('the load made progress', () => acked.length - before > 300);
      await sleep(200 + Math.floor(Math.random() * 300));
      await primary.kill('SIGKILL');
      stop = true;
      await load;
      await client.close().catch(() => undefined);
      primary = null;

      // 3. Promote the follower and start it as the new primary.
      expect(await follower.kill('SIGTERM'), follower.output()).toBe(0);
      follower = null;
      const promote = run(['promote', '--data', newDir]);
      expect(await promote.exited, promote.output()).toBe(0);
      expect(promote.output()).toContain('is now epoch 1');
      expect(readEpoch(newDir)).toBe(1);
      promoted = await startPrimary(newDir, config, { mode: 'async' });
      expect((await promoted.replication()).epoch).toBe(1);

      // 4. Every acknowledged mutating command is in the new primary.
      const fresh = await connectClient(promoted.tcpUrl);
      const mutating = acked.filter((a) => a.command.idempotencyId !== undefined && a.response.code === 0);
      expect(mutating.length).toBeGreaterThan(300);
      const again: ResponseJson[] = [];
      for (let i = 0; i < mutating.length; i += 256) {
        again.push(...await Promise.all(mutating.slice(i, i + 256).map((a) => fresh.send(a.command))));
      }
      mutating.forEach((a, i) => {
        expect(again[i].flags & 1, `${a.command.type} at sequence ${a.response.sequence} was acknowledged but is missing after promotion`).toBe(1);
        expect(again[i].code).toBe(a.response.code);
        expect(again[i].result).toEqual(a.response.result);
      });
      // The new primary accepts new writes after the last replicated sequence.
      const write = await fresh.send({ type: 'createAsset', assetId: 2, idempotencyId: nextId() });
      expect(write.code).toBe(0);
      expect(write.sequence).toBeGreaterThan(Math.max(...mutating.map((a) => a.response.sequence)));
      await fresh.close();

      // 5. The old primary refuses to start while the newer epoch exists among its peers.
      const stale = run(['start', '--data', oldDir, '--config', config, '--tcp-port', '0', '--ws-port=-1',
        '--replication', 'sync', '--replication-port', String(await freePort()), '--peers', `127.0.0.1:${promoted.replicationPort}`]);
      expect(await stale.exited, stale.output()).not.toBe(0);
      expect(stale.output()).toMatch(/STALE_EPOCH: this node's epoch is 0 but 127\.0\.0\.1:\d+ has epoch 1/);
      expect(stale.output()).not.toContain('TCP listening');

      // 6. The old primary's directory, given one more write of its own (an unreplicated tail), cannot
      //    follow the new primary: its records past the promotion point were written under epoch 0.
      const epochStart = readEpochStart(newDir);
      expect(epochStart).toBeGreaterThanOrEqual(Math.max(...mutating.map((a) => a.response.sequence)));
      const alone = await startPrimary(oldDir, config, { mode: 'async' });
      const own = await connectClient(alone.tcpUrl);
      let extra = await own.send({ type: 'getBalance', accountId: 1, assetId: 1 });
      while (extra.sequence <= epochStart) extra = await own.send({ type: 'getBalance', accountId: 1, assetId: 1 });
      await own.close();
      expect(await alone.kill('SIGTERM')).toBe(0);
      const rejoin = run(['follow', '--primary', `127.0.0.1:${promoted.replicationPort}`, '--data', oldDir, '--config', config]);
      expect(await rejoin.exited, rejoin.output()).toBe(1);
      expect(rejoin.output()).toMatch(new RegExp(`STALE_EPOCH \\(903\\): the follower \\(epoch 0\\) holds records up to ${extra.sequence}, past sequence ${epochStart} where this primary's epoch 1 began`));
    } finally {
      await primary?.kill('SIGKILL');
      await follower?.kill('SIGKILL');
      await promoted?.kill('SIGKILL');
    }
  }, 90_000);

  it('POST /promote turns a running follower into the primary on its own ports (admin key required)', async () => {
    const oldDir = root.path('c');
    const newDir = root.path('d');
    const config = writeConfig(root.path());
    const primary = await startPrimary(oldDir, config, { mode: 'sync' });
    const newReplicationPort = await freePort();
    const follower = await startFollowerProc(newDir, config, primary.replicationPort, true,
      ['--promote-replication', 'async', '--replication-port', String(newReplicationPort)]);
    try {
      const client = await connectClient(primary.tcpUrl);
      const acked: Acked[] = [];
      await sendSetup(client, acked);
      let stop = false;
      const load = drive(client, () => stop, acked);
      await until('the load made progress', () => acked.length > 300);
      await primary.kill('SIGKILL');
      stop = true;
      await load;
      await client.close().catch(() => undefined);

      const refused = await fetch(`${follower.httpUrl}/promote`, { method: 'POST', headers: { authorization: 'Bearer wrong' } });
      expect(refused.status).toBe(401);
      const response = await fetch(`${follower.httpUrl}/promote`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ promoted: true, epoch: 1 });
      await follower.waitFor(/replication async \(epoch 1\) listening/);
      const tcpPort = new URL(follower.tcpUrl).port;
      await follower.waitFor(new RegExp(`TCP listening on [\\d.]+:${tcpPort}`));

      const writer = await connectClient(follower.tcpUrl); // the same port now takes writes
      const mutating = acked.filter((a) => a.command.idempotencyId !== undefined && a.response.code === 0);
      const again = await Promise.all(mutating.slice(-200).map((a) => writer.send(a.command)));
      again.forEach((r) => expect(r.flags & 1).toBe(1));
      const write = await writer.send({ type: 'createAsset', assetId: 3, idempotencyId: nextId() });
      expect(write.code).toBe(0);
      await writer.close();
      expect(readEpoch(newDir)).toBe(1);
      expect(await follower.kill('SIGTERM'), follower.output()).toBe(0);
    } finally {
      await primary.kill('SIGKILL');
      await follower.kill('SIGKILL');
    }
  }, 60_000);
});
