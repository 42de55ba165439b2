/**
 * The two ends of the membership handshake (membership_descriptor.ts) as byte-stream state machines:
 * push() what the socket delivered, send() what they return, and read replication messages only from
 * the bytes they hand back once the handshake is done. Neither buffers more than one handshake
 * message: an unexpected type or length, a bad magic or version, or a wrong MAC fails the handshake
 * with a reason and the connection must be closed. Timing out a silent peer is the caller's job.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  CHALLENGE_BYTES, CHALLENGE_MAGIC_OFFSET, CHALLENGE_NONCE_OFFSET, CHALLENGE_VERSION_OFFSET, CONFIRM_BYTES, CONFIRM_MAC_OFFSET,
  HEADER_BYTES, MAC_BYTES, MEMBERSHIP_MAGIC, MEMBERSHIP_VERSION, MembershipType, NONCE_BYTES, PROOF_BYTES, PROOF_MAC_OFFSET,
  PROOF_NONCE_OFFSET, SECRET_MAX_BYTES, SECRET_MIN_BYTES,
} from './membership_descriptor.ts';

export type HandshakeStep =
  /** Waiting for more bytes. */
  | { readonly state: 'pending'; readonly send: Buffer | null }
  /** Proven both ways; `rest` holds bytes that arrived after the handshake (the replication stream). */
  | { readonly state: 'member'; readonly send: Buffer | null; readonly rest: Buffer }
  | { readonly state: 'refused'; readonly reason: string };

const FOLLOWER_LABEL = 'ringline replication v1 follower';
const PRIMARY_LABEL = 'ringline replication v1 primary';

export function validateClusterSecret(secret: Uint8Array, source: string): Buffer {
  if (secret.length < SECRET_MIN_BYTES || secret.length > SECRET_MAX_BYTES) {
    throw new RangeError(`cluster secret (${source}) must be ${SECRET_MIN_BYTES} to ${SECRET_MAX_BYTES} bytes; got ${secret.length}`);
  }
  return Buffer.from(secret);
}

function mac(secret: Buffer, label: string, clusterName: string, nonceP: Buffer, nonceF: Buffer): Buffer {
  return createHmac('sha256', secret).update(`${label}\0${clusterName}\0`).update(nonceP).update(nonceF).digest();
}

function header(bytes: number, type: number): Buffer {
  const b = Buffer.alloc(bytes);
  b.writeUInt32LE(bytes, 0);
  b.writeUInt16LE(type, 4);
  return b;
}

/** Collects exactly one expected message; anything else is a refusal. */
class ExpectedMessage {
  private readonly bytes: Buffer;
  private filled = 0;

  constructor(private readonly type: number, size: number) {
    this.bytes = Buffer.alloc(size);
  }

  /** The whole message and the bytes after it, null while incomplete, or a reason string. */
  push(chunk: Buffer): { message: Buffer; rest: Buffer } | null | string {
    const n = Math.min(chunk.length, this.bytes.length - this.filled);
    chunk.copy(this.bytes, this.filled, 0, n);
    this.filled += n;
    if (this.filled >= HEADER_BYTES) {
      const declared = this.bytes.readUInt32LE(0);
      const type = this.bytes.readUInt16LE(4);
      if (type !== this.type || declared !== this.bytes.length || this.bytes.readUInt16LE(6) !== 0) {
        return `expected membership message type ${this.type} of ${this.bytes.length} bytes, got type ${type} of ${declared} bytes`;
      }
    }
    if (this.filled < this.bytes.length) return null;
    return { message: this.bytes, rest: chunk.subarray(n) };
  }
}

/** The accepting side (a primary's replicator). Send `challenge` first, then push() what arrives. */
export class PrimaryHandshake {
  readonly challenge: Buffer;
  private readonly nonceP: Buffer;
  private readonly proof = new ExpectedMessage(MembershipType.PROOF, PROOF_BYTES);
  private done: HandshakeStep | null = null;

  constructor(private readonly secret: Buffer, private readonly clusterName: string, nonce: Buffer = randomBytes(NONCE_BYTES)) {
    if (nonce.length !== NONCE_BYTES) throw new RangeError(`nonce must be ${NONCE_BYTES} bytes`);
    this.nonceP = Buffer.from(nonce);
    this.challenge = header(CHALLENGE_BYTES, MembershipType.CHALLENGE);
    this.challenge.writeUInt32LE(MEMBERSHIP_MAGIC, CHALLENGE_MAGIC_OFFSET);
    this.challenge.writeUInt32LE(MEMBERSHIP_VERSION, CHALLENGE_VERSION_OFFSET);
    this.nonceP.copy(this.challenge, CHALLENGE_NONCE_OFFSET);
  }

