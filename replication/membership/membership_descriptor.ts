/**
 * Membership handshake on a replication connection: both ends prove they know the cluster secret
 * before a byte of journal is sent or an acknowledgement counts. Same 8-byte message header as the
 * replication protocol (messageBytes u32, type u16, flags u16; little-endian), with types of its own.
 *
 *   primary (accepts)                         follower (connects)
 *     CHALLENGE  nonceP ─────────────────────►
 *                ◄───────────────────────────── PROOF  nonceF, nodeId, MAC(secret, "follower" ‖ cluster ‖ nonceP ‖ nonceF ‖ nodeId)
 *     CONFIRM    MAC(secret, "primary" ‖ cluster ‖ nonceP ‖ nonceF) ─►
 *     (then the replication protocol: HELLO, WELCOME, FRAMES, ACK …)
 *
 * MAC = HMAC-SHA-256. Fresh 32-byte nonces on both sides stop replays; the role label stops a peer
 * from reflecting the other side's MAC back; the cluster name keeps clusters sharing a secret apart.
 *
 * CHALLENGE (48 bytes)
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                 messageBytes = 48                             |  0
 *   |        type = CHALLENGE       |           flags = 0           |  4
 *   |                 magic "RLM1"                                  |  8
 *   |                 version                                       | 12
 *   |                 nonceP (32 bytes)                            ... 16
 *
 * PROOF (144 bytes): header, 8 nonceF (32 bytes), 40 MAC (32 bytes), 72 nodeIdBytes (u32, 0-64),
 *   76 reserved (u32, 0), 80 nodeId (64 bytes: that many ASCII bytes of the follower's node id, then zeros).
 *   The MAC covers the node id: the primary counts acknowledgements per proven node (a cluster
 *   follower names itself; a plain follower sends an empty id and counts per connection).
 * CONFIRM (40 bytes): header, 8 MAC (32 bytes).
 */
import { layoutAssertion } from '../../codec/layout_assertion.ts';
import { bytes, fixedLayout, U32 } from '../../codec/fixed_layout.ts';

export const MEMBERSHIP_MAGIC = 0x314d_4c52; // "RLM1" read as little-endian bytes
export const MEMBERSHIP_VERSION = 2;

/** Message types: kept apart from the replication protocol's (1..6) so a confused peer is caught. */
export const MembershipType = { CHALLENGE: 32, PROOF: 33, CONFIRM: 34 } as const;
export type MembershipType = (typeof MembershipType)[keyof typeof MembershipType];

export const HEADER_BYTES = 8;
export const NONCE_BYTES = 32;
export const MAC_BYTES = 32;

/** A node id is 1-64 ASCII characters (cluster_options.ts); the field holds the longest. */
export const NODE_ID_MAX_BYTES = 64;

export const ChallengeMessage = fixedLayout('CHALLENGE', { MAGIC: U32, VERSION: U32, NONCE: bytes(NONCE_BYTES) }, HEADER_BYTES);
export const ProofMessage = fixedLayout('PROOF', {
  NONCE: bytes(NONCE_BYTES), MAC: bytes(MAC_BYTES), NODE_ID_BYTES: U32, RESERVED: U32, NODE_ID: bytes(NODE_ID_MAX_BYTES),
}, HEADER_BYTES);
export const ConfirmMessage = fixedLayout('CONFIRM', { MAC: bytes(MAC_BYTES) }, HEADER_BYTES);

/** A cluster secret shorter than this is refused (it is the only thing between a stranger and the journal). */
export const SECRET_MIN_BYTES = 32;
export const SECRET_MAX_BYTES = 1024;

const assertLayout = layoutAssertion('membership layout');
assertLayout(ChallengeMessage.BYTES === 48 && ProofMessage.BYTES === 144 && ConfirmMessage.BYTES === 40, 'message sizes');
assertLayout(ProofMessage.NODE_ID_BYTES === 72 && ProofMessage.NODE_ID === 80, 'proof node id offsets');
for (const size of [ChallengeMessage.BYTES, ProofMessage.BYTES, ConfirmMessage.BYTES]) assertLayout(size % 8 === 0, 'messages must be multiples of 8 bytes');
