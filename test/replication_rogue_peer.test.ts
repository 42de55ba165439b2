// The replication port as an attacker finds it, with a cluster secret configured: a peer without the
// secret reads nothing and its acknowledgements never release a reply; an epoch bomb without the
// secret changes nothing; an oversized message from a member is refused without stalling anything;
// a silent peer is dropped at the handshake deadline; a node's acknowledgements count once however many
// connections it has; a real follower with the secret still works.
import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { FIRST_SEQUENCE } from '../codec/records/command_descriptor.ts';
import { startEngine, type Engine } from '../engine/engine.ts';
import { freePort } from '../perf/engine/free_port.ts';
import { FollowerHandshake } from '../replication/membership/membership_handshake.ts';
import { HANDSHAKE_TIMEOUT_MS, type Membership } from '../replication/membership/membership_socket.ts';
import { PROVING_PEERS_MAX, PROVING_PEERS_PER_ADDRESS_MAX } from '../replication/membership/proving_peers.ts';
import { encodeAck, encodeHello } from '../replication/replication_messages.ts';
import { startFollower, type Follower } from '../replication/follower.ts';
import { collectResults, sendRaw, tempDataDir, testOptions, until } from './test_support/engine_fixture.ts';

const ECHO = new URL('./test_support/engine_echo_state_machine.ts', import.meta.url);
const REPLICATOR = new URL('../replication/replicator_worker.ts', import.meta.url);
const membership: Membership = { secret: randomBytes(32), clusterName: 'prod' };
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startPrimary(ackFollowers = 1): Promise<{ engine: Engine; port: number }> {
  const data = tempDataDir();
  cleanups.push(data.remove);
  const port = await freePort();
  const engine = await startEngine(testOptions(data.dir, {
    stateMachineModule: ECHO, recoveryModule: null,
    replicator: {
      entry: REPLICATOR, mode: 'sync',
      options: {
        mode: 'sync', host: '127.0.0.1', port, membershipSecretHex: membership.secret.toString('hex'), clusterName: membership.clusterName, stopGraceMs: 0,
        ackFollowers,
      },
    },
    stopTimeoutMs: 2000,
  }));
  cleanups.push(() => engine.stop());
  return { engine, port };
}

/** A raw TCP peer that records every byte it is sent and when it was closed. */
function rawPeer(port: number, from?: string): Promise<{ socket: Socket; received: () => Buffer; closed: () => boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let closed = false;
    const socket = connect({ host: '127.0.0.1', port, ...(from === undefined ? {} : { localAddress: from }) }, () => resolve({ socket, received: () => Buffer.concat(chunks), closed: () => closed }));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', () => { closed = true; });
    socket.on('error', () => undefined);
    socket.once('error', reject);
    cleanups.push(() => { socket.destroy(); });
  });
}

const CHALLENGE_BYTES = 48;

/** A member (it holds the secret) proving `nodeId`, that then says HELLO and acknowledges `ackSequence` at once. */
async function ackingMember(port: number, nodeId: string, ackSequence: number): Promise<Awaited<ReturnType<typeof rawPeer>>> {
  const peer = await rawPeer(port);
  const handshake = new FollowerHandshake(membership.secret, membership.clusterName, nodeId);
  await until(() => peer.received().length >= CHALLENGE_BYTES, 'the challenge');
  const step = handshake.push(peer.received().subarray(0, CHALLENGE_BYTES));
  if (step.state === 'refused' || step.send === null) throw new Error('a member could not answer the challenge');
  // HELLO ships the published records to it at once, so the ACK right behind it counts.
  peer.socket.write(Buffer.concat([step.send, encodeHello(0, FIRST_SEQUENCE), encodeAck(ackSequence)]));
  return peer;
}
const refused = (engine: Engine): number => engine.metrics().replication?.membershipRefused ?? -1;

