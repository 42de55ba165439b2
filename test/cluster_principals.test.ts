// Principals are replicated state in a cluster (etcd + 3 real node processes): a principal created on
// the leader logs in on every node; after a kill -9 of the leader a new principal gets a fresh id and
// cannot read the old principal's account; a revoked key is refused on every node, including a
// session opened before the revocation and the old leader once it rejoins.
import { afterEach, describe, expect, it } from 'vitest';
import { ResultCode } from '../codec/result_codes.ts';
import { FIRST_REPLICATED_PRINCIPAL_ID } from '../core/logic/principal_registry.ts';
import { keyDigestFields } from '../gateway/replicated_principals.ts';
import { RinglineClient } from '../client/ringline_client.ts';
import { nodeClusterStatus, startTestCluster, type ClusterNodeProc, type TestCluster } from './test_support/cluster_harness.ts';
import { ADMIN_KEY, killAll, nextId, sleep } from './test_support/replication_harness.ts';

let cluster: TestCluster | null = null;
afterEach(async () => {
  await cluster?.destroy();
  cluster = null;
  await killAll();
});

interface Answer {
  code: number;
  status: string;
  sequence: number;
  message?: string;
  result?: { principalId?: number };
}

async function http(node: ClusterNodeProc, key: string, command: Record<string, unknown>): Promise<Answer> {
  const response = await fetch(`http://${node.host}:${node.wsPort}/v1/commands/${String(command.type)}`, {
    method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(command),
    signal: AbortSignal.timeout(10_000),
  });
  return await response.json() as Answer;
}

/** Answers that only say "not here, not now" (a role changing under load): ask again. */
const TRANSIENT: readonly number[] = [ResultCode.NOT_LEADER, ResultCode.SHUTTING_DOWN, ResultCode.BUSY];

/** Sends `command` to whichever node leads now, again (same idempotency id) while the answer is transient. */
async function onLeader(c: TestCluster, key: string, command: Record<string, unknown>): Promise<Answer & { node: ClusterNodeProc }> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const leader = await c.readyLeader({ timeoutMs: 60_000 });
    const node = c.nodes.find((n) => n.nodeId === leader.nodeId)!;
    const answer = await http(node, key, command).catch(() => null);
    if (answer !== null && !TRANSIENT.includes(answer.code)) return { ...answer, node };
    if (Date.now() > deadline) {
      throw new Error(`${String(command.type)}: no lasting answer from a leader; last ${JSON.stringify(answer)}\n` +
        c.nodes.map((n) => `--- ${n.nodeId}\n${n.output().slice(-3000)}`).join('\n'));
    }
    await sleep(100);
  }
}

/** The answer of `node` once it holds `sequence` (a follower mirrors the leader's state up to there). */
async function readOn(node: ClusterNodeProc, key: string, command: Record<string, unknown>, sequence: number): Promise<Answer> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const status = await nodeClusterStatus(node);
    if (status !== null && status.durableSequence >= sequence && (status.role === 'leader' || status.role === 'follower')) {
      const answer = await http(node, key, command).catch(() => null);
      if (answer !== null && !TRANSIENT.includes(answer.code)) return answer;
    }
    if (Date.now() > deadline) throw new Error(`${node.nodeId}: never answered ${String(command.type)} at sequence ${sequence}`);
    await sleep(100);
  }
}

/** Creates a replicated principal; returns its id, its key and the sequence it was created at. */
async function createPrincipal(c: TestCluster, secret: string): Promise<{ id: number; key: string; sequence: number }> {
  const answer = await onLeader(c, ADMIN_KEY, { type: 'createPrincipal', admin: 0, ...keyDigestFields(secret), idempotencyId: nextId() });
  expect(answer, JSON.stringify(answer)).toMatchObject({ code: ResultCode.OK, result: { type: 'principal' } });
  const id = answer.result!.principalId!;
  return { id, key: `rk_${id}_${secret}`, sequence: answer.sequence };
}

