/**
 * Replication wire protocol between a primary's replicator worker and a follower, over one TCP
 * connection. Every message is an 8-byte header and a payload; payloads are multiples of 8 bytes so
 * journal frames inside a FRAMES message keep their 8-byte alignment. Little-endian throughout.
 *
 * Message header (8 bytes)
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                  messageBytes (u32, header included)          |  0
 *   |           type (u16)          |          flags (u16)          |  4
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * follower → primary
 *   HELLO   (32 bytes)  8 magic u32 "RLR1", 12 version u32, 16 epoch f64 (the follower's), 24 nextSequence
 *                       f64 (the first sequence it wants). flags PROBE: only asks the primary's epoch
 *                       (a restarting primary checking its --peers); no frames follow.
 *   ACK     (16 bytes)  8 sequence f64: everything up to it is durable in the follower's journal.
 * primary → follower
 *   WELCOME (32 bytes)  8 epoch f64 (the primary's), 16 lastSequence f64 (its last published sequence),
 *                       24 epochStart f64 (the last sequence before its epoch began, -1 if unknown).
 *   REFUSE  (16 + n)    8 resultCode u32 (codec/result_codes.ts, e.g. STALE_EPOCH), 12 reasonBytes u32,
 *                       16 UTF-8 reason, zero-padded to 8. The primary closes the connection after it.
 *   FRAMES  (8 + n)     journal frames exactly as in a segment (journal_descriptor.ts: frameBytes, crc32,
 *                       record), contiguous sequences, continuing from the previous FRAMES message.
 *   SNAPSHOT (32 + n)   answer to a HELLO with flags BOOTSTRAP when the primary's journal no longer starts
 *                       at FIRST_SEQUENCE: a piece of its newest snapshot file, byte for byte. 8 sequence f64
 *                       (the snapshot's), 16 fileBytes f64, 24 offset f64 (of this piece in the file),
 *                       32 the piece, zero-padded to 8; flags LAST on the final piece. The connection
 *                       closes after it; the follower recovers from the snapshot and says HELLO again.
 */
import { layoutAssertion } from '../codec/layout_assertion.ts';
import { F64, fixedLayout, TAIL, U16, U32 } from '../codec/fixed_layout.ts';

export const REPLICATION_MAGIC = 0x3152_4c52; // "RLR1" read as little-endian bytes
export const REPLICATION_VERSION = 1;

export const MessageHeader = fixedLayout('message header', { MESSAGE_BYTES: U32, TYPE: U16, FLAGS: U16 });

export const MessageType = { HELLO: 1, ACK: 2, WELCOME: 3, REFUSE: 4, FRAMES: 5, SNAPSHOT: 6 } as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];
export const MESSAGE_TYPE_MAX = MessageType.SNAPSHOT;
export const HELLO_FLAG_PROBE = 1;
/** A follower with an empty data directory asks for the newest snapshot when the journal was retired. */
export const HELLO_FLAG_BOOTSTRAP = 2;

const afterHeader = MessageHeader.BYTES;
export const HelloMessage = fixedLayout('HELLO', { MAGIC: U32, VERSION: U32, EPOCH: F64, NEXT_SEQUENCE: F64 }, afterHeader);
export const AckMessage = fixedLayout('ACK', { SEQUENCE: F64 }, afterHeader);
export const WelcomeMessage = fixedLayout('WELCOME', { EPOCH: F64, LAST_SEQUENCE: F64, EPOCH_START: F64 }, afterHeader);
export const RefuseMessage = fixedLayout('REFUSE', { CODE: U32, REASON_BYTES: U32, REASON: TAIL }, afterHeader);
export const REFUSE_REASON_MAX_BYTES = 1024;
export const FramesMessage = fixedLayout('FRAMES', { PAYLOAD: TAIL }, afterHeader);
export const SnapshotMessage = fixedLayout('SNAPSHOT', { SEQUENCE: F64, FILE_BYTES: F64, PIECE_OFFSET: F64, DATA: TAIL }, afterHeader);
export const SNAPSHOT_FLAG_LAST = 1;

/** Bytes of snapshot file per SNAPSHOT message. */
export const SNAPSHOT_PIECE_MAX_BYTES = 1024 * 1024;
/** The largest message either side accepts: a FRAMES message holds at most this many bytes. */
export const MESSAGE_MAX_BYTES = 4 * 1024 * 1024;

/** Replication TCP port when replication is enabled and none is given. */
export const DEFAULT_REPLICATION_PORT = 7402;

// ---- load-time checks -------------------------------------------------------------------------------
const assertLayout = layoutAssertion('replication layout');
assertLayout(MessageHeader.BYTES % 8 === 0, 'message header must keep frames 8-aligned');
for (const size of [HelloMessage.BYTES, AckMessage.BYTES, WelcomeMessage.BYTES]) assertLayout(size % 8 === 0, 'messages must be multiples of 8 bytes');
assertLayout(HelloMessage.BYTES === 32 && AckMessage.BYTES === 16 && WelcomeMessage.BYTES === 32, 'message sizes as drawn');
assertLayout(RefuseMessage.REASON === 16 && SnapshotMessage.DATA === 32, 'REFUSE and SNAPSHOT data offsets as drawn');
assertLayout(MESSAGE_MAX_BYTES % 8 === 0, 'message limit must be a multiple of 8');
assertLayout(SnapshotMessage.DATA + SNAPSHOT_PIECE_MAX_BYTES <= MESSAGE_MAX_BYTES, 'a snapshot piece must fit a message');
