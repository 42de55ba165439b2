/**
 * The replicate stage end to end: a primary with synchronous replication and a follower (real
 * processes), commands over TCP, then the primary's GET /metrics. Every sampled command released after
 * the follower connected counts in `replicate`, and its `reply` starts after the replication (the
 * results waited for the follower's acknowledgement).
 */
import { describe, expect, it } from 'vitest';
import { SAMPLE_EVERY } from '../core/stage_stamps_descriptor.ts';
import { parseExposition } from '../gateway/test_support/exposition_text.ts';
import { connectClient, setupCommands, startFollowerProc, startPrimary, until, useTestRoot, writeConfig, type FollowerProc } from './test_support/replication_harness.ts';

const root = useTestRoot('ringline-stage-repl-');
const NAME = 'ringline_stage_latency_seconds';

describe('per-stage latency with synchronous replication', () => {
  it('counts the replicate stage for every sampled command once a follower acknowledges', async () => {
    const config = writeConfig(root.path());
    const primary = await startPrimary(root.path('p'), config, { mode: 'sync', noFollower: 'wait' });
    let follower: FollowerProc | null = null;
    try {
      follower = await startFollowerProc(root.path('f'), config, primary.replicationPort);
      await until('the follower is connected', async () => (await primary.replication()).followersConnected === 1);
      const client = await connectClient(primary.tcpUrl, 256);
      for (const command of setupCommands()) expect((await client.send(command)).code).toBe(0);
      const replies = await Promise.all(Array.from({ length: 4 * SAMPLE_EVERY }, () => client.send({ type: 'getBalance', accountId: 1, assetId: 1 })));
      expect(replies.every((r) => r.code === 0)).toBe(true);
      const last = Math.max(...replies.map((r) => r.sequence));
      await client.close();

      const family = parseExposition(await (await fetch(`${primary.httpUrl}/metrics`)).text()).get(NAME);
      const value = (metric: string, stage: string): number =>
        family?.samples.find((s) => s.name === `${NAME}_${metric}` && s.labels.stage === stage)?.value ?? -1;
      const sampled = Math.floor(last / SAMPLE_EVERY);
      expect(sampled).toBeGreaterThanOrEqual(4);
      expect(value('count', 'replicate')).toBe(sampled);
      expect(value('count', 'journal')).toBe(sampled);
      expect(value('sum', 'replicate')).toBeGreaterThan(0);
      // total covers the publish, the replication and the reply of each sample.
      expect(value('sum', 'total')).toBeGreaterThanOrEqual((value('sum', 'publish') + value('sum', 'replicate') + value('sum', 'reply')) * 0.999);
    } finally {
      await follower?.kill('SIGKILL');
      await primary.kill('SIGKILL');
    }
  }, 120_000);
});
