// SIGTERM stops a cluster node within a deadline even when etcd is gone: the etcd client's reconnects
// to a dead etcd kept a stopped follower's process alive for ~25 s more (real processes).
import { afterEach, describe, expect, it } from 'vitest';
import { nodeClusterStatus, startTestCluster, type TestCluster } from './test_support/cluster_harness.ts';
import { killAll, stopWithin, until } from './test_support/replication_harness.ts';

let cluster: TestCluster | null = null;
afterEach(async () => {
  await cluster?.destroy();
  cluster = null;
  await killAll();
});

/** Well under the ~30 s a follower took before; generous for a loaded machine. */
const STOP_DEADLINE_MS = 20_000;

describe('cluster node shutdown', () => {
  it('every node exits 0 on SIGTERM within the deadline after etcd died', async () => {
    const c = await startTestCluster(3);
    cluster = c;
    const leader = await c.readyLeader({ timeoutMs: 60_000 });
    await until('two followers follow', async () =>
      (await Promise.all(c.nodes.map(nodeClusterStatus))).filter((s) => s?.role === 'follower').length === 2, 60_000);
    await c.etcd.kill('SIGKILL');
    // The leader first: its followers then lose it too, and stop while they try to reach it and etcd.
    const first = c.nodes.find((n) => n.nodeId === leader.nodeId)!;
    expect(await stopWithin(first, 'SIGTERM', STOP_DEADLINE_MS)).toBe(0);
    const codes = await Promise.all(c.nodes.filter((n) => n !== first).map((n) => stopWithin(n, 'SIGTERM', STOP_DEADLINE_MS)));
    expect(codes).toEqual([0, 0]);
    for (const n of c.nodes) expect(n.output()).toContain('"msg":"stopped"');
  }, 180_000);
});