describe('principals in a cluster (etcd + 3 nodes, real processes)', () => {
  it('new ids after a failover, never an old one\'s accounts; revocation holds on every node', async () => {
    const c = await startTestCluster(3);
    cluster = c;
    const first = await c.readyLeader({ timeoutMs: 60_000 });
    const alice = await createPrincipal(c, 'alice-secret-0123456789abcdef');
    expect(alice.id).toBeGreaterThanOrEqual(FIRST_REPLICATED_PRINCIPAL_ID);
    // A node-local principal (one node's principals.json) is refused in cluster mode: the others would not know it.
    const local = c.nodes.find((n) => n.nodeId === first.nodeId)!;
    const refusedLocal = await fetch(`http://${local.host}:${local.wsPort}/v1/principals`, {
      method: 'POST', headers: { authorization: `Bearer ${ADMIN_KEY}` }, body: '{"name":"carol"}',
    });
    expect(await refusedLocal.json()).toMatchObject({ code: ResultCode.INVALID_FIELD_VALUE, detail: expect.stringContaining('cluster mode') });
    expect((await onLeader(c, ADMIN_KEY, { type: 'createAsset', assetId: 1, idempotencyId: nextId() })).code).toBe(ResultCode.OK);
    expect((await onLeader(c, alice.key, { type: 'createAccount', accountId: 10, idempotencyId: nextId() })).code).toBe(ResultCode.OK);
    const deposit = await onLeader(c, ADMIN_KEY, { type: 'deposit', accountId: 10, assetId: 1, amount: 500, idempotencyId: nextId() });
    expect(deposit.code).toBe(ResultCode.OK);
    // Every node holds alice: her key reads her account on each (followers serve reads from their mirror).
    for (const node of c.nodes) {
      expect(await readOn(node, alice.key, { type: 'getBalance', accountId: 10, assetId: 1 }, deposit.sequence), node.nodeId)
        .toMatchObject({ code: ResultCode.OK, result: { available: 500 } });
    }

    const leader1 = (await onLeader(c, ADMIN_KEY, { type: 'getBalance', accountId: 10, assetId: 1 })).node;
    await leader1.kill('SIGKILL');
    await c.readyLeader({ notNodeId: leader1.nodeId, minEpoch: first.epoch + 1, timeoutMs: 60_000 });
    // The counter is replicated state: the new leader hands out the next id, not alice's.
    const bob = await createPrincipal(c, 'bob-secret-0123456789abcdefgh');
    expect(bob.id).toBe(alice.id + 1);
    expect((await onLeader(c, bob.key, { type: 'getBalance', accountId: 10, assetId: 1 })).code).toBe(ResultCode.ACCOUNT_NOT_FOUND);
    expect((await onLeader(c, alice.key, { type: 'getBalance', accountId: 10, assetId: 1 })).code).toBe(ResultCode.OK);

    // alice's session, opened before she is revoked: the next command on it is refused.
    const before = await onLeader(c, alice.key, { type: 'getBalance', accountId: 10, assetId: 1 });
    const session = await RinglineClient.connect({ url: `tcp://${before.node.host}:${before.node.tcpPort}`, apiKey: alice.key, reconnect: false });
    expect((await session.send({ type: 'getBalance', accountId: 10, assetId: 1 })).code).toBe(ResultCode.OK);
    const revoke = await onLeader(c, ADMIN_KEY, { type: 'revokePrincipal', principalId: alice.id, idempotencyId: nextId() });
    expect(revoke.code).toBe(ResultCode.OK);
    const onSession = await session.send({ type: 'createAccount', accountId: 11, idempotencyId: nextId() });
    // On the node that applied the revocation the refusal is immediate (unless that node stopped leading meanwhile).
    if (!TRANSIENT.includes(onSession.code)) expect(onSession.code).toBe(ResultCode.PRINCIPAL_REVOKED);
    await session.close();

    // The old leader comes back and follows by itself; then every node refuses alice's key and serves bob's.
    c.restart(c.nodes.indexOf(leader1));
    for (const node of c.nodes) {
      expect(await readOn(node, alice.key, { type: 'getBalance', accountId: 10, assetId: 1 }, revoke.sequence), node.nodeId)
        .toMatchObject({ code: ResultCode.BAD_CREDENTIALS });
      expect((await readOn(node, bob.key, { type: 'getBalance', accountId: 10, assetId: 1 }, revoke.sequence)).code, node.nodeId)
        .toBe(ResultCode.ACCOUNT_NOT_FOUND);
    }
    // And no command of hers is taken anywhere: the journal's next principal command says so too.
    expect((await onLeader(c, ADMIN_KEY, { type: 'rotatePrincipalKey', principalId: alice.id, ...keyDigestFields('x'.repeat(20)), idempotencyId: nextId() })).code)
      .toBe(ResultCode.PRINCIPAL_REVOKED);
  }, 300_000);
});
