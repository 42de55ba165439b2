// Both ends of a replication connection prove they hold the cluster secret before anything counts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeHello } from '../replication_messages.ts';
import { ConfirmMessage, ProofMessage } from './membership_descriptor.ts';
import { FollowerHandshake, PrimaryHandshake, validateClusterSecret, type HandshakeStep } from './membership_handshake.ts';

const secret = Buffer.alloc(32, 7);
const otherSecret = Buffer.alloc(32, 8);

/** Feeds `bytes` to `push` in pieces of the given sizes; returns every step and what was sent. */
function feed(push: (b: Buffer) => HandshakeStep, bytes: Buffer, sizes: number[] = [bytes.length]): { last: HandshakeStep; sent: Buffer[] } {
  const sent: Buffer[] = [];
  let last: HandshakeStep = { state: 'pending', send: null };
  let offset = 0;
  for (let i = 0; offset < bytes.length; i++) {
    const size = Math.max(1, sizes[i % sizes.length]);
    last = push(bytes.subarray(offset, offset + size));
    offset += size;
    if (last.state !== 'refused' && last.send !== null) sent.push(last.send);
    if (last.state !== 'pending') break;
  }
  return { last, sent };
}

describe('membership handshake', () => {
  it('admits both ends with the same secret, however the bytes are split, and hands over what follows', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 80 }), { minLength: 1, maxLength: 8 }), (sizes) => {
      const primary = new PrimaryHandshake(secret, 'prod');
      const follower = new FollowerHandshake(secret, 'prod');
      const hello = encodeHello(3, 10);
      const toPrimary = feed((b) => follower.push(b), primary.challenge, sizes);
      expect(toPrimary.last.state).toBe('pending');
      const fromFollower = Buffer.concat([...toPrimary.sent, hello]); // the follower's HELLO right behind its proof
      const atPrimary = feed((b) => primary.push(b), fromFollower, sizes);
      expect(atPrimary.last.state).toBe('member');
      const rest = atPrimary.last.state === 'member' ? atPrimary.last.rest : Buffer.alloc(0);
      // The bytes after the proof in the same piece come back as `rest`; the remainder the caller reads as usual.
      expect(hello.subarray(0, rest.length)).toEqual(rest);
      const atFollower = feed((b) => follower.push(b), Buffer.concat(atPrimary.sent), sizes);
      expect(atFollower.last.state).toBe('member');
    }));
  });

  it('a peer without the secret is refused before it is sent anything', () => {
    const primary = new PrimaryHandshake(secret, 'prod');
    const stranger = new FollowerHandshake(otherSecret, 'prod');
    const proof = feed((b) => stranger.push(b), primary.challenge).sent[0];
    const step = primary.push(proof);
    expect(step).toEqual({ state: 'refused', reason: expect.stringMatching(/does not know the cluster secret/) });
  });

  it('a primary without the secret is refused by the follower (reflected or forged confirmation)', () => {
    for (const forge of ['reflect', 'random'] as const) {
      const rogue = new PrimaryHandshake(otherSecret, 'prod');
      const follower = new FollowerHandshake(secret, 'prod');
      const proof = feed((b) => follower.push(b), rogue.challenge).sent[0];
      const confirm = Buffer.alloc(40);
      confirm.writeUInt32LE(40, 0);
      confirm.writeUInt16LE(34, 4);
      if (forge === 'reflect') proof.copy(confirm, ConfirmMessage.MAC, ProofMessage.MAC, ProofMessage.BYTES);
      else confirm.fill(0x5a, ConfirmMessage.MAC);
      expect(follower.push(confirm)).toEqual({ state: 'refused', reason: expect.stringMatching(/primary does not know the cluster secret/) });
    }
  });

  it('a recorded proof does not open a new connection (fresh challenge)', () => {
    const first = new PrimaryHandshake(secret, 'prod');
    const follower = new FollowerHandshake(secret, 'prod');
    const proof = feed((b) => follower.push(b), first.challenge).sent[0];
    expect(new PrimaryHandshake(secret, 'prod').push(proof).state).toBe('refused');
  });

  it('the primary learns the node id the follower proved; a changed id fails the proof, a malformed one is refused', () => {
    const primary = new PrimaryHandshake(secret, 'prod');
    const proof = feed((b) => new FollowerHandshake(secret, 'prod', 'node-2.a').push(b), primary.challenge).sent[0];
    expect(primary.push(proof)).toMatchObject({ state: 'member', peerNodeId: 'node-2.a' });
    // Another member's id swapped into a recorded proof: the MAC covers the id.
    const next = new PrimaryHandshake(secret, 'prod');
    const forged = Buffer.from(feed((b) => new FollowerHandshake(secret, 'prod', 'n1').push(b), next.challenge).sent[0]);
    forged.write('n2', ProofMessage.NODE_ID, 'latin1');
    expect(next.push(forged)).toEqual({ state: 'refused', reason: expect.stringMatching(/does not know the cluster secret/) });
    const plain = new PrimaryHandshake(secret, 'prod');
    expect(plain.push(feed((b) => new FollowerHandshake(secret, 'prod').push(b), plain.challenge).sent[0])).toMatchObject({ state: 'member', peerNodeId: '' });
    for (const bad of ['a b', '-x', 'x'.repeat(65), 'é']) expect(() => new FollowerHandshake(secret, 'prod', bad)).toThrow(/node id/);
  });

  it('another cluster sharing the secret is refused', () => {
    const primary = new PrimaryHandshake(secret, 'prod');
    const follower = new FollowerHandshake(secret, 'staging');
    const proof = feed((b) => follower.push(b), primary.challenge).sent[0];
    expect(primary.push(proof).state).toBe('refused');
  });

  it('a peer that skips the handshake (HELLO first) or declares another size is refused at once', () => {
    expect(new PrimaryHandshake(secret, 'prod').push(encodeHello(99, 0))).toEqual({
      state: 'refused', reason: 'expected membership message type 33 of 144 bytes, got type 1 of 32 bytes',
    });
    const huge = Buffer.alloc(8);
    huge.writeUInt32LE(4 * 1024 * 1024, 0);
    huge.writeUInt16LE(33, 4);
    expect(new PrimaryHandshake(secret, 'prod').push(huge).state).toBe('refused');
    expect(new FollowerHandshake(secret, 'prod').push(encodeHello(0, 0)).state).toBe('refused');
  });

  it('refuses a short cluster secret', () => {
    expect(() => validateClusterSecret(Buffer.alloc(31), '--cluster-secret-file s')).toThrow('cluster secret (--cluster-secret-file s) must be 32 to 1024 bytes; got 31');
    expect(validateClusterSecret(Buffer.alloc(32), 'x').length).toBe(32);
  });
});
