/**
 * Property tests: wherever a crash cuts the journal, recovery keeps exactly the records that were
 * written whole and lands on the state the engine had after the last of them; wherever a byte is
 * damaged, recovery either refuses naming that segment or (in the last frame) treats it as a torn
 * tail — it never silently serves a state with a damaged record in it.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { recoverState, JournalCorruptError } from './recovery.ts';
import { journalWorkload, freshStateMachine, frameOffsets } from '../journal/test_support/journal_fixture.ts';
import { listSegments } from '../journal/segment_files.ts';
import { JournalFrame, SegmentHeader } from '../journal/journal_descriptor.ts';
import { FIRST_SEQUENCE } from '../codec/records/command_descriptor.ts';

const RECORDS = 300;
/** The sequence of the last whole record when `whole` records survive (FIRST_SEQUENCE - 1 when none). */
const lastOf = (whole: number): number => FIRST_SEQUENCE - 1 + whole;
let base = '';
let original = '';
let fileBytes = 0;
let frameEnds: number[] = [];
const hashes = new Map<number, string>();

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'ringline-recovery-fc-'));
  const source = join(base, 'source');
  const run = journalWorkload(source, FIRST_SEQUENCE, FIRST_SEQUENCE + RECORDS, {
    hashAt: Array.from({ length: RECORDS }, (_, i) => FIRST_SEQUENCE + i),
  });
  for (const [k, v] of run.hashes) hashes.set(k, v);
  original = listSegments(source)[0].path;
  const file = readFileSync(original);
  fileBytes = file.length;
  frameEnds = frameOffsets(original).map((o) => o + file.readUInt32LE(o + JournalFrame.FRAME_BYTES));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

let trial = 0;
function copyJournal(): { dataDir: string; segment: string } {
  const dataDir = join(base, `trial-${trial++}`);
  mkdirSync(join(dataDir, 'journal'), { recursive: true });
  const segment = join(dataDir, 'journal', basename(original));
  copyFileSync(original, segment);
  return { dataDir, segment };
}

describe('recovery properties', () => {
  it('a cut anywhere keeps exactly the whole records before it and their state', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: fileBytes }), (cut) => {
      const { dataDir, segment } = copyJournal();
      truncateSync(segment, cut);
      const sm = freshStateMachine();
      const report = recoverState(sm, { dataDir, repair: false });
      const whole = frameEnds.filter((end) => end <= cut).length;
      expect(report.lastSequence).toBe(lastOf(whole));
      if (whole > 0) expect(sm.stateHash()).toBe(hashes.get(lastOf(whole)));
      expect(report.truncatedBytes).toBe(cut >= SegmentHeader.BYTES ? cut - (whole > 0 ? frameEnds[whole - 1] : SegmentHeader.BYTES) : cut);
      rmSync(dataDir, { recursive: true, force: true });
    }), { numRuns: 60 });
  });

  it('a damaged byte is refused with its file named, or (in the last frame) cut as a torn tail', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: fileBytes - 1 }), fc.integer({ min: 1, max: 255 }), (at, flip) => {
      const { dataDir, segment } = copyJournal();
      const file = readFileSync(segment);
      file[at] ^= flip;
      writeFileSync(segment, file);
      const sm = freshStateMachine();
      const lastFrameStart = frameEnds[frameEnds.length - 2];
      try {
        const report = recoverState(sm, { dataDir, repair: false });
        // Served: only possible when the damage was in the last frame, which was then dropped.
        expect(at).toBeGreaterThanOrEqual(lastFrameStart);
        expect(report.lastSequence).toBe(lastOf(RECORDS - 1));
        expect(sm.stateHash()).toBe(hashes.get(lastOf(RECORDS - 1)));
      } catch (error) {
        expect(error).toBeInstanceOf(JournalCorruptError);
        expect((error as JournalCorruptError).file).toBe(segment);
        expect((error as Error).message).toContain(segment);
      }
      rmSync(dataDir, { recursive: true, force: true });
    }), { numRuns: 60 });
  });

  it('a length field damaged near the end is refused, not taken for a torn tail', () => {
    const { dataDir, segment } = copyJournal();
    const file = readFileSync(segment);
    const victim = frameEnds[frameEnds.length - 4]; // the frame three from the end
    file.writeUInt32LE(file.readUInt32LE(victim) + 256, victim); // claims to run past the end of the file
    writeFileSync(segment, file);
    expect(() => recoverState(freshStateMachine(), { dataDir, repair: false })).toThrow(JournalCorruptError);
  });
});
