/**
 * Reads journal frames back from a primary's segment files for a follower that connected late or fell
 * behind the live stream. The frames are returned byte for byte as they sit in the segments (the same
 * framing and CRC the follower verifies), in chunks bounded by a byte count.
 *
 * The journaler may be appending to the last segment while this reads it: a frame cut short, or one
 * whose bytes are not all visible yet, ends the chunk ("not yet"), and the next call reads on from the
 * same place. Frames are checked (length, CRC, sequence) before they are shipped, so a half-visible
 * write is never sent.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { createRecordBuffer, type RecordBuffer } from '../codec/records/record_buffer.ts';
import { CmdHeader } from '../codec/records/command_descriptor.ts';
import { crc32Aligned } from '../journal/crc32.ts';
import { JournalFrame, FRAME_MAX_BYTES, FRAME_MIN_BYTES, SegmentHeader } from '../journal/journal_descriptor.ts';
import { listSegments } from '../journal/segment_files.ts';

export class SequenceRetiredError extends Error {}

export class CatchupReader {
  private readonly buffer: RecordBuffer;
  private fd = -1;
  private segmentFirst = -1;
  /** File offset of the frame carrying `nextSequence`. */
  private offset = 0;
  private nextSequence = -1;
  framesRead = 0;

  constructor(private readonly dataDir: string, readonly chunkBytesMax = 1024 * 1024) {
    this.buffer = createRecordBuffer(new ArrayBuffer(chunkBytesMax + FRAME_MAX_BYTES));
  }

  /**
   * Whole frames from sequence `from` to at most `last`, at most chunkBytesMax bytes, copied into a
   * new Buffer (the socket keeps it); null when none is readable yet. Throws SequenceRetiredError
   * when `from` is older than the oldest segment (retired after a snapshot).
   */
  read(from: number, last: number): Buffer | null {
    if (from > last) return null;
    if (this.fd < 0 || from !== this.nextSequence) this.seek(from);
    let chunk = this.readFrames(last);
    if (chunk === null && this.rollIfNext()) chunk = this.readFrames(last);
    return chunk;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    this.nextSequence = -1;
  }

  private seek(from: number): void {
    this.close();
    const segments = listSegments(this.dataDir);
    let chosen = -1;
    for (let i = 0; i < segments.length; i++) if (segments[i].firstSequence <= from) chosen = i;
    if (chosen < 0) {
      const oldest = segments.length === 0 ? 'none' : String(segments[0].firstSequence);
      throw new SequenceRetiredError(`sequence ${from} is no longer in the primary's journal (oldest segment starts at ${oldest})`);
    }
    this.open(segments[chosen].path, segments[chosen].firstSequence);
    // Walk forward to `from` (one-off cost when a follower connects).
    while (this.nextSequence < from) {
      const skipped = this.scan(from - 1, Number.MAX_SAFE_INTEGER, true);
      if (skipped === 0) {
        if (!this.rollIfNext()) throw new SequenceRetiredError(`sequence ${from} is not in the primary's journal yet (read up to ${this.nextSequence - 1})`);
      }
    }
  }

  private open(path: string, firstSequence: number): void {
    this.fd = openSync(path, 'r');
    this.segmentFirst = firstSequence;
    this.offset = SegmentHeader.BYTES;
    this.nextSequence = firstSequence;
  }

  /** Moves to the segment that starts at nextSequence, when the journaler has rolled to it. */
  private rollIfNext(): boolean {
    const next = listSegments(this.dataDir).find((s) => s.firstSequence === this.nextSequence && s.firstSequence !== this.segmentFirst);
    if (next === undefined) return false;
    const sequence = this.nextSequence;
    closeSync(this.fd);
    this.open(next.path, next.firstSequence);
    this.nextSequence = sequence;
    return true;
  }

  private readFrames(last: number): Buffer | null {
    const bytes = this.scan(last, this.chunkBytesMax, false);
    if (bytes === 0) return null;
    return Buffer.from(this.buffer.bytes.subarray(0, bytes));
  }

  /**
   * Reads from `offset` and walks good frames up to sequence `last` and `bytesMax` bytes; advances
   * offset and nextSequence past them. Returns the bytes of those frames (at buffer offset 0).
   */
  private scan(last: number, bytesMax: number, skipping: boolean): number {
    const b = this.buffer;
    const want = Math.min(b.bytes.length, skipping ? b.bytes.length : bytesMax + FRAME_MAX_BYTES);
    let read = 0;
    while (read < want) {
      const n = readSync(this.fd, b.bytes, read, want - read, this.offset + read);
      if (n === 0) break;
      read += n;
    }
    let pos = 0;
    while (this.nextSequence <= last && pos + FRAME_MIN_BYTES <= read) {
      const frameBytes = b.u32[(pos + JournalFrame.FRAME_BYTES) >>> 2];
      if (frameBytes < FRAME_MIN_BYTES || frameBytes > FRAME_MAX_BYTES || (frameBytes & 7) !== 0) break;
      if (pos + frameBytes > read || (!skipping && pos + frameBytes > bytesMax)) break;
      const recordBase = pos + JournalFrame.RECORD;
      if (b.u32[(recordBase + CmdHeader.LENGTH) >>> 2] !== frameBytes - JournalFrame.BYTES) break;
      if (b.f64[(recordBase + CmdHeader.SEQUENCE) >>> 3] !== this.nextSequence) break;
      if (crc32Aligned(b, recordBase, frameBytes - JournalFrame.BYTES) !== b.u32[(pos + JournalFrame.CRC) >>> 2]) break;
      pos += frameBytes;
      this.nextSequence++;
      if (!skipping) this.framesRead++;
    }
    this.offset += pos;
    return pos;
  }
}
