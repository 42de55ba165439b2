// A write is acknowledged once a majority of --cluster-size holds it durably, the leader included:
// never on the leader and one follower when that is not a majority. Real etcd, real node processes.
// - clusterSize 5 with three nodes running: writes are acknowledged (leader + 2 = 3 of 5); with one
//   follower killed a write waits, even once the remaining follower holds it on disk (2 of 5), and is
//   acknowledged when the killed follower comes back and catches up.
// - clusterSize 1: the leader alone is a majority; its writes are acknowledged and survive kill -9.
import { afterEach, describe, expect, it } from 'vitest';
import { ResultCode } from '../codec/result_codes.ts';
import { parseExposition } from '../gateway/test_support/exposition_text.ts';
import { nodeClusterStatus, startTestCluster, type ClusterNodeProc, type TestCluster } from './test_support/cluster_harness.ts';
import { connectClient, killAll, nextId, setupCommands, sleep, until } from './test_support/replication_harness.ts';

let cluster: TestCluster | null = null;
afterEach(async () => {
  await cluster?.destroy();
  cluster = null;
  await killAll();
});

/** GET /metrics of a node: value of the first sample of `name` whose labels include `labels` (undefined: none). */
async function scrape(node: ClusterNodeProc): Promise<(name: string, labels?: Record<string, string>) => number | undefined> {
  const families = parseExposition(await (await fetch(`http://${node.host}:${node.wsPort}/metrics`, { signal: AbortSignal.timeout(5000) })).text());
  return (name, labels = {}) => families.get(name)?.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

interface LeaderHealth {
  engine: { replication: { followersConnected: number; noFollower: number; ackedSequence: number } };
}

describe('cluster quorum (etcd + real node processes)', () => {
  it('with --cluster-size 5 a write needs the leader and two followers, not one', async () => {
    cluster = await startTestCluster(3, null, 2, 5);
    const leader = await cluster.readyLeader({ timeoutMs: 60_000 });
    const leaderNode = cluster.nodes.find((n) => n.nodeId === leader.nodeId)!;
    const followers = cluster.nodes.filter((n) => n.nodeId !== leader.nodeId);
    const client = await connectClient(`tcp://${leader.clientAddress}`);
    let last = -1;
    for (const command of setupCommands()) {
      const response = await client.send(command);
      expect(response.code, command.type).toBe(ResultCode.OK);
      last = response.sequence;
    }
    await until('both followers hold the setup', async () => {
      const statuses = await Promise.all(followers.map(nodeClusterStatus));
      return statuses.every((s) => s !== null && s.role === 'follower' && s.durableSequence >= last);
    }, 60_000);

    // /metrics of a cluster node: the engine's families on the leader, the cluster's on every node.
    const onLeader = await scrape(leaderNode);
    expect(onLeader('ringline_sequence', { stage: 'released' })).toBeGreaterThanOrEqual(last);
    expect(onLeader('ringline_cluster_role', { role: 'leader' })).toBe(1);
    expect(onLeader('ringline_cluster_epoch')).toBe(leader.epoch);
    expect(onLeader('ringline_cluster_lease_valid')).toBe(1);
    expect(onLeader('ringline_replication_ack_followers')).toBe(2);
    expect(onLeader('ringline_replication_acks_total')).toBeGreaterThan(0);
    expect(onLeader('ringline_replication_epoch')).toBe(leader.epoch);
    for (const f of followers) expect(onLeader('ringline_cluster_peer_lag_records', { node: f.nodeId })).toBeGreaterThanOrEqual(0);
    const onFollower = await scrape(followers[0]);
    expect(onFollower('ringline_cluster_role', { role: 'follower' })).toBe(1);
    expect(onFollower('ringline_cluster_epoch')).toBe(leader.epoch);
    expect(onFollower('ringline_cluster_durable_sequence')).toBeGreaterThanOrEqual(last);
    expect(onFollower('ringline_cluster_peer_lag_records')).toBeUndefined();

    const [gone, staying] = followers;
    const goneIndex = cluster.nodes.indexOf(gone);
    await gone.kill('SIGKILL');
    const health = async (): Promise<LeaderHealth> =>
      await (await fetch(`http://${leaderNode.host}:${leaderNode.wsPort}/health`, { signal: AbortSignal.timeout(5000) })).json() as LeaderHealth;
    await until('the leader sees one follower', async () => (await health()).engine.replication.followersConnected === 1, 60_000);

    let answered = false;
    const pending = client.send({ type: 'deposit', accountId: 1, assetId: 1, amount: 5, idempotencyId: nextId() });
    void pending.then(() => { answered = true; }, () => { answered = true; });
    // The remaining follower holds the write durably (2 of 5 nodes)...
    await until('the remaining follower holds the write', async () => ((await nodeClusterStatus(staying))?.durableSequence ?? -1) >= last + 1, 60_000);
    // ...and it is still not acknowledged: the leader says it has too few followers. (The pause gives a
    // wrong acknowledgement time to arrive; the correct outcome does not depend on it.)
    await sleep(1000);
    expect(answered).toBe(false);
    expect((await health()).engine.replication).toMatchObject({ followersConnected: 1, noFollower: 1 });
    expect((await health()).engine.replication.ackedSequence).toBeLessThanOrEqual(last);

    cluster.restart(goneIndex);
    // A third node holds it: a majority of 5. Bounded, so that a write never acknowledged fails with the
    // nodes' own account instead of the test's timeout (it hung once in a full CI run, 1 in 9 runs).
    const restarted = cluster;
    let timer: NodeJS.Timeout | undefined;
    const response = await Promise.race([pending, new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the write was not acknowledged within 120 s of the restart\n${
        restarted.nodes.map((n) => `--- ${n.nodeId}\n${n.output().slice(-3000)}`).join('\n')}`)), 120_000);
    })]).finally(() => clearTimeout(timer));
    expect(response).toMatchObject({ code: ResultCode.OK, sequence: last + 1 });
    expect((await nodeClusterStatus(cluster.nodes[goneIndex]))?.durableSequence).toBeGreaterThanOrEqual(last + 1);
    expect((await health()).engine.replication).toMatchObject({ followersConnected: 2, noFollower: 0 });
    await client.close();
  }, 240_000);

  it('with --cluster-size 1 the leader alone acknowledges, and what it acknowledged survives kill -9', async () => {
    cluster = await startTestCluster(1, null, 2, 1);
    const first = await cluster.readyLeader({ timeoutMs: 60_000 });
    const client = await connectClient(`tcp://${first.clientAddress}`);
    for (const command of setupCommands()) expect((await client.send(command)).code, command.type).toBe(ResultCode.OK);
    const deposit = await client.send({ type: 'deposit', accountId: 7, assetId: 1, amount: 123, idempotencyId: nextId() });
    expect(deposit.code).toBe(ResultCode.OK);
    const balance = await client.send({ type: 'getBalance', accountId: 7, assetId: 1 });
    expect(balance.result).toMatchObject({ type: 'balance', available: 1_000_123 });
    await client.close();

    await cluster.nodes[0].kill('SIGKILL');
    cluster.restart(0);
    const second = await cluster.readyLeader({ minEpoch: first.epoch + 1, timeoutMs: 60_000 });
    const again = await connectClient(`tcp://${second.clientAddress}`);
    expect(await again.send({ type: 'getBalance', accountId: 7, assetId: 1 })).toMatchObject({ code: ResultCode.OK, result: balance.result });
    expect((await again.send({ type: 'deposit', accountId: 7, assetId: 1, amount: 1, idempotencyId: nextId() })).code).toBe(ResultCode.OK);
    await again.close();
  }, 240_000);
});
