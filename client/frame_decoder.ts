/**
 * Splits a TCP byte stream into frames: a 4-byte little-endian length, then that many bytes of one
 * FlatBuffers message.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                   payloadBytes (u32, LE)                      |  0
 *   |                   payload ...                                ...  4
 *
 * Frames that lie wholly inside one socket chunk are handed to the sink in place (no copy, no
 * concat). Only a frame split across chunks, or the rest of a chunk the sink declined (the ring was
 * full), is copied into one held buffer that grows to the largest frame seen and is then reused.
 */
import { ResultCode } from '../codec/result_codes.ts';

export const FRAME_PREFIX_BYTES = 4;
const HELD_INITIAL_BYTES = 256;
const EMPTY = Buffer.alloc(0);

function checkedMax(maxFrameBytes: number): number {
  if (!Number.isInteger(maxFrameBytes) || maxFrameBytes < 1) {
    throw new RangeError(`maxFrameBytes must be a positive integer, got ${maxFrameBytes}`);
  }
  return maxFrameBytes;
}

/** Receives each complete frame. Returns false to decline it: decoding stops and the frame is kept. */
export interface FrameSink {
  onFrame(bytes: Uint8Array, start: number, length: number): boolean;
}

/** Everything fed so far was decoded (a partial frame may be held). */
export const DECODE_DONE = 0;
/** The sink declined a frame; it and the bytes after it are held until drain(). */
export const DECODE_STOPPED = 1;

export class FrameDecoder {
  /** Allocated at the first partial frame: a connection that never splits a frame holds no buffer. */
  private held: Buffer = EMPTY;
  private heldBytes = 0;
  private maxFrameBytes: number;

  constructor(maxFrameBytes: number) {
    this.maxFrameBytes = checkedMax(maxFrameBytes);
  }

  /** Changes the largest frame accepted from the next frame on (the gateway raises it after login). */
  setMaxFrameBytes(maxFrameBytes: number): void {
    this.maxFrameBytes = checkedMax(maxFrameBytes);
  }

  /** Bytes waiting in the held buffer (a partial frame or declined frames). */
  get pendingBytes(): number {
    return this.heldBytes;
  }

  /**
   * Feeds one chunk. Returns DECODE_DONE, DECODE_STOPPED, or a protocol error code
   * (MALFORMED_FRAME for a zero length, FRAME_TOO_LARGE above the maximum): the stream is then
   * unusable and the connection must close.
   */
  push(chunk: Uint8Array, sink: FrameSink): number {
    if (this.heldBytes > 0) {
      this.append(chunk, 0, chunk.length);
      return this.drain(sink);
    }
    const end = chunk.length;
    const pos = this.decode(chunk, 0, end, sink);
    if (pos < 0) return -pos;
    if (pos < end) this.append(chunk, pos, end);
    return this.stopped ? DECODE_STOPPED : DECODE_DONE;
  }

  /** Decodes what is held (after a DECODE_STOPPED, once the sink can take frames again). */
  drain(sink: FrameSink): number {
    if (this.heldBytes === 0) return DECODE_DONE;
    const pos = this.decode(this.held, 0, this.heldBytes, sink);
    if (pos < 0) return -pos;
    if (pos > 0) {
      this.held.copyWithin(0, pos, this.heldBytes);
      this.heldBytes -= pos;
    }
    return this.stopped ? DECODE_STOPPED : DECODE_DONE;
  }

  private stopped = false;

  /** Returns the offset of the first byte not consumed, or -code on a protocol error. */
  private decode(bytes: Uint8Array, start: number, end: number, sink: FrameSink): number {
    this.stopped = false;
    let pos = start;
    while (end - pos >= FRAME_PREFIX_BYTES) {
      const length = (bytes[pos] | (bytes[pos + 1] << 8) | (bytes[pos + 2] << 16) | (bytes[pos + 3] << 24)) >>> 0;
      if (length === 0) return -ResultCode.MALFORMED_FRAME;
      if (length > this.maxFrameBytes) return -ResultCode.FRAME_TOO_LARGE;
      if (end - pos - FRAME_PREFIX_BYTES < length) break;
      if (!sink.onFrame(bytes, pos + FRAME_PREFIX_BYTES, length)) {
        this.stopped = true;
        break;
      }
      pos += FRAME_PREFIX_BYTES + length;
    }
    return pos;
  }

  private append(chunk: Uint8Array, from: number, to: number): void {
    const need = this.heldBytes + (to - from);
    if (need > this.held.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, this.held.length * 2, HELD_INITIAL_BYTES));
      this.held.copy(grown, 0, 0, this.heldBytes);
      this.held = grown;
    }
    this.held.set(chunk.subarray(from, to), this.heldBytes);
    this.heldBytes = need;
  }
}

/** Writes one frame (prefix + payload) into a new Buffer; for clients and tests. */
export function encodeFrame(payload: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_PREFIX_BYTES + payload.length);
  frame.writeUInt32LE(payload.length, 0);
  frame.set(payload, FRAME_PREFIX_BYTES);
  return frame;
}
