/**
 * Runs the membership handshake (membership_handshake.ts) on a connected socket before the replication
 * protocol may use it. Resolves with the bytes that arrived after the handshake (the start of the
 * replication stream) and leaves the socket paused, so the caller attaches its own 'data' listener and
 * resumes it without losing a byte. Rejects (and destroys the socket) on a refusal, a close, or a peer
 * that does not finish within the deadline (a slow or silent peer holds nothing for long).
 */
import type { Socket } from 'node:net';
import { FollowerHandshake, PrimaryHandshake, type HandshakeStep } from './membership_handshake.ts';

export interface Membership {
  /** The cluster secret (validateClusterSecret). */
  readonly secret: Buffer;
  readonly clusterName: string;
  /** This node's cluster node id, proven to the primary when following ('' or absent: a plain follower). */
  readonly nodeId?: string;
}

/** What the accepting side learned: the stream's first bytes and the node id the peer proved. */
export interface AdmittedMember {
  readonly rest: Buffer;
  readonly nodeId: string;
}

/** A peer has this long to prove membership. */
export const HANDSHAKE_TIMEOUT_MS = 5000;

export class MembershipRefusedError extends Error {}

function run(socket: Socket, first: Buffer | null, push: (chunk: Buffer) => HandshakeStep, timeoutMs: number): Promise<AdmittedMember> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (error: Error | null, rest: Buffer = Buffer.alloc(0), nodeId = ''): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('error', onClose);
      if (error !== null) {
        socket.destroy();
        reject(error);
        return;
      }
      socket.pause();
      resolve({ rest, nodeId });
    };
    const onData = (chunk: Buffer): void => {
      const step = push(chunk);
      if (step.state === 'refused') return finish(new MembershipRefusedError(step.reason));
      if (step.send !== null) socket.write(step.send);
      if (step.state === 'member') finish(null, step.rest, step.peerNodeId);
    };
    const onClose = (): void => finish(new MembershipRefusedError('the peer closed the connection during the membership handshake'));
    const timer = setTimeout(() => finish(new MembershipRefusedError(`the peer did not prove membership within ${timeoutMs} ms`)), timeoutMs);
    socket.on('data', onData);
    socket.on('close', onClose);
    socket.on('error', onClose);
    if (first !== null) socket.write(first);
  });
}

/** The accepting side: challenges the peer; resolves once it proved it holds the secret (and which node it is). */
export function admitMember(socket: Socket, membership: Membership, timeoutMs = HANDSHAKE_TIMEOUT_MS): Promise<AdmittedMember> {
  const handshake = new PrimaryHandshake(membership.secret, membership.clusterName);
  return run(socket, handshake.challenge, (chunk) => handshake.push(chunk), timeoutMs);
}

/** The connecting side (call once connected): answers the challenge; resolves once the primary proved it too. */
export async function joinAsMember(socket: Socket, membership: Membership, timeoutMs = HANDSHAKE_TIMEOUT_MS): Promise<Buffer> {
  const handshake = new FollowerHandshake(membership.secret, membership.clusterName, membership.nodeId ?? '');
  return (await run(socket, null, (chunk) => handshake.push(chunk), timeoutMs)).rest;
}

export interface ReplicationStreamStart {
  /** The first message of the stream (HELLO), built when the stream starts: after the handshake, if any. */
  readonly hello: () => Buffer;
  /** Every byte of the stream, the ones that arrived with the end of the handshake first. */
  readonly onData: (chunk: Buffer) => void;
  /** The handshake failed (the socket is destroyed). */
  readonly onRefused: (error: Error) => void;
  /** True when the caller has moved on from this socket by the time the handshake ends: nothing is sent. */
  readonly stale?: () => boolean;
  readonly timeoutMs?: number;
}

/**
 * The connecting side of every replication stream (call once connected): proves membership first when
 * there is a secret — not a byte of the stream is read before the primary proved it holds it too — then
 * sends HELLO and hands the stream to onData.
 */
export function startReplicationStream(socket: Socket, membership: Membership | null | undefined, start: ReplicationStreamStart): void {
  if (membership === null || membership === undefined) {
    socket.on('data', start.onData);
    socket.write(start.hello());
    return;
  }
  joinAsMember(socket, membership, start.timeoutMs).then((rest) => {
    if (start.stale?.() === true) return;
    socket.on('data', start.onData);
    socket.write(start.hello());
    if (rest.length > 0) start.onData(rest);
    socket.resume();
  }, start.onRefused);
}
