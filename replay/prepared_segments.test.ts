/**
 * Segments prepared ahead (segment_preparation.ts): the file a preparer leaves, what a start does with
 * leftovers, and a SegmentWriter that rolls into prepared files (the real preparer worker): every record
 * reads back, every segment it left is as long as its frames, a segment still in use (a crash) has a
 * zero tail that readers end at and recovery cuts, and a rewind after a storage fault still works.
 * Here in replay/, not beside journal/segment_preparation.ts: it reads the journal back through the
 * recovery's own walk (journal_walk.ts), and journal/ may not import replay/.
 */
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SegmentWriter } from '../journal/segment_writer.ts';
import { SegmentPreparer } from '../journal/segment_preparer.ts';
import { PREPARED_FILE_NAME, PREPARING_FILE_NAME, prepareSegmentFile, tidyPreparedFiles } from '../journal/segment_preparation.ts';
import { validateJournalOptions } from '../journal/journal_options.ts';
import { journalDir, listSegments } from '../journal/segment_files.ts';
import { checkJournal } from '../journal/journal_check.ts';
import { checkSegment } from '../journal/segment_check.ts';
import { JournalFrame, SEGMENT_MIN_BYTES } from '../journal/journal_descriptor.ts';
import { Deposit } from '../codec/records/command_descriptor.ts';
import { createScratchRecord, writeDeposit, writeDeposits } from '../journal/test_support/record_fixture.ts';
import { DATA_FILE_MODE } from '../core/data_file_modes.ts';
import { FrameStatus, HeaderStatus, SegmentReader } from '../journal/segment_reader.ts';
import { walkJournal, WalkEnd } from './journal_walk.ts';

const FRAME_BYTES = JournalFrame.BYTES + Deposit.BYTES;

let dataDir = '';
let dir = '';
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'ringline-prep-'));
  dir = journalDir(dataDir);
  mkdirSync(dir, { recursive: true });
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

