/**
 * Appends input records to journal segments as checksummed frames (journal_descriptor.ts).
 *
 * The caller (the journaler) appends every record of a ring batch, then calls `write()` once and, in
 * fsync mode, `sync()` once: one write and one fdatasync per batch (group commit). Records are copied
 * into a preallocated write buffer through u32 views and checksummed in place, so appending allocates
 * nothing. A batch larger than the buffer is written out in buffer-sized pieces before the final write.
 *
 * With a SegmentPreparer (segment_preparation.ts) a new segment is a prepared file — full size, zeros,
 * already synced — renamed to its segment name, and appends overwrite its zeros: an fdatasync then
 * commits data only. The frames end at the first zero frame length (segment_reader.ts). A segment the
 * writer leaves (roll, close) is cut to its logical length, so every closed segment's size is its
 * length, as before; only the newest can have a zero tail (recovery cuts it after a crash). When no
 * prepared file is ready, a segment is created empty and appended to, as without a preparer; the
 * writer then rolls early into the next prepared file as soon as there is one.
 *
 * Failures of write, fdatasync or open throw. The journaler calls `markDurable()` each time a batch is
 * released; after a storage fault (storage_fault.ts) `rewind()` puts the files back to that point —
 * the segment truncated to its durable length, segments created since deleted — so the same records
 * can be appended again, byte for byte as if the failed attempt had never happened.
 */
import { closeSync, existsSync, fdatasyncSync, ftruncateSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createRecordBuffer, type RecordBuffer } from '../codec/records/record_buffer.ts';
import { CmdHeader } from '../codec/records/command_descriptor.ts';
import { copyWithCrc32Aligned, crc32Bytes } from './crc32.ts';
import {
  JournalFrame, FRAME_MAX_BYTES, FRAME_MIN_BYTES, SegmentHeader, SEGMENT_MAGIC, SEGMENT_VERSION, segmentFileName,
} from './journal_descriptor.ts';
import type { JournalOptions } from './journal_options.ts';
import { ensureDirectory, fsyncDirectory, journalDir } from './segment_files.ts';
import { DATA_FILE_MODE } from '../core/data_file_modes.ts';
import type { SegmentPreparer } from './segment_preparer.ts';

export class SegmentWriter {
  private readonly dir: string;
  private readonly buffer: RecordBuffer;
  private readonly capacityBytes: number;
  private readonly segmentBytesMax: number;
  private readonly syncOnRoll: boolean;
  private readonly epoch: number;
  private readonly preparer: SegmentPreparer | null;
  private fd = -1;
  /** The current segment is a prepared file (overwritten in place, cut to its length when left). */
  private currentPrepared = false;
  /** Bytes of the current segment: written plus buffered. */
  private segmentBytes = 0;
  /** Bytes buffered and not yet written. */
  private pendingBytes = 0;
  private lastSequence = -1;

  /** Frames appended over the writer's life. */
  framesAppended = 0;
  /** Bytes handed to write() over the writer's life. */
  bytesWritten = 0;
  segmentsCreated = 0;
  /** Segments that were prepared files. */
  preparedSegmentsUsed = 0;
  /** Path of the segment being appended to, or '' before the first record. */
  currentPath = '';
  // The last durable point (markDurable): segment path ('' = none yet), its length, last sequence.
  private durablePath = '';
  private durableSegmentBytes = 0;
  private durableSequence = -1;
  private durableBytesWritten = 0;
  private durableSegmentsCreated = 0;
  /** Segments created after the durable point (a rewind deletes them). */
  private readonly createdSinceDurable: string[] = [];

  constructor(options: JournalOptions, preparer: SegmentPreparer | null = null) {
    this.preparer = preparer;
    this.dir = journalDir(options.dataDir);
    ensureDirectory(this.dir, options.durability !== 'none', true);
    this.capacityBytes = options.writeBufferBytes & ~7;
    this.buffer = createRecordBuffer(new ArrayBuffer(this.capacityBytes));
    this.segmentBytesMax = options.segmentBytes;
    this.syncOnRoll = options.durability !== 'none';
    this.epoch = options.epoch;
  }

  /** The sequence of the last record appended, or -1. */
  get lastAppendedSequence(): number {
    return this.lastSequence;
  }

  /**
   * Frames the record at `base` of `src` into the write buffer. Rolls to a new segment first when the
   * frame would take the current one past segmentBytes; writes the buffer out first when it is full.
   */
  append(src: RecordBuffer, base: number): void {
    const lengthBytes = src.u32[(base + CmdHeader.LENGTH) >>> 2];
    const frameBytes = JournalFrame.BYTES + lengthBytes;
    const sequence = src.f64[(base + CmdHeader.SEQUENCE) >>> 3];
    if (frameBytes < FRAME_MIN_BYTES || frameBytes > FRAME_MAX_BYTES || (lengthBytes & 7) !== 0 || (base & 7) !== 0) {
      throw new RangeError(`journal: record at base=${base} has invalid lengthBytes=${lengthBytes} (sequence=${sequence})`);
    }
    if (this.lastSequence >= 0 ? sequence !== this.lastSequence + 1 : !(Number.isSafeInteger(sequence) && sequence >= 0)) {
      throw new RangeError(`journal: sequence ${sequence} does not follow the last journaled sequence ${this.lastSequence}`);
    }
    if (this.fd < 0 || this.segmentBytes + frameBytes > this.segmentBytesMax || (!this.currentPrepared && this.preparer?.ready === true)) {
      this.roll(sequence);
    }
    if (this.pendingBytes + frameBytes > this.capacityBytes) this.write();

    const pos = this.pendingBytes;
    const dst = this.buffer;
    const crc = copyWithCrc32Aligned(src, base, dst, pos + JournalFrame.RECORD, lengthBytes);
    dst.u32[(pos + JournalFrame.FRAME_BYTES) >>> 2] = frameBytes;
    dst.u32[(pos + JournalFrame.CRC) >>> 2] = crc;

    this.pendingBytes = pos + frameBytes;
    this.segmentBytes += frameBytes;
    this.lastSequence = sequence;
    this.framesAppended++;
  }

