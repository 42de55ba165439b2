/**
 * SegmentReader reads a segment in chunks into one reused buffer: every check (CRC of each frame,
 * sequence continuity, cut frames, torn tail versus corruption) must give the same answer, at the same
 * file offset, wherever the chunk boundaries fall. The workload's records vary in length, so frames
 * straddle the boundaries at many different points.
 */
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, rmSync, readFileSync, writeFileSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { CmdHeader, FIRST_SEQUENCE } from '../codec/records/command_descriptor.ts';
import { JournalFrame } from './journal_descriptor.ts';
import { DEFAULT_CHUNK_BYTES, FrameStatus, HeaderStatus, MIN_CHUNK_BYTES, SegmentReader } from './segment_reader.ts';
import { listSegments } from './segment_files.ts';
import { frameOffsets, journalWorkload } from './test_support/journal_fixture.ts';

const RECORDS = 3000;
const CHUNKS = [MIN_CHUNK_BYTES, MIN_CHUNK_BYTES + 8, 4096, 64 * 1024 + 24, DEFAULT_CHUNK_BYTES];

let dataDir = '';
let path = '';
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'ringline-segread-'));
  journalWorkload(dataDir, FIRST_SEQUENCE, FIRST_SEQUENCE + RECORDS);
  path = listSegments(dataDir)[0].path;
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

interface Walk {
  readonly status: FrameStatus;
  readonly frameOffset: number;
  readonly lastSequence: number;
  readonly reason: string;
  /** zlib CRC of each good record's bytes as the reader presented them. */
  readonly records: number[];
}

function walk(chunkBytes: number): Walk {
  const reader = new SegmentReader(chunkBytes);
  expect(reader.load(path, FIRST_SEQUENCE - 1)).toBe(HeaderStatus.OK);
  const records: number[] = [];
  let status: FrameStatus;
  while ((status = reader.next()) === FrameStatus.OK) {
    const length = reader.buffer.u32[(reader.recordBase + CmdHeader.LENGTH) >>> 2];
    records.push(zlibCrc32(reader.buffer.bytes.subarray(reader.recordBase, reader.recordBase + length)));
  }
  return { status, frameOffset: reader.frameOffset, lastSequence: reader.lastSequence, reason: reader.reason, records };
}

function tornTail(chunkBytes: number): boolean {
  const reader = new SegmentReader(chunkBytes);
  reader.load(path, FIRST_SEQUENCE - 1);
  while (reader.next() === FrameStatus.OK);
  return reader.looksLikeTornTail();
}