describe('replication port with a cluster secret, against rogue peers', () => {
  it('a peer without the secret reads nothing, and its HELLO, fake ACKs and epoch bomb count for nothing', async () => {
    const { engine, port } = await startPrimary();
    const received = collectResults(engine);
    for (let i = 0; i < 3; i++) sendRaw(engine, 1, i);
    // No handshake: straight to HELLO with an epoch bomb, then acknowledgements of everything.
    const bare = await rawPeer(port);
    bare.socket.write(Buffer.concat([encodeHello(99, FIRST_SEQUENCE), encodeAck(FIRST_SEQUENCE + 1000)]));
    // A stranger that runs the handshake with the wrong secret, then acknowledges too.
    const stranger = await rawPeer(port);
    const wrong = new FollowerHandshake(randomBytes(32), membership.clusterName);
    await until(() => stranger.received().length >= CHALLENGE_BYTES, 'the challenge');
    const step = wrong.push(stranger.received().subarray(0, CHALLENGE_BYTES));
    if (step.state === 'refused' || step.send === null) throw new Error('the stranger could not even answer the challenge');
    stranger.socket.write(Buffer.concat([step.send, encodeHello(99, FIRST_SEQUENCE), encodeAck(FIRST_SEQUENCE + 1000)]));
    await until(() => bare.closed() && stranger.closed(), 'both rogue peers closed');
    expect(bare.received().length).toBe(CHALLENGE_BYTES); // the challenge, and not a byte of journal
    expect(stranger.received().length).toBe(CHALLENGE_BYTES);
    await until(() => refused(engine) === 2, 'both counted as refused members');
    await new Promise((r) => setTimeout(r, 300));
    expect(received).toEqual([]); // durable, but no member acknowledged: nothing released in sync mode
    expect(engine.metrics().replication).toMatchObject({ followersConnected: 0, ackedSequence: -1, newerEpochSeen: 0 });
  });

  it('acknowledgements count once per proven node: a second connection of the same node replaces the first', async () => {
    const { engine, port } = await startPrimary(2); // a cluster of 5: two followers besides the leader
    const received = collectResults(engine);
    for (let i = 0; i < 5; i++) sendRaw(engine, 1, i);
    const last = FIRST_SEQUENCE + 4;
    await until(() => engine.sequences().durable >= last, 'the records durable on the primary');
    // Node a twice (an old half-open connection and its reconnection): one node, however many sockets.
    const first = await ackingMember(port, 'a', last);
    await until(() => (engine.metrics().replication?.acksReceived ?? 0) >= 1, 'the first acknowledgement');
    const second = await ackingMember(port, 'a', last);
    await until(() => first.closed(), 'the older connection of node a closed');
    await until(() => (engine.metrics().replication?.acksReceived ?? 0) >= 2, 'the second acknowledgement');
    expect(second.closed()).toBe(false);
    await new Promise((r) => setTimeout(r, 300));
    expect(received).toEqual([]); // one node acknowledged: a quorum of 5 needs two followers
    expect(engine.metrics().replication).toMatchObject({ followersConnected: 1, ackedSequence: -1 });
    // A second node: now two nodes hold everything and the replies go out.
    await ackingMember(port, 'b', last);
    await until(() => received.length === 5, 'replies released once two nodes acknowledged');
    expect(engine.metrics().replication).toMatchObject({ followersConnected: 2, ackedSequence: last });
  });

  it('a real follower with the secret follows and its acknowledgements release the replies', async () => {
    const { engine, port } = await startPrimary();
    const received = collectResults(engine);
    const followerData = tempDataDir();
    cleanups.push(followerData.remove);
    const follower: Follower = await startFollower({
      primaryHost: '127.0.0.1', primaryPort: port, dataDir: followerData.dir, durability: 'none', membership, log: () => undefined,
      engine: { stateMachineModule: ECHO, recoveryModule: null, ringCapacity: 256, batchMax: 64, logic: testOptions('').logic },
    });
    cleanups.push(() => follower.stop());
    for (let i = 0; i < 5; i++) sendRaw(engine, 1, i);
    await until(() => received.length === 5, 'replies released once the member acknowledged');
    expect(follower.status().durableSequence).toBeGreaterThanOrEqual(FIRST_SEQUENCE + 4);
  });

  it('an oversized message from a member is refused at once; a silent peer is dropped at the handshake deadline', async () => {
    const { engine, port } = await startPrimary();
    const member = await rawPeer(port);
    const handshake = new FollowerHandshake(membership.secret, membership.clusterName);
    await until(() => member.received().length >= CHALLENGE_BYTES, 'the challenge');
    const step = handshake.push(member.received().subarray(0, CHALLENGE_BYTES));
    if (step.state === 'refused' || step.send === null) throw new Error('a member could not answer the challenge');
    const huge = Buffer.alloc(8);
    huge.writeUInt32LE(1024 * 1024, 0); // allowed by the protocol, far beyond what a follower ever sends
    huge.writeUInt16LE(2, 4);
    member.socket.write(Buffer.concat([step.send, huge]));
    await until(() => member.closed(), 'the oversized sender closed');
    const silent = await rawPeer(port);
    const started = Date.now();
    await until(() => silent.closed(), 'the silent peer dropped', HANDSHAKE_TIMEOUT_MS + 20_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(HANDSHAKE_TIMEOUT_MS - 500);
    expect(silent.received().length).toBe(CHALLENGE_BYTES);
    // The silent one; the member was admitted, then refused for its message. The replicator thread counts it
    // after it closed the socket, so the count may land a moment after the test sees the close.
    await until(() => refused(engine) === 1, 'the silent peer counted as refused');
  });

  it('peers that have not proved membership are bounded: per address, and in all (the oldest closed); a member still gets in', async () => {
    const { engine, port } = await startPrimary();
    // One address: its share is challenged; one more is closed before it is sent anything.
    const share = await Promise.all(Array.from({ length: PROVING_PEERS_PER_ADDRESS_MAX }, () => rawPeer(port, '127.0.0.2')));
    await until(() => share.every((p) => p.received().length === CHALLENGE_BYTES), 'every peer of the share challenged');
    const over = await rawPeer(port, '127.0.0.2');
    await until(() => over.closed(), 'the peer past its address\'s share closed');
    expect(over.received().length).toBe(0);
    await until(() => refused(engine) === 1, 'the peer past its share counted as refused');
    for (const p of share) p.socket.destroy();
    await until(() => share.every((p) => p.closed()), 'the share closed');
    // A full pool from many addresses: each newer peer closes the oldest.
    const pool: Awaited<ReturnType<typeof rawPeer>>[] = [];
    for (let i = 0; i < PROVING_PEERS_MAX; i++) {
      pool.push(await rawPeer(port, `127.0.${10 + Math.floor(i / PROVING_PEERS_PER_ADDRESS_MAX)}.${1 + (i % PROVING_PEERS_PER_ADDRESS_MAX)}`));
      await until(() => pool[i]!.received().length === CHALLENGE_BYTES, 'the peer challenged'); // in opening order
    }
    const newer = await rawPeer(port, '127.0.99.1');
    await until(() => pool[0]!.closed(), 'the oldest peer closed for a newer one');
    expect(pool.slice(1).filter((p) => p.closed()).length, 'only the oldest (the handshake deadline is seconds away)').toBe(0);
    await until(() => newer.received().length === CHALLENGE_BYTES, 'the newer peer challenged');
    // A member past a full pool of silent peers proves itself and is counted.
    const member = await ackingMember(port, 'n-late', FIRST_SEQUENCE);
    await until(() => member.received().length > CHALLENGE_BYTES, 'the member confirmed');
    expect(member.closed()).toBe(false);
  });
});
