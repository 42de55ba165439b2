/**
 * The two ends of the membership handshake (membership_descriptor.ts) as byte-stream state machines:
 * push() what the socket delivered, send() what they return, and read replication messages only from
 * the bytes they hand back once the handshake is done. Neither buffers more than one handshake
 * message: an unexpected type or length, a bad magic or version, or a wrong MAC fails the handshake
 * with a reason and the connection must be closed. Timing out a silent peer is the caller's job.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  ChallengeMessage, ConfirmMessage, HEADER_BYTES, MAC_BYTES, MEMBERSHIP_MAGIC, MEMBERSHIP_VERSION, MembershipType,
  NONCE_BYTES, NODE_ID_MAX_BYTES, ProofMessage, SECRET_MAX_BYTES, SECRET_MIN_BYTES,
} from './membership_descriptor.ts';

export type HandshakeStep =
  /** Waiting for more bytes. */
  | { readonly state: 'pending'; readonly send: Buffer | null }
  /**
   * Proven both ways; `rest` holds bytes that arrived after the handshake (the replication stream);
   * `peerNodeId`: the node id the follower proved (the primary's side; '' for a plain follower).
   */
  | { readonly state: 'member'; readonly send: Buffer | null; readonly rest: Buffer; readonly peerNodeId: string }
  | { readonly state: 'refused'; readonly reason: string };

const FOLLOWER_LABEL = 'ringline replication v1 follower';
const PRIMARY_LABEL = 'ringline replication v1 primary';

export function validateClusterSecret(secret: Uint8Array, source: string): Buffer {
  if (secret.length < SECRET_MIN_BYTES || secret.length > SECRET_MAX_BYTES) {
    throw new RangeError(`cluster secret (${source}) must be ${SECRET_MIN_BYTES} to ${SECRET_MAX_BYTES} bytes; got ${secret.length}`);
  }
  return Buffer.from(secret);
}

function mac(secret: Buffer, label: string, clusterName: string, nonceP: Buffer, nonceF: Buffer, nodeId: Buffer | null = null): Buffer {
  const h = createHmac('sha256', secret).update(`${label}\0${clusterName}\0`).update(nonceP).update(nonceF);
  if (nodeId !== null) h.update(nodeId);
  return h.digest();
}

/** A node id as the proof carries it: letters, digits, '_', '.', '-' (cluster_options.ts), or empty. */
const NODE_ID = /^([A-Za-z0-9][A-Za-z0-9_.-]{0,63})?$/;

/** The proof's node id field: its length and 64 bytes (the id, then zeros). */
function nodeIdField(nodeId: string): Buffer {
  if (!NODE_ID.test(nodeId)) throw new RangeError(`membership node id must be empty or 1-${NODE_ID_MAX_BYTES} of letters, digits, '_', '.', '-'; got ${JSON.stringify(nodeId)}`);
  const field = Buffer.alloc(8 + NODE_ID_MAX_BYTES);
  field.writeUInt32LE(nodeId.length, 0);
  field.write(nodeId, 8, 'latin1');
  return field;
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
  private readonly proof = new ExpectedMessage(MembershipType.PROOF, ProofMessage.BYTES);
  private done: HandshakeStep | null = null;

  constructor(private readonly secret: Buffer, private readonly clusterName: string, nonce: Buffer = randomBytes(NONCE_BYTES)) {
    if (nonce.length !== NONCE_BYTES) throw new RangeError(`nonce must be ${NONCE_BYTES} bytes`);
    this.nonceP = Buffer.from(nonce);
    this.challenge = header(ChallengeMessage.BYTES, MembershipType.CHALLENGE);
    this.challenge.writeUInt32LE(MEMBERSHIP_MAGIC, ChallengeMessage.MAGIC);
    this.challenge.writeUInt32LE(MEMBERSHIP_VERSION, ChallengeMessage.VERSION);
    this.nonceP.copy(this.challenge, ChallengeMessage.NONCE);
  }

  push(chunk: Buffer): HandshakeStep {
    if (this.done !== null) throw new Error('membership handshake already finished: read replication messages from its rest');
    const got = this.proof.push(chunk);
    if (got === null) return { state: 'pending', send: null };
    if (typeof got === 'string') return (this.done = { state: 'refused', reason: got });
    const nonceF = got.message.subarray(ProofMessage.NONCE, ProofMessage.NONCE + NONCE_BYTES);
    const theirs = got.message.subarray(ProofMessage.MAC, ProofMessage.MAC + MAC_BYTES);
    const field = got.message.subarray(ProofMessage.NODE_ID_BYTES, ProofMessage.BYTES);
    if (!timingSafeEqual(theirs, mac(this.secret, FOLLOWER_LABEL, this.clusterName, this.nonceP, nonceF, field))) {
      return (this.done = { state: 'refused', reason: 'the peer does not know the cluster secret (bad membership proof)' });
    }
    // Proven by a member: still checked, so a buggy member cannot smuggle a malformed id into logs and counts.
    const idBytes = got.message.readUInt32LE(ProofMessage.NODE_ID_BYTES);
    const peerNodeId = idBytes <= NODE_ID_MAX_BYTES ? got.message.toString('latin1', ProofMessage.NODE_ID, ProofMessage.NODE_ID + idBytes) : '';
    if (idBytes > NODE_ID_MAX_BYTES || got.message.readUInt32LE(ProofMessage.RESERVED) !== 0 || !NODE_ID.test(peerNodeId) ||
      !nodeIdField(peerNodeId).equals(field)) {
      return (this.done = { state: 'refused', reason: `the peer's node id field is malformed (${idBytes} bytes)` });
    }
    const confirm = header(ConfirmMessage.BYTES, MembershipType.CONFIRM);
    mac(this.secret, PRIMARY_LABEL, this.clusterName, this.nonceP, nonceF).copy(confirm, ConfirmMessage.MAC);
    return (this.done = { state: 'member', send: confirm, rest: got.rest, peerNodeId });
  }
}

