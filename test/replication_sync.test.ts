/**
 * Sync replication with no follower and --no-follower degrade: results are released unreplicated and
 * the primary's /health says so; once a follower connects it catches up and sync gating resumes.
 */
import { describe, it, expect } from 'vitest';
import { consoleLogin, readConsoleFrames } from '../perf/load/console_stream_client.ts';
import {
  ADMIN_KEY, connectClient, replayHash, setupCommands, startFollowerProc, startPrimary, until, writeConfig, type FollowerProc, useTestRoot,
} from './test_support/replication_harness.ts';

const root = useTestRoot('ringline-repl-sync-');

describe('sync replication, degrade to async without a follower', () => {
  it('answers without a follower while saying so, then replicates once one connects', async () => {
    const config = writeConfig(root.path());
    const primary = await startPrimary(root.path('p'), config, { mode: 'sync', noFollower: 'degrade' });
    let follower: FollowerProc | null = null;
    try {
      const client = await connectClient(primary.tcpUrl);
      const setup = setupCommands();
      for (const command of setup) expect((await client.send(command)).code).toBe(0);
      expect(await primary.replication()).toMatchObject({ mode: 'sync', followersConnected: 0, noFollower: 1, degraded: 1, ackedSequence: -1 });

      follower = await startFollowerProc(root.path('f'), config, primary.replicationPort);
      const p = primary;
      await until('the follower is connected', async () => (await p.replication()).followersConnected === 1);
      const r = await client.send({ type: 'getBalance', accountId: 1, assetId: 1 });
      expect(r.code).toBe(0);
      // Sync again: this answer was released only after the follower acknowledged it.
      const replication = await primary.replication();
      expect(replication).toMatchObject({ noFollower: 0, degraded: 0 });
      expect(replication.ackedSequence).toBeGreaterThanOrEqual(r.sequence);
      // Per follower: /metrics names it (its address as the primary sees it) with its lag, and so does the console.
      const followerLag = async (): Promise<RegExpMatchArray | null> =>
        (await (await fetch(`${p.httpUrl}/metrics`)).text()).match(/^ringline_replication_follower_lag_records\{follower="(127\.0\.0\.1:\d+)"\} (\d+)$/m);
      await until('the follower\'s own lag is 0 in /metrics', async () => (await followerLag())?.[2] === '0');
      const followerName = (await followerLag())?.[1];
      const cookie = await consoleLogin(p.httpUrl, ADMIN_KEY);
      const frames = await readConsoleFrames(p.httpUrl, cookie, '', (all) => (all.at(-1)?.families.ringline_replication_follower_lag_records?.series.length ?? 0) > 0);
      const shown = frames.at(-1)?.families.ringline_replication_follower_lag_records.series[0] as { labels: Record<string, string>; value: number };
      expect(shown.labels.follower).toBe(followerName);
      expect(shown.value).toBeGreaterThanOrEqual(0);
      await client.close();
      expect(await follower.kill('SIGTERM'), follower.output()).toBe(0);
      expect(await primary.kill('SIGTERM'), primary.output()).toBe(0);
      expect(replayHash(root.path('f'))).toEqual(replayHash(root.path('p')));
    } finally {
      await follower?.kill('SIGKILL');
      await primary.kill('SIGKILL');
    }
  }, 60_000);
});
