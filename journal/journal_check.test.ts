/**
 * checkJournal over real segment files, on the calling thread and across a piscina pool (real worker
 * threads): the same verdict either way; a flipped byte in a middle segment is named with its file and
 * offset; a torn newest segment is a torn tail, a torn older one is corruption; a missing segment is a gap.
 */
import { readFileSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FIRST_SEQUENCE } from '../codec/records/command_descriptor.ts';
import { JournalFrame } from './journal_descriptor.ts';
import { checkJournal } from './journal_check.ts';
import { listSegments } from './segment_files.ts';
import { frameOffsets, journalWorkload } from './test_support/journal_fixture.ts';
import { useScratchDirs } from './test_support/scratch_dirs.ts';

const RECORDS = 6000;
const scratchDir = useScratchDirs('ringline-journal-check-');

/** A journal of RECORDS commands over several 64 KiB segments. */
function journal(): string {
  const dataDir = scratchDir();
  journalWorkload(dataDir, FIRST_SEQUENCE, FIRST_SEQUENCE + RECORDS, { journal: { segmentBytes: 64 * 1024 } });
  return dataDir;
}

describe('checkJournal', () => {
  it('finds a sound journal sound, with the same counts on one thread and across a pool', async () => {
    const dataDir = journal();
    const segments = listSegments(dataDir);
    expect(segments.length).toBeGreaterThanOrEqual(4);
    const serial = await checkJournal(dataDir, { threads: 1 });
    const pooled = await checkJournal(dataDir, { threads: 2 });
    for (const check of [serial, pooled]) {
      expect(check.problems).toEqual([]);
      expect(check.tornTail).toBe(false);
      expect(check.frames).toBe(RECORDS);
      expect(check.lastSequence).toBe(FIRST_SEQUENCE + RECORDS - 1);
      expect(check.segments.map((s) => s.path)).toEqual(segments.map((s) => s.path));
    }
    expect(pooled.threads).toBe(2);
    expect(pooled.segments).toEqual(serial.segments);
  }, 60_000);

  it('names the file and frame offset of a flipped CRC byte in a middle segment, and keeps checking the others', async () => {
    const dataDir = journal();
    const middle = listSegments(dataDir)[1].path;
    const offset = frameOffsets(middle)[3];
    const bytes = readFileSync(middle);
    bytes[offset + JournalFrame.CRC] ^= 0x40;
    writeFileSync(middle, bytes);
    for (const threads of [1, 2]) {
      const check = await checkJournal(dataDir, { threads });
      expect(check.problems.length, `threads ${threads}`).toBe(1);
      expect(check.problems[0]).toContain(middle);
      expect(check.problems[0]).toContain(`frame at offset ${offset}`);
      // Every other segment was still checked to its end.
      expect(check.segments.filter((s) => s.status === 'ok').length).toBe(check.segments.length - 1);
    }
  }, 60_000);

  it('calls a cut newest segment a torn tail, a cut older one corruption, and a missing one a gap', async () => {
    const dataDir = journal();
    const segments = listSegments(dataDir);
    const newest = segments.at(-1)!.path;
    truncateSync(newest, readFileSync(newest).length - 5);
    const torn = await checkJournal(dataDir, { threads: 2 });
    expect(torn.problems).toEqual([]);
    expect(torn.tornTail).toBe(true);
    expect(torn.lastSequence).toBe(FIRST_SEQUENCE + RECORDS - 2);

    const older = segments[1].path;
    truncateSync(older, readFileSync(older).length - 5);
    const cut = await checkJournal(dataDir, { threads: 2 });
    expect(cut.problems.some((p) => p.startsWith(`${older}: ends inside a frame but is not the newest segment`))).toBe(true);

    const whole = journal();
    const wholeSegments = listSegments(whole);
    unlinkSync(wholeSegments[2].path);
    const gap = await checkJournal(whole, { threads: 1 });
    expect(gap.problems).toEqual([
      `${wholeSegments[3].path}: starts at sequence ${wholeSegments[3].firstSequence}, but the segment before ends at ${wholeSegments[2].firstSequence - 1}`,
    ]);
  }, 60_000);

  it('refuses a thread count out of range, naming the option', async () => {
    await expect(checkJournal(journal(), { threads: 0 })).rejects.toThrow('threads must be an integer in [1, 256], got 0');
  });
});
