// A 3-node cluster on a real etcd, as real processes: writes acknowledged by the leader survive a
// kill -9 of that leader; another node takes over with a higher epoch and no operator step; the old
// leader comes back, follows by itself, and all three journals end with the same state. A follower
// serves reads and answers writes NOT_LEADER naming the leader; ringline/client's ClusterClient, given
// only the node list, follows the leader through the kill. The winner leads with its follower's engine.
import { afterEach, describe, expect, it } from 'vitest';
import { ResultCode } from '../codec/result_codes.ts';
import { journaledIdempotencyIds, nodeClusterStatus, startTestCluster, type TestCluster } from './test_support/cluster_harness.ts';
import { ClusterClient } from '../client/cluster_client.ts';
import { ADMIN_KEY, connectClient, drive, replayHash, sendSetup, stopWithin, until, type Acked } from './test_support/replication_harness.ts';

let cluster: TestCluster | null = null;
afterEach(async () => {
  await cluster?.destroy();
  cluster = null;
});

describe('cluster failover (etcd + 3 nodes, real processes)', () => {
  it('keeps every acknowledged write across a leader kill -9, elects a higher epoch, and the old leader rejoins', async () => {
    cluster = await startTestCluster(3);
    const first = await cluster.readyLeader();
    const firstIndex = cluster.nodes.findIndex((n) => n.nodeId === first.nodeId);
    const acked: Acked[] = [];
    const client = await connectClient(`tcp://${first.clientAddress}`);
    await sendSetup(client, acked);
    const driveUntil = Date.now() + 1500;
    await drive(client, () => Date.now() > driveUntil, acked);
    await client.close();

    const follower = cluster.nodes.find((n) => n.nodeId !== first.nodeId)!;
    // A follower opens its gateway once it follows the leader: wait for that, not for luck.
    await until('a follower serves', async () => (await nodeClusterStatus(follower))?.role === 'follower', 60_000);
    const direct = await connectClient(`tcp://${follower.host}:${follower.tcpPort}`);
    const write = await direct.send({ type: 'deposit', accountId: 1, assetId: 1, amount: 5, idempotencyId: 999_999 });
    expect(write).toMatchObject({ code: ResultCode.NOT_LEADER, message: `leader=${first.clientAddress}` });
    expect((await direct.send({ type: 'getBalance', accountId: 1, assetId: 1 })).code).toBe(ResultCode.OK); // reads are served
    await direct.close();
    // /health: role, epoch, lease and lag; readiness (200) only where writes can be acknowledged.
    const leaderNode = cluster.nodes[firstIndex];
    const leaderHealth = await fetch(`http://${leaderNode.host}:${leaderNode.wsPort}/health`);
    const followerHealth = await fetch(`http://${follower.host}:${follower.wsPort}/health`);
    expect(leaderHealth.status).toBe(200);
    expect(followerHealth.status).toBe(503);
    const leaderBody = await leaderHealth.json() as { status: string; engine: { cluster: Record<string, unknown> & { cluster: Record<string, unknown> } } };
    expect(leaderBody.engine.cluster).toMatchObject({ role: 'leader', writable: true, replicationLagSequences: expect.any(Number) });
    expect(leaderBody.engine.cluster.cluster).toMatchObject({ epoch: first.epoch, leaseCertainlyValid: true });
    expect(await followerHealth.json()).toMatchObject({ status: 'not-ready', engine: { cluster: { role: 'follower', writable: false } } });
    const nodes = cluster.nodes.map((n) => `tcp://${n.host}:${n.tcpPort}`);
    const follows = await ClusterClient.connect({ nodes: [`tcp://${follower.host}:${follower.tcpPort}`, ...nodes], apiKey: ADMIN_KEY, answerTimeoutMs: 3000 });
    const redirected = await follows.send({ type: 'deposit', accountId: 1, assetId: 1, amount: 5 });
    expect(redirected.code).toBe(ResultCode.OK); // NOT_LEADER from the follower, then the leader
    expect(follows.node).toBe(`tcp://${first.clientAddress}`);

    await cluster.nodes[firstIndex].kill('SIGKILL');
    // The same ClusterClient, with no help: it finds the new leader and its write is acknowledged once.
    const afterKill = { type: 'deposit', accountId: 2, assetId: 1, amount: 7, idempotencyId: 888_888 } as const;
    const acknowledged = await follows.send(afterKill);
    expect(acknowledged.code).toBe(ResultCode.OK);
    acked.push({ command: afterKill, response: acknowledged });
    await follows.close();
    const second = await cluster.readyLeader({ notNodeId: first.nodeId });
    expect(second.epoch).toBeGreaterThan(first.epoch);
    // The winner was following: it leads with the engine it followed with (no engine start, no replay).
    await cluster.nodes.find((n) => n.nodeId === second.nodeId)!.waitFor(new RegExp(`leading epoch ${second.epoch} from sequence \\d+ \\(the follower's engine, without a restart\\)`), 10_000);
    const client2 = await connectClient(`tcp://${second.clientAddress}`);
    const driveUntil2 = Date.now() + 1500;
    await drive(client2, () => Date.now() > driveUntil2, acked);

    cluster.restart(firstIndex);
    await cluster.nodes[firstIndex].waitFor(new RegExp(`following ${second.nodeId}`), 60_000);
    const last = (await client2.send({ type: 'getStateHash' })).sequence;
    await client2.close();
    // Every node reaches the leader's last sequence, then all stop and their journals are compared.
    await until('every node holds the leader\'s last sequence', async () => {
      const statuses = await Promise.all(cluster!.nodes.map(nodeClusterStatus));
      return statuses.every((s) => s !== null && s.durableSequence >= last);
    }, 60_000);
    await Promise.all(cluster.nodes.map((n) => stopWithin(n, 'SIGTERM')));

    const hashes = cluster.nodes.map((n) => replayHash(n.dataDir));
    expect(new Set(hashes.map((h) => h.hash)).size).toBe(1);
    const journal = journaledIdempotencyIds(cluster.nodes[0].dataDir);
    let checked = 0;
    for (const { command, response } of acked) {
      if (response.code !== ResultCode.OK || command.idempotencyId === undefined) continue;
      expect(journal.get(response.sequence), `acknowledged ${command.type} at ${response.sequence}`).toBe(command.idempotencyId);
      checked++;
    }
    expect(checked).toBeGreaterThan(100);

  }, 240_000);
});
