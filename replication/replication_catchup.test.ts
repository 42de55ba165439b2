import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { appendFileSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRecordBuffer } from '../codec/records/record_buffer.ts';
import { CmdHeader } from '../codec/records/command_descriptor.ts';
import { JournalFrame, SEGMENT_MIN_BYTES } from '../journal/journal_descriptor.ts';
import { validateJournalOptions } from '../journal/journal_options.ts';
import { CatchupReader, SequenceRetiredError } from './replication_catchup.ts';
import { listSegments } from '../journal/segment_files.ts';
import { SegmentWriter } from '../journal/segment_writer.ts';
import { writeDeposits } from '../journal/test_support/record_fixture.ts';
import { verifyFrames } from './follower.ts';

let dataDir = '';
beforeEach(() => { dataDir = mkdtempSync(join(tmpdir(), 'ringline-catchup-')); });
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

/** Reads everything from `from` to `last` in chunks; returns the sequences of the frames, checked as the follower checks them. */
function readAll(reader: CatchupReader, from: number, last: number): number[] {
  const sequences: number[] = [];
  let next = from;
  for (let chunk = reader.read(next, last); chunk !== null; chunk = reader.read(next, last)) {
    const b = createRecordBuffer(new ArrayBuffer(chunk.length));
    b.bytes.set(chunk);
    expect(verifyFrames(b, 0, chunk.length, next)).toBe('');
    for (let pos = 0; pos < chunk.length; pos += b.u32[pos >>> 2]) sequences.push(b.f64[(pos + JournalFrame.RECORD + CmdHeader.SEQUENCE) >>> 3]);
    next = sequences[sequences.length - 1] + 1;
  }
  return sequences;
}

describe('CatchupReader: journal frames back from segment files', () => {
  it('reads contiguous frames from any sequence across segment rolls, in bounded chunks', () => {
    const writer = new SegmentWriter(validateJournalOptions({ dataDir, segmentBytes: SEGMENT_MIN_BYTES, writeBufferBytes: 64 * 1024 }));
    writeDeposits(writer, 0, 3000); // 88-byte frames: ~740 per 64 KiB segment, so 4+ segments
    writer.close();
    expect(listSegments(dataDir).length).toBeGreaterThan(3);
    for (const from of [0, 1, 741, 2999]) {
      const reader = new CatchupReader(dataDir, 8192);
      const sequences = readAll(reader, from, 2999);
      expect(sequences).toEqual(Array.from({ length: 3000 - from }, (_, i) => from + i));
      reader.close();
    }
    const bounded = new CatchupReader(dataDir, 8192);
    expect(readAll(bounded, 10, 20)).toEqual(Array.from({ length: 11 }, (_, i) => 10 + i));
  });

  it('stops before a frame that is not wholly written yet and reads it once it is', () => {
    const writer = new SegmentWriter(validateJournalOptions({ dataDir, writeBufferBytes: 64 * 1024 }));
    writeDeposits(writer, 0, 10);
    const path = listSegments(dataDir)[0].path;
    appendFileSync(path, Buffer.from([88, 0, 0, 0, 1, 2, 3, 4, 5, 6])); // the start of a frame
    const reader = new CatchupReader(dataDir);
    expect(readAll(reader, 0, 100)).toEqual([...Array(10).keys()]);
    expect(reader.read(10, 100)).toBeNull();
    writer.close();
  });

  it('follows the journaler onto its next segment', () => {
    const writer = new SegmentWriter(validateJournalOptions({ dataDir, segmentBytes: SEGMENT_MIN_BYTES, writeBufferBytes: 64 * 1024 }));
    writeDeposits(writer, 0, 100);
    const reader = new CatchupReader(dataDir);
    expect(readAll(reader, 0, 10_000).length).toBe(100);
    writeDeposits(writer, 100, 1500); // rolls
    expect(readAll(reader, 100, 10_000)).toEqual(Array.from({ length: 1500 }, (_, i) => 100 + i));
    writer.close();
  });

  it('refuses a sequence older than the oldest segment (retired)', () => {
    const writer = new SegmentWriter(validateJournalOptions({ dataDir, segmentBytes: SEGMENT_MIN_BYTES, writeBufferBytes: 64 * 1024 }));
    writeDeposits(writer, 0, 2000);
    writer.close();
    unlinkSync(listSegments(dataDir)[0].path);
    const reader = new CatchupReader(dataDir);
    expect(() => reader.read(5, 1999)).toThrow(SequenceRetiredError);
    expect(() => reader.read(5, 1999)).toThrow(/sequence 5 is no longer in the primary's journal \(oldest segment starts at \d+\)/);
  });
});
