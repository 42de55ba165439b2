/**
 * Reads one journal segment into an 8-aligned buffer and walks its frames in place.
 *
 * `next()` returns a FrameStatus and leaves the frame's record base and sequence in fields, so a
 * replay loop allocates nothing per record:
 *
 *   reader.load(path);
 *   while (reader.next() === FrameStatus.OK) sm.apply(reader.buffer, reader.recordBase, out, 0);
 *
 * A frame that fails its checks stops the walk with INCOMPLETE (the frame runs past the end of the
 * file: a torn append) or BAD (wrong length, CRC or sequence); `frameOffset` names where, `reason`
 * says why, and `lastSequence` is the last good sequence. Whether a bad frame is a torn tail or real
 * corruption is the recovery's decision (it depends on where the frame is), not the reader's.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { createRecordBuffer, type RecordBuffer } from '../codec/records/record_buffer.ts';
import { CMD_LENGTH_OFFSET, CMD_SEQUENCE_OFFSET } from '../codec/records/command_descriptor.ts';
import { crc32Aligned, crc32Bytes } from './crc32.ts';
import {
  FRAME_BYTES_OFFSET, FRAME_CRC_OFFSET, FRAME_HEADER_BYTES, FRAME_MAX_BYTES, FRAME_MIN_BYTES,
  FRAME_RECORD_OFFSET, SEGMENT_HEADER_BYTES, SEGMENT_MAGIC, SEGMENT_VERSION, SEG_EPOCH_OFFSET,
  SEG_FIRST_SEQUENCE_OFFSET, SEG_HEADER_BYTES_OFFSET, SEG_HEADER_CRC_OFFSET, SEG_MAGIC_OFFSET, SEG_VERSION_OFFSET,
} from './journal_descriptor.ts';

export const FrameStatus = {
  /** A good frame: recordBase and sequence describe it. */
  OK: 0,
  /** No more bytes: the segment ends cleanly after the last good frame. */
  END: 1,
  /** The bytes left are fewer than the frame needs: an append cut short. */
  INCOMPLETE: 2,
  /** The frame's length, CRC or sequence is wrong. */
  BAD: 3,
} as const;
export type FrameStatus = (typeof FrameStatus)[keyof typeof FrameStatus];

export const HeaderStatus = { OK: 0, SHORT: 1, BAD: 2 } as const;
export type HeaderStatus = (typeof HeaderStatus)[keyof typeof HeaderStatus];

const INITIAL_CAPACITY_BYTES = 1024 * 1024;

export class SegmentReader {
  buffer: RecordBuffer = createRecordBuffer(new ArrayBuffer(INITIAL_CAPACITY_BYTES));
  /** Bytes of the file loaded. */
  fileBytes = 0;
  path = '';
  firstSequence = -1;
  epoch = 0;
  /** Offset of the frame `next()` looked at last (the bad one after INCOMPLETE or BAD). */
  frameOffset = 0;
  recordBase = 0;
  sequence = -1;
  /** The last good sequence: seeded by `load` so checks run across segments. */
  lastSequence = -1;
  /** Why the last frame or header was refused. Set only on failure (allocates a string then). */
  reason = '';
  private nextOffset = 0;

