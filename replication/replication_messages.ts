/**
 * Encoding the small replication messages (replication_descriptor.ts) and reading a byte stream back
 * into whole messages. The reader copies socket chunks into one 8-aligned RecordBuffer, so the journal
 * frames of a FRAMES message can be checksummed in place (crc32Aligned) without another copy.
 */
import { createRecordBuffer, type RecordBuffer } from '../codec/records/record_buffer.ts';
import { MembershipType } from './membership/membership_descriptor.ts';
import {
  AckMessage, HelloMessage, MESSAGE_MAX_BYTES, MessageHeader, MESSAGE_TYPE_MAX, MessageType, RefuseMessage,
  REFUSE_REASON_MAX_BYTES, REPLICATION_MAGIC, REPLICATION_VERSION, SnapshotMessage, SNAPSHOT_FLAG_LAST,
  WelcomeMessage,
} from './replication_descriptor.ts';

function header(bytes: number, type: MessageType, flags: number): Buffer {
  const b = Buffer.alloc(bytes);
  b.writeUInt32LE(bytes, MessageHeader.MESSAGE_BYTES);
  b.writeUInt16LE(type, MessageHeader.TYPE);
  b.writeUInt16LE(flags, MessageHeader.FLAGS);
  return b;
}

export function encodeHello(epoch: number, nextSequence: number, flags = 0): Buffer {
  const b = header(HelloMessage.BYTES, MessageType.HELLO, flags);
  b.writeUInt32LE(REPLICATION_MAGIC, HelloMessage.MAGIC);
  b.writeUInt32LE(REPLICATION_VERSION, HelloMessage.VERSION);
  b.writeDoubleLE(epoch, HelloMessage.EPOCH);
  b.writeDoubleLE(nextSequence, HelloMessage.NEXT_SEQUENCE);
  return b;
}

export function encodeAck(sequence: number): Buffer {
  const b = header(AckMessage.BYTES, MessageType.ACK, 0);
  b.writeDoubleLE(sequence, AckMessage.SEQUENCE);
  return b;
}

export function encodeWelcome(epoch: number, lastSequence: number, epochStart = -1): Buffer {
  const b = header(WelcomeMessage.BYTES, MessageType.WELCOME, 0);
  b.writeDoubleLE(epoch, WelcomeMessage.EPOCH);
  b.writeDoubleLE(lastSequence, WelcomeMessage.LAST_SEQUENCE);
  b.writeDoubleLE(epochStart, WelcomeMessage.EPOCH_START);
  return b;
}

/** One piece of a snapshot file (`piece` is the bytes at `offset` of a file of `fileBytes`). */
export function encodeSnapshotPiece(sequence: number, fileBytes: number, offset: number, piece: Uint8Array): Buffer {
  const bytes = SnapshotMessage.DATA + ((piece.length + 7) & ~7);
  const last = offset + piece.length === fileBytes;
  const b = header(bytes, MessageType.SNAPSHOT, last ? SNAPSHOT_FLAG_LAST : 0);
  b.writeDoubleLE(sequence, SnapshotMessage.SEQUENCE);
  b.writeDoubleLE(fileBytes, SnapshotMessage.FILE_BYTES);
  b.writeDoubleLE(offset, SnapshotMessage.PIECE_OFFSET);
  b.set(piece, SnapshotMessage.DATA);
  return b;
}

export function encodeRefuse(resultCode: number, reason: string): Buffer {
  const text = Buffer.from(reason, 'utf8').subarray(0, REFUSE_REASON_MAX_BYTES);
  const bytes = RefuseMessage.REASON + ((text.length + 7) & ~7);
  const b = header(bytes, MessageType.REFUSE, 0);
  b.writeUInt32LE(resultCode, RefuseMessage.CODE);
  b.writeUInt32LE(text.length, RefuseMessage.REASON_BYTES);
  text.copy(b, RefuseMessage.REASON);
  return b;
}

/** next()'s answer when the buffered bytes do not hold a whole message yet. */
export const NEED_MORE = 0;
/** next()'s answer for a header no peer of ours would send: the stream is broken, `reason` says why. */
export const BAD_MESSAGE = -1;