  push(chunk: Buffer): HandshakeStep {
    if (this.done !== null) throw new Error('membership handshake already finished: read replication messages from its rest');
    const got = this.proof.push(chunk);
    if (got === null) return { state: 'pending', send: null };
    if (typeof got === 'string') return (this.done = { state: 'refused', reason: got });
    const nonceF = got.message.subarray(PROOF_NONCE_OFFSET, PROOF_NONCE_OFFSET + NONCE_BYTES);
    const theirs = got.message.subarray(PROOF_MAC_OFFSET, PROOF_MAC_OFFSET + MAC_BYTES);
    if (!timingSafeEqual(theirs, mac(this.secret, FOLLOWER_LABEL, this.clusterName, this.nonceP, nonceF))) {
      return (this.done = { state: 'refused', reason: 'the peer does not know the cluster secret (bad membership proof)' });
    }
    const confirm = header(CONFIRM_BYTES, MembershipType.CONFIRM);
    mac(this.secret, PRIMARY_LABEL, this.clusterName, this.nonceP, nonceF).copy(confirm, CONFIRM_MAC_OFFSET);
    return (this.done = { state: 'member', send: confirm, rest: got.rest });
  }
}

/** The connecting side (a follower). push() what arrives; it answers the challenge, then checks the confirmation. */
export class FollowerHandshake {
  private readonly nonceF: Buffer;
  private nonceP: Buffer | null = null;
  private readonly challenge = new ExpectedMessage(MembershipType.CHALLENGE, CHALLENGE_BYTES);
  private readonly confirm = new ExpectedMessage(MembershipType.CONFIRM, CONFIRM_BYTES);
  private done: HandshakeStep | null = null;

  constructor(private readonly secret: Buffer, private readonly clusterName: string, nonce: Buffer = randomBytes(NONCE_BYTES)) {
    if (nonce.length !== NONCE_BYTES) throw new RangeError(`nonce must be ${NONCE_BYTES} bytes`);
    this.nonceF = Buffer.from(nonce);
  }

  push(chunk: Buffer): HandshakeStep {
    if (this.done !== null) throw new Error('membership handshake already finished: read replication messages from its rest');
    let send: Buffer | null = null;
    if (this.nonceP === null) {
      const got = this.challenge.push(chunk);
      if (got === null) return { state: 'pending', send: null };
      if (typeof got === 'string') return (this.done = { state: 'refused', reason: got });
      if (got.message.readUInt32LE(CHALLENGE_MAGIC_OFFSET) !== MEMBERSHIP_MAGIC || got.message.readUInt32LE(CHALLENGE_VERSION_OFFSET) !== MEMBERSHIP_VERSION) {
        return (this.done = { state: 'refused', reason: `not a ringline primary speaking membership version ${MEMBERSHIP_VERSION}` });
      }
      this.nonceP = Buffer.from(got.message.subarray(CHALLENGE_NONCE_OFFSET, CHALLENGE_NONCE_OFFSET + NONCE_BYTES));
      send = header(PROOF_BYTES, MembershipType.PROOF);
      this.nonceF.copy(send, PROOF_NONCE_OFFSET);
      mac(this.secret, FOLLOWER_LABEL, this.clusterName, this.nonceP, this.nonceF).copy(send, PROOF_MAC_OFFSET);
      chunk = got.rest;
      if (chunk.length === 0) return { state: 'pending', send };
    }
    const got = this.confirm.push(chunk);
    if (got === null) return { state: 'pending', send };
    if (typeof got === 'string') return (this.done = { state: 'refused', reason: got });
    const theirs = got.message.subarray(CONFIRM_MAC_OFFSET, CONFIRM_MAC_OFFSET + MAC_BYTES);
    if (!timingSafeEqual(theirs, mac(this.secret, PRIMARY_LABEL, this.clusterName, this.nonceP, this.nonceF))) {
      return (this.done = { state: 'refused', reason: 'the primary does not know the cluster secret (bad membership confirmation)' });
    }
    return (this.done = { state: 'member', send, rest: got.rest });
  }
}
