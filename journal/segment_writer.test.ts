import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, rmSync, readdirSync, statSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { SegmentWriter } from './segment_writer.ts';
import { SegmentReader, FrameStatus, HeaderStatus } from './segment_reader.ts';
import { validateJournalOptions } from './journal_options.ts';
import { listSegments } from './segment_files.ts';
import { Deposit } from '../codec/records/command_descriptor.ts';
import { SegmentHeader, JournalFrame, SEGMENT_MIN_BYTES } from './journal_descriptor.ts';
import { createScratchRecord, writeDeposit } from './test_support/record_fixture.ts';

let dataDir = '';
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'ringline-seg-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

function writeRecords(count: number, segmentBytes = SEGMENT_MIN_BYTES, firstSequence = 0): SegmentWriter {
  const writer = new SegmentWriter(validateJournalOptions({ dataDir, segmentBytes, writeBufferBytes: 64 * 1024 }));
  const rec = createScratchRecord();
  for (let i = 0; i < count; i++) {
    writeDeposit(rec, 0, firstSequence + i, i % 7, i + 1);
    writer.append(rec, 0);
    if (i % 100 === 99) writer.write();
  }
  writer.close();
  return writer;
}

function readAll(): { sequences: number[]; amounts: number[] } {
  const reader = new SegmentReader();
  const sequences: number[] = [];
  const amounts: number[] = [];
  let last = -1;
  for (const seg of listSegments(dataDir)) {
    expect(reader.load(seg.path, last)).toBe(HeaderStatus.OK);
    expect(reader.firstSequence).toBe(seg.firstSequence);
    let status: number;
    while ((status = reader.next()) === FrameStatus.OK) {
      sequences.push(reader.sequence);
      amounts.push(reader.buffer.f64[(reader.recordBase + Deposit.AMOUNT) >>> 3]);
    }
    expect(status).toBe(FrameStatus.END);
    last = reader.lastSequence;
  }
  return { sequences, amounts };
}

describe('SegmentWriter + SegmentReader', () => {
  it('round-trips records in order with their bodies', () => {
    writeRecords(500);
    const { sequences, amounts } = readAll();
    expect(sequences).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(amounts).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
  });

  it('names the first segment by its first sequence and frames are CRC-32 (zlib) of the record', () => {
    writeRecords(3, SEGMENT_MIN_BYTES, 42);
    const names = readdirSync(join(dataDir, 'journal'));
    expect(names).toEqual(['00000000000000000042.journal']);
    const file = readFileSync(join(dataDir, 'journal', names[0]));
    const frameBytes = file.readUInt32LE(SegmentHeader.BYTES);
    expect(frameBytes).toBe(JournalFrame.BYTES + Deposit.BYTES);
    const record = file.subarray(SegmentHeader.BYTES + 8, SegmentHeader.BYTES + frameBytes);
    expect(file.readUInt32LE(SegmentHeader.BYTES + 4)).toBe(zlibCrc32(record));
    expect(file.length).toBe(SegmentHeader.BYTES + 3 * frameBytes);
  });

  it('rolls segments at segmentBytes and each is named by its first record', () => {
    const frameBytes = JournalFrame.BYTES + Deposit.BYTES;
    const perSegment = Math.floor((SEGMENT_MIN_BYTES - SegmentHeader.BYTES) / frameBytes);
    const count = perSegment * 3 + 5;
    const writer = writeRecords(count);
    const segments = listSegments(dataDir);
    expect(segments.map((s) => s.firstSequence)).toEqual([0, perSegment, 2 * perSegment, 3 * perSegment]);
    expect(writer.segmentsCreated).toBe(4);
    for (const seg of segments.slice(0, 3)) expect(statSync(seg.path).size).toBeLessThanOrEqual(SEGMENT_MIN_BYTES);
    expect(readAll().sequences.length).toBe(count);
  });

  it('the reader flags a flipped byte as BAD with a CRC reason and keeps the last good sequence', () => {
    writeRecords(10);
    const [seg] = listSegments(dataDir);
    const reader = new SegmentReader();
    reader.load(seg.path, -1);
    const frameBytes = JournalFrame.BYTES + Deposit.BYTES;
    // Flip a body byte of the 5th frame in the loaded copy.
    reader.buffer.bytes[SegmentHeader.BYTES + 4 * frameBytes + JournalFrame.BYTES + Deposit.AMOUNT] ^= 0x40;
    for (let i = 0; i < 4; i++) expect(reader.next()).toBe(FrameStatus.OK);
    expect(reader.next()).toBe(FrameStatus.BAD);
    expect(reader.reason).toBe('CRC mismatch');
    expect(reader.frameOffset).toBe(SegmentHeader.BYTES + 4 * frameBytes);
    expect(reader.lastSequence).toBe(3);
  });

  it('refuses sequences that do not increase', () => {
    const writer = new SegmentWriter(validateJournalOptions({ dataDir }));
    const rec = createScratchRecord();
    writeDeposit(rec, 0, 5, 1, 1);
    writer.append(rec, 0);
    expect(() => writer.append(rec, 0)).toThrow(/sequence 5 does not follow the last journaled sequence 5/);
    writer.close();
  });

  it('a batch larger than the write buffer is written in pieces and nothing is lost', () => {
    const writer = new SegmentWriter(validateJournalOptions({ dataDir, writeBufferBytes: 64 * 1024 }));
    const rec = createScratchRecord();
    for (let i = 0; i < 3000; i++) {
      writeDeposit(rec, 0, i, 1, i + 1);
      writer.append(rec, 0);
    }
    writer.write();
    writer.sync();
    expect(readAll().sequences.length).toBe(3000);
    writer.close();
  });
});