  /** Writes every buffered frame to the current segment (one write call), where the segment's frames end. */
  write(): void {
    let offset = 0;
    const length = this.pendingBytes;
    const position = this.segmentBytes - length;
    while (offset < length) offset += writeSync(this.fd, this.buffer.bytes, offset, length - offset, position + offset);
    this.bytesWritten += length;
    this.pendingBytes = 0;
  }

  /** fdatasync of the current segment: everything written so far is durable when it returns. */
  sync(): void {
    if (this.fd >= 0) fdatasyncSync(this.fd);
  }

  /** Everything appended so far is written (and synced, as the durability mode asks): a rewind returns here. */
  markDurable(): void {
    this.durablePath = this.currentPath;
    this.durableSegmentBytes = this.segmentBytes;
    this.durableSequence = this.lastSequence;
    this.durableBytesWritten = this.bytesWritten;
    this.durableSegmentsCreated = this.segmentsCreated;
    if (this.createdSinceDurable.length > 0) this.createdSinceDurable.length = 0;
  }

  /**
   * Puts the journal files back to the last markDurable() after a failed write or fdatasync: deletes
   * segments created since, truncates the durable segment to its durable length and reopens it for
   * appending. Throws (the same kinds of errors) when the file system still refuses; call it again.
   */
  rewind(): void {
    if (this.fd >= 0) {
      try {
        closeSync(this.fd);
      } catch {
        // the descriptor is gone either way; its unsynced tail is cut below
      }
      this.fd = -1;
    }
    this.pendingBytes = 0;
    for (const path of this.createdSinceDurable) {
      if (path === this.durablePath) continue;
      try {
        unlinkSync(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    if (this.createdSinceDurable.length > 0) fsyncDirectory(this.dir);
    this.createdSinceDurable.length = 0;
    if (this.durablePath !== '') {
      // Cut to the durable length (also any zeros of a prepared file: the segment is appended to from here on).
      const fd = openSync(this.durablePath, 'r+', DATA_FILE_MODE);
      try {
        ftruncateSync(fd, this.durableSegmentBytes);
      } catch (error) {
        closeSync(fd);
        throw error;
      }
      this.fd = fd;
    }
    this.currentPrepared = false;
    this.currentPath = this.durablePath;
    this.segmentBytes = this.durableSegmentBytes;
    this.lastSequence = this.durableSequence;
    this.bytesWritten = this.durableBytesWritten;
    this.segmentsCreated = this.durableSegmentsCreated;
  }

  /** Writes what is buffered, cuts a prepared file's zero tail, syncs (unless durability is none) and closes the segment. */
  close(): void {
    if (this.fd < 0) return;
    this.write();
    if (this.currentPrepared) ftruncateSync(this.fd, this.segmentBytes);
    if (this.syncOnRoll) fdatasyncSync(this.fd);
    closeSync(this.fd);
    this.fd = -1;
    this.currentPrepared = false;
  }

  /**
   * Renames the ready prepared file to `path` and opens it; false (nothing changed) when none is ready
   * or the rename fails: a prepared file is a saving, never a reason to stop journaling.
   */
  private takePrepared(path: string): boolean {
    const preparer = this.preparer;
    if (preparer === null || !preparer.ready) return false;
    // A segment is never overwritten (a rename would replace it silently): recovery removes an empty leftover first.
    if (existsSync(path)) return false;
    try {
      renameSync(preparer.preparedPath, path);
    } catch {
      preparer.taken(); // prepare another; this segment is created the plain way
      return false;
    }
    preparer.taken();
    this.fd = openSync(path, 'r+');
    this.preparedSegmentsUsed++;
    return true;
  }

  private roll(firstSequence: number): void {
    this.close();
    const path = join(this.dir, segmentFileName(firstSequence));
    this.currentPrepared = this.takePrepared(path);
    // 'wx': a segment is never overwritten; recovery removes an empty leftover before the engine runs.
    if (!this.currentPrepared) this.fd = openSync(path, 'wx', DATA_FILE_MODE);
    this.createdSinceDurable.push(path);
    if (this.syncOnRoll) fsyncDirectory(this.dir);
    this.currentPath = path;
    this.segmentsCreated++;
    const b = this.buffer;
    b.bytes.fill(0, 0, SegmentHeader.BYTES);
    b.u32[SegmentHeader.MAGIC >>> 2] = SEGMENT_MAGIC;
    b.u16[SegmentHeader.VERSION >>> 1] = SEGMENT_VERSION;
    b.u16[SegmentHeader.HEADER_BYTES >>> 1] = SegmentHeader.BYTES;
    b.f64[SegmentHeader.FIRST_SEQUENCE >>> 3] = firstSequence;
    b.f64[SegmentHeader.EPOCH >>> 3] = this.epoch;
    b.u32[SegmentHeader.HEADER_CRC >>> 2] = crc32Bytes(b.bytes, 0, SegmentHeader.HEADER_CRC);
    this.pendingBytes = SegmentHeader.BYTES;
    this.segmentBytes = SegmentHeader.BYTES;
  }
}