  /**
   * Reads the whole file. Sequences are contiguous: the first frame must carry `previousSequence + 1`
   * (the segment's first sequence, as the caller knows it from the name or the segment before).
   */
  load(path: string, previousSequence: number): HeaderStatus {
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      if (size > this.buffer.bytes.length) {
        this.buffer = createRecordBuffer(new ArrayBuffer((size + 7) & ~7));
      }
      let read = 0;
      while (read < size) {
        const n = readSync(fd, this.buffer.bytes, read, size - read, read);
        if (n === 0) break;
        read += n;
      }
      this.fileBytes = read;
    } finally {
      closeSync(fd);
    }
    this.path = path;
    this.lastSequence = previousSequence;
    this.sequence = -1;
    this.reason = '';
    this.frameOffset = 0;
    return this.checkHeader();
  }

  private checkHeader(): HeaderStatus {
    const b = this.buffer;
    if (this.fileBytes < SEGMENT_HEADER_BYTES) {
      this.reason = `segment header is cut short (${this.fileBytes} of ${SEGMENT_HEADER_BYTES} bytes)`;
      return HeaderStatus.SHORT;
    }
    const crc = crc32Bytes(b.bytes, 0, SEG_HEADER_CRC_OFFSET);
    if (b.u32[SEG_MAGIC_OFFSET >>> 2] !== SEGMENT_MAGIC) {
      this.reason = 'not a ringline journal segment (bad magic)';
      return HeaderStatus.BAD;
    }
    if (crc !== b.u32[SEG_HEADER_CRC_OFFSET >>> 2]) {
      this.reason = 'segment header CRC mismatch';
      return HeaderStatus.BAD;
    }
    const version = b.u16[SEG_VERSION_OFFSET >>> 1];
    if (version !== SEGMENT_VERSION || b.u16[SEG_HEADER_BYTES_OFFSET >>> 1] !== SEGMENT_HEADER_BYTES) {
      this.reason = `unsupported segment version ${version}`;
      return HeaderStatus.BAD;
    }
    this.firstSequence = b.f64[SEG_FIRST_SEQUENCE_OFFSET >>> 3];
    this.epoch = b.f64[SEG_EPOCH_OFFSET >>> 3];
    this.nextOffset = SEGMENT_HEADER_BYTES;
    return HeaderStatus.OK;
  }

  /** Moves to the next frame. */
  next(): FrameStatus {
    const offset = this.nextOffset;
    this.frameOffset = offset;
    const remaining = this.fileBytes - offset;
    if (remaining === 0) return FrameStatus.END;
    if (remaining < FRAME_HEADER_BYTES) {
      this.reason = `frame header cut short (${remaining} bytes left)`;
      return FrameStatus.INCOMPLETE;
    }
    const b = this.buffer;
    const frameBytes = b.u32[(offset + FRAME_BYTES_OFFSET) >>> 2];
    if (frameBytes < FRAME_MIN_BYTES || frameBytes > FRAME_MAX_BYTES || (frameBytes & 7) !== 0) {
      this.reason = `invalid frame length ${frameBytes}`;
      return FrameStatus.BAD;
    }
    if (frameBytes > remaining) {
      this.reason = `frame of ${frameBytes} bytes cut short (${remaining} bytes left)`;
      return FrameStatus.INCOMPLETE;
    }
    const recordBase = offset + FRAME_RECORD_OFFSET;
    const lengthBytes = frameBytes - FRAME_HEADER_BYTES;
    if (b.u32[(recordBase + CMD_LENGTH_OFFSET) >>> 2] !== lengthBytes) {
      this.reason = `frame length ${frameBytes} disagrees with record length ${b.u32[(recordBase + CMD_LENGTH_OFFSET) >>> 2]}`;
      return FrameStatus.BAD;
    }
    if (crc32Aligned(b, recordBase, lengthBytes) !== b.u32[(offset + FRAME_CRC_OFFSET) >>> 2]) {
      this.reason = 'CRC mismatch';
      return FrameStatus.BAD;
    }
    const sequence = b.f64[(recordBase + CMD_SEQUENCE_OFFSET) >>> 3];
    if (sequence !== this.lastSequence + 1) {
      this.reason = `sequence ${sequence} does not follow ${this.lastSequence}`;
      return FrameStatus.BAD;
    }
    this.recordBase = recordBase;
    this.sequence = sequence;
    this.lastSequence = sequence;
    this.nextOffset = offset + frameBytes;
    return FrameStatus.OK;
  }

  /**
   * Whether the refused frame at frameOffset is the end of an interrupted append: no whole, valid
   * frame follows it anywhere in the file. A crash mid-append leaves a cut frame, garbage or zeroes
   * at the end; damage with a good record after it is corruption, never a torn tail (that rule keeps a
   * damaged length field near the end from silently cutting acknowledged records). Runs only on the
   * failure path: it tries every 8-byte boundary after the bad frame.
   */
  looksLikeTornTail(): boolean {
    const b = this.buffer;
    const words = b.u32;
    for (let offset = this.frameOffset + FRAME_HEADER_BYTES; offset + FRAME_MIN_BYTES <= this.fileBytes; offset += 8) {
      const frameBytes = words[(offset + FRAME_BYTES_OFFSET) >>> 2];
      if (frameBytes < FRAME_MIN_BYTES || frameBytes > FRAME_MAX_BYTES || (frameBytes & 7) !== 0) continue;
      if (offset + frameBytes > this.fileBytes) continue;
      const recordBase = offset + FRAME_RECORD_OFFSET;
      if (words[(recordBase + CMD_LENGTH_OFFSET) >>> 2] !== frameBytes - FRAME_HEADER_BYTES) continue;
      if (crc32Aligned(b, recordBase, frameBytes - FRAME_HEADER_BYTES) === words[(offset + FRAME_CRC_OFFSET) >>> 2]) return false;
    }
    return true;
  }
}