/** The connecting side (a follower). push() what arrives; it answers the challenge, then checks the confirmation. */
export class FollowerHandshake {
  private readonly nonceF: Buffer;
  private nonceP: Buffer | null = null;
  private readonly challenge = new ExpectedMessage(MembershipType.CHALLENGE, ChallengeMessage.BYTES);
  private readonly confirm = new ExpectedMessage(MembershipType.CONFIRM, ConfirmMessage.BYTES);
  private done: HandshakeStep | null = null;

  private readonly nodeIdField: Buffer;

  /** `nodeId`: this follower's cluster node id, proven with the secret ('' for a plain follower). */
  constructor(private readonly secret: Buffer, private readonly clusterName: string, nodeId = '', nonce: Buffer = randomBytes(NONCE_BYTES)) {
    if (nonce.length !== NONCE_BYTES) throw new RangeError(`nonce must be ${NONCE_BYTES} bytes`);
    this.nonceF = Buffer.from(nonce);
    this.nodeIdField = nodeIdField(nodeId);
  }

  push(chunk: Buffer): HandshakeStep {
    if (this.done !== null) throw new Error('membership handshake already finished: read replication messages from its rest');
    let send: Buffer | null = null;
    if (this.nonceP === null) {
      const got = this.challenge.push(chunk);
      if (got === null) return { state: 'pending', send: null };
      if (typeof got === 'string') return (this.done = { state: 'refused', reason: got });
      if (got.message.readUInt32LE(ChallengeMessage.MAGIC) !== MEMBERSHIP_MAGIC || got.message.readUInt32LE(ChallengeMessage.VERSION) !== MEMBERSHIP_VERSION) {
        return (this.done = { state: 'refused', reason: `not a ringline primary speaking membership version ${MEMBERSHIP_VERSION}` });
      }
      this.nonceP = Buffer.from(got.message.subarray(ChallengeMessage.NONCE, ChallengeMessage.NONCE + NONCE_BYTES));
      send = header(ProofMessage.BYTES, MembershipType.PROOF);
      this.nonceF.copy(send, ProofMessage.NONCE);
      this.nodeIdField.copy(send, ProofMessage.NODE_ID_BYTES);
      mac(this.secret, FOLLOWER_LABEL, this.clusterName, this.nonceP, this.nonceF, this.nodeIdField).copy(send, ProofMessage.MAC);
      chunk = got.rest;
      if (chunk.length === 0) return { state: 'pending', send };
    }
    const got = this.confirm.push(chunk);
    if (got === null) return { state: 'pending', send };
    if (typeof got === 'string') return (this.done = { state: 'refused', reason: got });
    const theirs = got.message.subarray(ConfirmMessage.MAC, ConfirmMessage.MAC + MAC_BYTES);
    if (!timingSafeEqual(theirs, mac(this.secret, PRIMARY_LABEL, this.clusterName, this.nonceP, this.nonceF))) {
      return (this.done = { state: 'refused', reason: 'the primary does not know the cluster secret (bad membership confirmation)' });
    }
    return (this.done = { state: 'member', send, rest: got.rest, peerNodeId: '' });
  }
}
