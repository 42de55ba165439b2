// A 3-node cluster on a real etcd, as real processes: writes acknowledged by the leader survive a
// kill -9 of that leader; another node takes over with a higher epoch and no operator step; the old
// leader comes back, follows by itself, and all three journals end with the same state.
import { afterEach, describe, expect, it } from 'vitest';
import { ResultCode } from '../codec/result_codes.ts';
import { journaledIdempotencyIds, nodeClusterStatus, startTestCluster, type TestCluster } from './test_support/cluster_harness.ts';
import { connectClient, drive, replayHash, setupCommands, until, type Acked } from './test_support/replication_harness.ts';

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
    for (const command of setupCommands()) acked.push({ command, response: await client.send(command) });
    const driveUntil = Date.now() + 1500;
    await drive(client, () => Date.now() > driveUntil, acked);
    await client.close();

    await cluster.nodes[firstIndex].kill('SIGKILL');
    const second = await cluster.readyLeader({ notNodeId: first.nodeId });
    expect(second.epoch).toBeGreaterThan(first.epoch);
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
    await Promise.all(cluster.nodes.map((n) => n.kill('SIGTERM')));

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