export class MessageReader {
  readonly buffer: RecordBuffer;
  /** Start of the message next() returned last (8-aligned), and its size. */
  messageBase = 0;
  messageBytes = 0;
  reason = '';
  private readPos = 0;
  private writePos = 0;

  /**
   * The reader accepts messages of up to `capacityBytes` (a peer that may send any message the protocol
   * allows needs MESSAGE_MAX_BYTES; one that only sends HELLO and ACK much less) and refuses a larger
   * one as BAD_MESSAGE at its header: with nowhere to put it, waiting for it would never end.
   */
  constructor(readonly capacityBytes = 2 * MESSAGE_MAX_BYTES) {
    if (!Number.isInteger(capacityBytes) || capacityBytes < 64 || (capacityBytes & 7) !== 0) {
      throw new RangeError(`MessageReader capacity must be a multiple of 8 and at least 64 bytes; got ${capacityBytes}`);
    }
    this.buffer = createRecordBuffer(new ArrayBuffer(capacityBytes));
  }

  /** Copies as much of `chunk` from `offset` as fits; returns the bytes taken (call next() until NEED_MORE, then push the rest). */
  push(chunk: Uint8Array, offset = 0): number {
    if (this.readPos > 0 && this.buffer.bytes.length - this.writePos < chunk.length - offset) {
      // readPos is a message boundary, so a multiple of 8: moving to 0 keeps frames 8-aligned.
      this.buffer.bytes.copyWithin(0, this.readPos, this.writePos);
      this.writePos -= this.readPos;
      this.readPos = 0;
    }
    const n = Math.min(chunk.length - offset, this.buffer.bytes.length - this.writePos);
    this.buffer.bytes.set(chunk.subarray(offset, offset + n), this.writePos);
    this.writePos += n;
    return n;
  }

  /** The type of the next whole message (its bytes at messageBase), NEED_MORE or BAD_MESSAGE. */
  next(): number {
    const available = this.writePos - this.readPos;
    if (available < MessageHeader.BYTES) return NEED_MORE;
    const base = this.readPos;
    const bytes = this.buffer.u32[(base + MessageHeader.MESSAGE_BYTES) >>> 2];
    if (bytes < MessageHeader.BYTES || bytes > MESSAGE_MAX_BYTES || (bytes & 7) !== 0) {
      this.reason = `invalid replication message length ${bytes}`;
      return BAD_MESSAGE;
    }
    if (bytes > this.capacityBytes) {
      this.reason = `replication message of ${bytes} bytes is larger than the ${this.capacityBytes} this peer may send`;
      return BAD_MESSAGE;
    }
    if (available < bytes) return NEED_MORE;
    const type = this.buffer.u16[(base + MessageHeader.TYPE) >>> 1];
    if (type < MessageType.HELLO || type > MESSAGE_TYPE_MAX) {
      // A membership CHALLENGE where the stream should start: the peer requires a secret this side did not give.
      this.reason = type === MembershipType.CHALLENGE
        ? `the peer asks for a membership proof (message type ${type}): it requires a secret this side did not give (--replication-secret-file or the cluster's)`
        : `unknown replication message type ${type}`;
      return BAD_MESSAGE;
    }
    this.messageBase = base;
    this.messageBytes = bytes;
    this.readPos = base + bytes;
    return type;
  }

  flags(): number {
    return this.buffer.u16[(this.messageBase + MessageHeader.FLAGS) >>> 1];
  }

  f64(offset: number): number {
    return this.buffer.f64[(this.messageBase + offset) >>> 3];
  }

  u32(offset: number): number {
    return this.buffer.u32[(this.messageBase + offset) >>> 2];
  }

  refuseReason(): string {
    const n = Math.min(this.u32(RefuseMessage.REASON_BYTES), this.messageBytes - RefuseMessage.REASON);
    const start = this.messageBase + RefuseMessage.REASON;
    return Buffer.from(this.buffer.bytes.buffer, start, n).toString('utf8');
  }
}
