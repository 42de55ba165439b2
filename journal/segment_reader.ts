/**
 * Reads one journal segment, chunk by chunk into one reused 8-aligned buffer, and walks its frames in
 * place (a frame's record stays valid in `buffer` until the next `next()`).
 *
 * `next()` returns a FrameStatus and leaves the frame's record base and sequence in fields, so a
 * replay loop allocates nothing per record:
 *
 *   reader.load(path);
 *   while (reader.next() === FrameStatus.OK) sm.apply(reader.buffer, reader.recordBase, out, 0);
 *
 * A segment may be a prepared file (segment_preparation.ts): full size, zeros after its last frame. A
 * zero frame length with nothing but zeros after it in the loaded chunk is the end (END, frameOffset
 * is the segment's logical length); a zero frame length with data after it is BAD. A header of zeros
 * is SHORT (a crash between taking a prepared file and writing its first batch).
 *
 * A frame that fails its checks stops the walk with INCOMPLETE (the frame runs past the end of the
 * file: a torn append) or BAD (wrong length, CRC or sequence); `frameOffset` names where, `reason`
 * says why, and `lastSequence` is the last good sequence. Whether a bad frame is a torn tail or real
 * corruption is the recovery's decision (it depends on where the frame is), not the reader's.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { createRecordBuffer, type RecordBuffer } from '../codec/records/record_buffer.ts';
import { CmdHeader } from '../codec/records/command_descriptor.ts';
import { crc32Aligned, crc32Bytes } from './crc32.ts';
import { JournalFrame, FRAME_MAX_BYTES, FRAME_MIN_BYTES, SegmentHeader, SEGMENT_MAGIC, SEGMENT_VERSION } from './journal_descriptor.ts';

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

/**
 * Bytes read per chunk. A segment is read in chunks into one reused buffer rather than whole: a
 * whole 256 MiB segment meant a fresh buffer the size of the file (the kernel zeroes and faults in
 * every page: ~40% of the scan's time) and a copy that had left the CPU caches long before the walk
 * reached it; a chunk is read just before it is walked and stays cached for the CRC and the apply.
 */
export const DEFAULT_CHUNK_BYTES = 1024 * 1024;
/** The smallest chunk: the segment header and the largest frame fit in it. */
export const MIN_CHUNK_BYTES = SegmentHeader.BYTES + FRAME_MAX_BYTES;

export class SegmentReader {
  /** The chunk of the file being walked: file bytes [bufferFileOffset, bufferFileOffset + bufferBytes). */
  buffer: RecordBuffer;
  /** Bytes of the file loaded (its size when `load` opened it). */
  fileBytes = 0;
  path = '';
  firstSequence = -1;
  epoch = 0;
  /** File offset of the frame `next()` looked at last (the bad one after INCOMPLETE or BAD). */
  frameOffset = 0;
  /** Byte offset of the current frame's record in `buffer` (not in the file). */
  recordBase = 0;
  sequence = -1;
  /** The last good sequence: seeded by `load` so checks run across segments. */
  lastSequence = -1;
  /** Why the last frame or header was refused. Set only on failure (allocates a string then). */
  reason = '';
  /** File offset of buffer byte 0, and how many bytes of the buffer hold file data. */
  private bufferFileOffset = 0;
  private bufferBytes = 0;
  /** Buffer offset of the next frame. */
  private nextOffset = 0;
  /** When nextOffset reaches this, the next frame may not be whole in the buffer: read more first. */
  private refillAt = 0;

  constructor(chunkBytes = DEFAULT_CHUNK_BYTES) {
    if (!Number.isInteger(chunkBytes) || chunkBytes < MIN_CHUNK_BYTES || (chunkBytes & 7) !== 0) {
      throw new RangeError(`SegmentReader: chunkBytes must be a multiple of 8 and at least ${MIN_CHUNK_BYTES}, got ${chunkBytes}`);
    }
    this.buffer = createRecordBuffer(new ArrayBuffer(chunkBytes));
  }

