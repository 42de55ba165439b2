/**
 * Synchronous replication and promotion with real processes:
 * - sync mode with no follower holds results (health says noFollower=1) and releases them once a
 *   follower acknowledges;
 * - SIGKILL the primary under load, promote the follower (`ringline promote`), start it as the new
 *   primary: every command the old primary acknowledged is there (resent with its idempotency id, it
 *   comes back as a DUPLICATE with the first result);
 * - the old primary, restarted with --peers naming the new one, refuses to start (STALE_EPOCH).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResponseJson } from '../codec/types/response_json.ts';
import { readEpoch } from '../journal/replication_epoch.ts';
import {
  connectClient, drive, freePort, nextId, run, setupCommands, sleep, startFollowerProc, startPrimary, until, writeConfig,
  type Acked, type FollowerProc, type Primary,
} from './replication_harness.ts';

let root = '';
beforeAll(() => { root = mkdtempSync(join(tmpdir(), 'ringline-repl-promote-')); });
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('sync replication, primary crash, promotion', () => {
  it('keeps every acknowledged command through SIGKILL of the primary and promotion of the follower', async () => {
    const oldDir = join(root, 'a');
    const newDir = join(root, 'b');
    const config = writeConfig(root);
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
    } finally {
      await primary?.kill('SIGKILL');
      await follower?.kill('SIGKILL');
      await promoted?.kill('SIGKILL');
    }
  }, 90_000);
});