describe('SegmentReader in chunks', () => {
  it('presents every record byte for byte, whatever the chunk size', () => {
    const file = readFileSync(path);
    const offsets = frameOffsets(path);
    expect(file.length).toBeGreaterThan(4 * MIN_CHUNK_BYTES);
    const expected = offsets.map((o) => {
      const base = o + JournalFrame.RECORD;
      return zlibCrc32(file.subarray(base, base + file.readUInt32LE(base + CmdHeader.LENGTH)));
    });
    for (const chunk of CHUNKS) {
      const w = walk(chunk);
      expect({ chunk, status: w.status, last: w.lastSequence, frameOffset: w.frameOffset })
        .toEqual({ chunk, status: FrameStatus.END, last: FIRST_SEQUENCE + RECORDS - 1, frameOffset: file.length });
      expect(w.records).toEqual(expected);
    }
  });

  it('finds a flipped byte at the same file offset with any chunk size, and never calls it a torn tail', () => {
    const offsets = frameOffsets(path);
    for (const k of [1, 777, 1500, RECORDS - 2]) {
      const original = readFileSync(path);
      const damaged = Buffer.from(original);
      damaged[offsets[k] + JournalFrame.RECORD + 20] ^= 0x10;
      writeFileSync(path, damaged);
      for (const chunk of CHUNKS) {
        const w = walk(chunk);
        expect({ chunk, k, status: w.status, at: w.frameOffset, last: w.lastSequence, reason: w.reason })
          .toEqual({ chunk, k, status: FrameStatus.BAD, at: offsets[k], last: FIRST_SEQUENCE + k - 1, reason: 'CRC mismatch' });
        expect(tornTail(chunk)).toBe(false);
      }
      writeFileSync(path, original);
    }
  });

  it('refuses a frame whose sequence does not follow, in a later chunk', () => {
    const offsets = frameOffsets(path);
    const reader = new SegmentReader(MIN_CHUNK_BYTES);
    // Seeded with the wrong previous sequence, the first frame already fails.
    expect(reader.load(path, FIRST_SEQUENCE)).toBe(HeaderStatus.OK);
    expect(reader.next()).toBe(FrameStatus.BAD);
    expect(reader.reason).toContain('does not follow');
    // A frame copied over its successor repeats a sequence deep in the file.
    const file = readFileSync(path);
    let k = 2000;
    while (offsets[k + 1] - offsets[k] !== offsets[k + 2] - offsets[k + 1]) k++;
    file.copy(file, offsets[k + 1], offsets[k], offsets[k + 1]);
    writeFileSync(path, file);
    const w = walk(MIN_CHUNK_BYTES);
    expect([w.status, w.frameOffset, w.lastSequence]).toEqual([FrameStatus.BAD, offsets[k + 1], FIRST_SEQUENCE + k]);
    expect(w.reason).toContain('does not follow');
  });

  it('reports a cut last frame as INCOMPLETE at its file offset, a torn tail', () => {
    const offsets = frameOffsets(path);
    const last = offsets[offsets.length - 1];
    truncateSync(path, last + 20);
    for (const chunk of CHUNKS) {
      const w = walk(chunk);
      expect([w.status, w.frameOffset, w.lastSequence]).toEqual([FrameStatus.INCOMPLETE, last, FIRST_SEQUENCE + RECORDS - 2]);
      expect(tornTail(chunk)).toBe(true);
    }
  });

  it('ends at zeroes to the end (a prepared segment\'s tail), and tells them from zeroes with a good frame after them far before the end', () => {
    const offsets = frameOffsets(path);
    const original = readFileSync(path);
    const k = 1000;
    // Zeroes from frame k to the end: the end of the frames (what a prepared segment holds after its
    // last write), though most of it lies beyond the chunk the zero frame length is in; nothing
    // valid follows.
    const zeroed = Buffer.from(original);
    zeroed.fill(0, offsets[k]);
    writeFileSync(path, zeroed);
    for (const chunk of CHUNKS) {
      const w = walk(chunk);
      expect([w.status, w.frameOffset, w.lastSequence]).toEqual([FrameStatus.END, offsets[k], FIRST_SEQUENCE + k - 1]);
      expect(tornTail(chunk)).toBe(true);
    }
    // The same zeroes stopping before the last frame: that frame is whole and valid, so corruption:
    // the reader says BAD when it sees the frame in its chunk, and looksLikeTornTail finds it either way.
    const holed = Buffer.from(original);
    holed.fill(0, offsets[k], offsets[RECORDS - 1]);
    writeFileSync(path, holed);
    for (const chunk of CHUNKS) {
      const w = walk(chunk);
      expect(w.frameOffset).toBe(offsets[k]);
      expect([FrameStatus.BAD, FrameStatus.END]).toContain(w.status);
      expect(tornTail(chunk)).toBe(false);
    }
    expect(walk(DEFAULT_CHUNK_BYTES).status).toBe(FrameStatus.BAD);
  });

  it('takes a zero header for a header never written (SHORT), and a cut frame followed by zeroes for a torn tail', () => {
    const offsets = frameOffsets(path);
    const original = readFileSync(path);
    // A prepared file renamed into a segment, its first write lost in a crash: all zeros.
    writeFileSync(path, Buffer.alloc(original.length + 4 * 1024 * 1024));
    const reader = new SegmentReader();
    expect(reader.load(path, FIRST_SEQUENCE - 1)).toBe(HeaderStatus.SHORT);
    // A frame whose tail never reached the disk, then megabytes of zeros: BAD there, a torn tail.
    const k = 2000;
    const torn = Buffer.alloc(original.length + 4 * 1024 * 1024);
    original.copy(torn, 0, 0, offsets[k] + 24);
    writeFileSync(path, torn);
    for (const chunk of CHUNKS) {
      const w = walk(chunk);
      expect([w.status, w.frameOffset, w.lastSequence]).toEqual([FrameStatus.BAD, offsets[k], FIRST_SEQUENCE + k - 1]);
      expect(tornTail(chunk)).toBe(true);
    }
  });

  it('reads a segment again after another, reusing its buffer', () => {
    const reader = new SegmentReader(MIN_CHUNK_BYTES);
    const buffer = reader.buffer;
    for (let r = 0; r < 2; r++) {
      expect(reader.load(path, FIRST_SEQUENCE - 1)).toBe(HeaderStatus.OK);
      let n = 0;
      while (reader.next() === FrameStatus.OK) n++;
      expect(n).toBe(RECORDS);
    }
    expect(reader.buffer).toBe(buffer);
  });

  it('resumes a later walk at the frame boundary an earlier walk stopped at, with the same records', () => {
    const all = walk(MIN_CHUNK_BYTES).records;
    for (const chunk of CHUNKS) {
      const first = new SegmentReader(chunk);
      first.load(path, FIRST_SEQUENCE - 1);
      for (let i = 0; i < 1234; i++) expect(first.next()).toBe(FrameStatus.OK);
      const resumeOffset = first.nextFrameFileOffset;
      const again = new SegmentReader(chunk);
      expect(again.load(path, FIRST_SEQUENCE - 1)).toBe(HeaderStatus.OK);
      again.resumeAt(resumeOffset, first.lastSequence);
      const records: number[] = [];
      while (again.next() === FrameStatus.OK) {
        const length = again.buffer.u32[(again.recordBase + CmdHeader.LENGTH) >>> 2];
        records.push(zlibCrc32(again.buffer.bytes.subarray(again.recordBase, again.recordBase + length)));
      }
      expect({ chunk, first: again.sequence - records.length + 1, records }).toEqual({ chunk, first: FIRST_SEQUENCE + 1234, records: all.slice(1234) });
      // A resume point off a frame boundary, or past the end, is a programmer error.
      expect(() => again.resumeAt(resumeOffset + 4, first.lastSequence)).toThrow(RangeError);
      expect(() => again.resumeAt(again.fileBytes + 8, first.lastSequence)).toThrow(RangeError);
    }
  });

  it('refuses a chunk size that cannot hold the header and the largest frame', () => {
    expect(() => new SegmentReader(MIN_CHUNK_BYTES - 8)).toThrow(RangeError);
    expect(() => new SegmentReader(MIN_CHUNK_BYTES + 4)).toThrow(RangeError);
  });
});