  /**
   * Opens a segment and reads its first chunk. Sequences are contiguous: the first frame must carry
   * `previousSequence + 1` (the segment's first sequence, as the caller knows it from the name or the
   * segment before). The size is taken now: bytes appended later are not read.
   */
  load(path: string, previousSequence: number): HeaderStatus {
    const fd = openSync(path, 'r');
    try {
      this.fileBytes = fstatSync(fd).size;
      this.bufferFileOffset = 0;
      this.bufferBytes = 0;
      this.fill(fd);
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

  /** fill() from a fresh descriptor of the loaded path (a walk holds no descriptor between reads). */
  private fillFromFile(): void {
    const fd = openSync(this.path, 'r');
    try {
      this.fill(fd);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Reads file bytes after the buffered ones into the rest of the buffer, up to fileBytes. A file cut
   * shorter since load() ends where the reads stop (fileBytes is lowered): the walk then sees a
   * cut frame, as it would have with the whole file read at once.
   */
  private fill(fd: number): void {
    const bytes = this.buffer.bytes;
    const want = Math.min(bytes.length, this.fileBytes - this.bufferFileOffset);
    let have = this.bufferBytes;
    while (have < want) {
      const n = readSync(fd, bytes, have, want - have, this.bufferFileOffset + have);
      if (n === 0) {
        this.fileBytes = this.bufferFileOffset + have;
        break;
      }
      have += n;
    }
    this.bufferBytes = have;
    this.refillAt = this.bufferFileOffset + have < this.fileBytes ? have - FRAME_MAX_BYTES : Number.MAX_SAFE_INTEGER;
  }

  /** File offset of the frame after the last one `next()` returned: where a later walk may resume. */
  get nextFrameFileOffset(): number {
    return this.bufferFileOffset + this.nextOffset;
  }

  /**
   * Right after a successful load(): skips to `fileOffset`, a frame boundary an earlier walk of the same
   * file reported (nextFrameFileOffset) after `lastSequence`, so a reader that follows a growing
   * segment does not re-read and re-check the frames it has already walked.
   */
  resumeAt(fileOffset: number, lastSequence: number): void {
    if (!Number.isInteger(fileOffset) || (fileOffset & 7) !== 0 || fileOffset < SegmentHeader.BYTES || fileOffset > this.fileBytes) {
      throw new RangeError(`SegmentReader.resumeAt: ${this.path} has no frame boundary at ${fileOffset} (file ${this.fileBytes} bytes)`);
    }
    this.bufferFileOffset = fileOffset;
    this.bufferBytes = 0;
    this.nextOffset = 0;
    this.lastSequence = lastSequence;
    this.fillFromFile();
  }

  /** Moves the unread tail (from nextOffset, 8-aligned) to the buffer's start and reads on after it. */
  private refill(): void {
    const from = this.nextOffset;
    this.buffer.bytes.copyWithin(0, from, this.bufferBytes);
    this.bufferFileOffset += from;
    this.bufferBytes -= from;
    this.nextOffset = 0;
    this.fillFromFile();
  }

  private checkHeader(): HeaderStatus {
    const b = this.buffer;
    if (this.bufferBytes < SegmentHeader.BYTES) {
      this.reason = `segment header is cut short (${this.bufferBytes} of ${SegmentHeader.BYTES} bytes)`;
      return HeaderStatus.SHORT;
    }
    const crc = crc32Bytes(b.bytes, 0, SegmentHeader.HEADER_CRC);
    if (zeroFrom(b.u32, 0, SegmentHeader.BYTES >>> 2)) {
      this.reason = 'segment header never written (zeros)';
      return HeaderStatus.SHORT;
    }
    if (b.u32[SegmentHeader.MAGIC >>> 2] !== SEGMENT_MAGIC) {
      this.reason = 'not a ringline journal segment (bad magic)';
      return HeaderStatus.BAD;
    }
    if (crc !== b.u32[SegmentHeader.HEADER_CRC >>> 2]) {
      this.reason = 'segment header CRC mismatch';
      return HeaderStatus.BAD;
    }
    const version = b.u16[SegmentHeader.VERSION >>> 1];
    if (version !== SEGMENT_VERSION || b.u16[SegmentHeader.HEADER_BYTES >>> 1] !== SegmentHeader.BYTES) {
      this.reason = `unsupported segment version ${version}`;
      return HeaderStatus.BAD;
    }
    this.firstSequence = b.f64[SegmentHeader.FIRST_SEQUENCE >>> 3];
    this.epoch = b.f64[SegmentHeader.EPOCH >>> 3];
    this.nextOffset = SegmentHeader.BYTES;
    return HeaderStatus.OK;
  }

  /** Moves to the next frame. */
  next(): FrameStatus {
    if (this.nextOffset >= this.refillAt) this.refill();
    const offset = this.nextOffset;
    this.frameOffset = this.bufferFileOffset + offset;
    // Past refillAt the buffer runs to the end of the file, so the buffer's end is the file's.
    const remaining = this.bufferBytes - offset;
    if (remaining === 0) return FrameStatus.END;
    if (remaining < JournalFrame.BYTES) {
      this.reason = `frame header cut short (${remaining} bytes left)`;
      return FrameStatus.INCOMPLETE;
    }
    const b = this.buffer;
    const frameBytes = b.u32[(offset + JournalFrame.FRAME_BYTES) >>> 2];
    if (frameBytes === 0) {
      if (zeroFrom(b.u32, offset >>> 2, this.bufferBytes >>> 2)) return FrameStatus.END;
      this.reason = 'zero frame length followed by data';
      return FrameStatus.BAD;
    }
    if (frameBytes < FRAME_MIN_BYTES || frameBytes > FRAME_MAX_BYTES || (frameBytes & 7) !== 0) {
      this.reason = `invalid frame length ${frameBytes}`;
      return FrameStatus.BAD;
    }
    if (frameBytes > remaining) {
      this.reason = `frame of ${frameBytes} bytes cut short (${remaining} bytes left)`;
      return FrameStatus.INCOMPLETE;
    }
    const recordBase = offset + JournalFrame.RECORD;
    const lengthBytes = frameBytes - JournalFrame.BYTES;
    if (b.u32[(recordBase + CmdHeader.LENGTH) >>> 2] !== lengthBytes) {
      this.reason = `frame length ${frameBytes} disagrees with record length ${b.u32[(recordBase + CmdHeader.LENGTH) >>> 2]}`;
      return FrameStatus.BAD;
    }
    if (crc32Aligned(b, recordBase, lengthBytes) !== b.u32[(offset + JournalFrame.CRC) >>> 2]) {
      this.reason = 'CRC mismatch';
      return FrameStatus.BAD;
    }
    const sequence = b.f64[(recordBase + CmdHeader.SEQUENCE) >>> 3];
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
   * failure path: it tries every 8-byte boundary after the bad frame, reading what is not buffered
   * window by window (a prepared segment can have hundreds of MiB of zeros after a torn frame).
   */
  looksLikeTornTail(): boolean {
    const from = this.frameOffset + JournalFrame.BYTES;
    if (this.bufferFileOffset + this.bufferBytes >= this.fileBytes) {
      return !holdsValidFrame(this.buffer, from - this.bufferFileOffset, this.bufferBytes, this.bufferBytes);
    }
    const step = DEFAULT_CHUNK_BYTES;
    const window = createRecordBuffer(new ArrayBuffer(step + FRAME_MAX_BYTES));
    const fd = openSync(this.path, 'r');
    try {
      for (let at = from; at + FRAME_MIN_BYTES <= this.fileBytes; at += step) {
        const want = Math.min(window.bytes.length, this.fileBytes - at);
        let end = 0;
        for (let n = 1; n > 0 && end < want; end += n) n = readSync(fd, window.bytes, end, want - end, at + end);
        // Candidates start in [0, step): a frame starting there fits in the window whole.
        if (holdsValidFrame(window, 0, end, step)) return false;
      }
    } finally {
      closeSync(fd);
    }
    return true;
  }
}

/** Whether words[from..to) are all zero. */
function zeroFrom(words: Uint32Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (words[i] !== 0) return false;
  return true;
}

/** Whether a whole frame with a good length and CRC starts at an 8-byte boundary in [from, startsBefore) of b[0, end). */
function holdsValidFrame(b: RecordBuffer, from: number, end: number, startsBefore: number): boolean {
  const words = b.u32;
  for (let offset = from; offset + FRAME_MIN_BYTES <= end && offset < startsBefore; offset += 8) {
    const frameBytes = words[(offset + JournalFrame.FRAME_BYTES) >>> 2];
    if (frameBytes < FRAME_MIN_BYTES || frameBytes > FRAME_MAX_BYTES || (frameBytes & 7) !== 0) continue;
    if (offset + frameBytes > end) continue;
    const recordBase = offset + JournalFrame.RECORD;
    if (words[(recordBase + CmdHeader.LENGTH) >>> 2] !== frameBytes - JournalFrame.BYTES) continue;
    if (crc32Aligned(b, recordBase, frameBytes - JournalFrame.BYTES) === words[(offset + JournalFrame.CRC) >>> 2]) return true;
  }
  return false;
}