/** Waits (no fixed time: until the state is reached, or 60 s) for the preparer to have a file ready. */
async function whenReady(preparer: SegmentPreparer): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!preparer.ready) {
    if (Date.now() > deadline) throw new Error(`no prepared segment after 60 s (failed attempts: ${preparer.failed})`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function appendDeposits(writer: SegmentWriter, from: number, count: number): void {
  writeDeposits(writer, from, count);
  writer.sync();
  writer.markDurable();
}

/** Every record of the journal in order (asserting each segment ends cleanly), via the recovery's walk. */
function walkAll(): { sequences: number[]; end: number } {
  const sequences: number[] = [];
  const outcome = walkJournal(listSegments(dataDir), 0, -1, Number.MAX_SAFE_INTEGER, new SegmentReader(), {
    accept: (_b, _base, sequence) => { sequences.push(sequence); return false; },
  });
  return { sequences, end: outcome.end };
}

describe('prepareSegmentFile', () => {
  it('leaves a file of exactly segmentBytes zeros, owner-only, under the prepared name and nothing half-written', () => {
    prepareSegmentFile(dir, SEGMENT_MIN_BYTES * 3, new Uint8Array(4096));
    const path = join(dir, PREPARED_FILE_NAME);
    const bytes = readFileSync(path);
    expect(bytes.length).toBe(SEGMENT_MIN_BYTES * 3);
    expect(bytes.every((b) => b === 0)).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(DATA_FILE_MODE);
    expect(existsSync(join(dir, PREPARING_FILE_NAME))).toBe(false);
    expect(listSegments(dataDir)).toEqual([]); // never taken for journal
  });

  it('at start: a half-prepared file is removed, a prepared one of the wrong size too, one of the right size kept', () => {
    writeFileSync(join(dir, PREPARING_FILE_NAME), Buffer.alloc(1000));
    writeFileSync(join(dir, PREPARED_FILE_NAME), Buffer.alloc(SEGMENT_MIN_BYTES));
    expect(tidyPreparedFiles(dir, SEGMENT_MIN_BYTES * 2)).toBe(false);
    expect(existsSync(join(dir, PREPARING_FILE_NAME))).toBe(false);
    expect(existsSync(join(dir, PREPARED_FILE_NAME))).toBe(false);
    writeFileSync(join(dir, PREPARED_FILE_NAME), Buffer.alloc(SEGMENT_MIN_BYTES));
    expect(tidyPreparedFiles(dir, SEGMENT_MIN_BYTES)).toBe(true);
  });
});

describe('SegmentWriter with a SegmentPreparer', () => {
  it('rolls into prepared files, cuts each segment it leaves to its frames, and every record reads back', async () => {
    const options = validateJournalOptions({ dataDir, segmentBytes: SEGMENT_MIN_BYTES, writeBufferBytes: 64 * 1024 });
    const preparer = new SegmentPreparer(dir, SEGMENT_MIN_BYTES, 20);
    const writer = new SegmentWriter(options, preparer);
    try {
      const perSegment = Math.floor(SEGMENT_MIN_BYTES / FRAME_BYTES);
      let next = 0;
      for (let round = 0; round < 4; round++) {
        await whenReady(preparer);
        // The first append after a prepared file is ready rolls into it (early when the segment was appended to).
        appendDeposits(writer, next, perSegment);
        next += perSegment;
      }
      // Once one is ready, the next append rolls into it unless the segment in use is prepared already.
      await whenReady(preparer);
      appendDeposits(writer, next, 1);
      next += 1;
      expect(writer.preparedSegmentsUsed).toBeGreaterThanOrEqual(2);
      expect(writer.segmentsCreated).toBeGreaterThan(4);
      // The segment being written is a prepared file: full size, zeros after its frames.
      const newest = listSegments(dataDir).at(-1)!;
      expect(statSync(newest.path).size).toBe(SEGMENT_MIN_BYTES);
      expect(checkSegment(newest).status).toBe('ok');
      expect(walkAll()).toEqual({ sequences: Array.from({ length: next }, (_, i) => i), end: WalkEnd.END });
      writer.close();
    } finally {
      preparer.close();
    }
    // Closed: every segment is exactly as long as its frames, owner-only, and the journal checks sound.
    for (const segment of listSegments(dataDir)) {
      expect(checkSegment(segment).bytes).toBe(statSync(segment.path).size);
      expect(statSync(segment.path).mode & 0o777).toBe(DATA_FILE_MODE);
    }
    const check = await checkJournal(dataDir, { threads: 1 });
    expect([check.problems, check.tornTail, check.frames]).toEqual([[], false, 4 * Math.floor(SEGMENT_MIN_BYTES / FRAME_BYTES) + 1]);
  });

  it('after a storage fault, rewinds a prepared segment to its durable length and journals on by appending', async () => {
    const options = validateJournalOptions({ dataDir, segmentBytes: SEGMENT_MIN_BYTES * 4, writeBufferBytes: 64 * 1024 });
    const preparer = new SegmentPreparer(dir, SEGMENT_MIN_BYTES * 4, 20);
    const writer = new SegmentWriter(options, preparer);
    try {
      await whenReady(preparer);
      appendDeposits(writer, 0, 100);
      const path = writer.currentPath;
      expect(writer.preparedSegmentsUsed).toBe(1);
      // A batch written but never made durable (its fdatasync "failed"), then the rewind.
      const rec = createScratchRecord();
      for (let i = 100; i < 150; i++) {
        writeDeposit(rec, 0, i, 1, 1);
        writer.append(rec, 0);
      }
      writer.write();
      writer.rewind();
      const reader = new SegmentReader();
      expect(reader.load(path, -1)).toBe(HeaderStatus.OK);
      let n = 0;
      while (reader.next() === FrameStatus.OK) n++;
      expect(n).toBe(100);
      expect(reader.fileBytes).toBe(reader.frameOffset); // the zero tail went with the rewind
      appendDeposits(writer, 100, 50);
      writer.close();
    } finally {
      preparer.close();
    }
    expect(walkAll()).toEqual({ sequences: Array.from({ length: 150 }, (_, i) => i), end: WalkEnd.END });
  });
});
