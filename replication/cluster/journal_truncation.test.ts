// A deposed leader's tail is cut at a sequence: recovery afterwards equals the state at that sequence,
// across segment boundaries, with snapshots past the cut removed; a journal that cannot reach back is refused.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FIRST_SEQUENCE } from '../../codec/records/command_descriptor.ts';
import { SEGMENT_MIN_BYTES } from '../../journal/journal_descriptor.ts';
import { listSegments } from '../../journal/segment_files.ts';
import { listSnapshots, writeSnapshotFile } from '../../journal/snapshot_file.ts';
import { recoverState } from '../../replay/recovery.ts';
import { freshStateMachine, journalWorkload } from '../../journal/test_support/journal_fixture.ts';
import { truncateJournalAfter } from './journal_truncation.ts';

const seq = (k: number): number => FIRST_SEQUENCE + k;
let dataDir = '';
beforeEach(() => { dataDir = mkdtempSync(join(tmpdir(), 'ringline-truncate-')); });
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

function snapshotAt(sequence: number): void {
  const sm = freshStateMachine();
  recoverState(sm, { dataDir, repair: false, toSequence: sequence, readOnly: true });
  writeSnapshotFile(dataDir, sequence, sm.exportState(), sm.stateHash());
}

describe('truncateJournalAfter', () => {
  it('cuts inside a segment and removes later segments and snapshots; recovery then equals the state at the cut', () => {
    const cuts = [seq(0), seq(700), seq(1499), seq(2999)];
    const { hashes } = journalWorkload(dataDir, seq(0), seq(3000), { journal: { segmentBytes: SEGMENT_MIN_BYTES }, hashAt: cuts });
    expect(listSegments(dataDir).length).toBeGreaterThan(3);
    snapshotAt(seq(500));
    snapshotAt(seq(2000));
    for (const cut of [...cuts].reverse()) {
      const report = truncateJournalAfter(dataDir, cut);
      const sm = freshStateMachine();
      const recovered = recoverState(sm, { dataDir, repair: false });
      expect(recovered.lastSequence).toBe(cut);
      expect(recovered.warnings).toEqual([]);
      expect(sm.stateHash()).toBe(hashes.get(cut));
      expect(listSnapshots(dataDir).every((s) => s.sequence <= cut)).toBe(true);
      if (cut === seq(2999)) expect(report).toEqual({ snapshotsRemoved: 0, segmentsRemoved: 0, bytesCut: 0 });
    }
    expect(listSnapshots(dataDir)).toEqual([]); // both snapshots were past seq(0)
  });

  it('cutting at a segment boundary removes the segment that starts after it, leaving the one before whole', () => {
    journalWorkload(dataDir, seq(0), seq(2000), { journal: { segmentBytes: SEGMENT_MIN_BYTES } });
    const segments = listSegments(dataDir);
    const boundary = segments[2].firstSequence - 1;
    const before = statSync(segments[1].path).size;
    const report = truncateJournalAfter(dataDir, boundary);
    expect(report.segmentsRemoved).toBe(segments.length - 2);
    expect(report.bytesCut).toBe(0);
    expect(statSync(segments[1].path).size).toBe(before);
    expect(recoverState(freshStateMachine(), { dataDir, repair: false }).lastSequence).toBe(boundary);
  });

  it('refuses to cut below a retired journal without a snapshot at or before the cut, changing nothing', () => {
    journalWorkload(dataDir, seq(0), seq(2000), { journal: { segmentBytes: SEGMENT_MIN_BYTES } });
    const segments = listSegments(dataDir);
    rmSync(segments[0].path); // retired
    const start = segments[1].firstSequence;
    expect(() => truncateJournalAfter(dataDir, start - 10)).toThrow(/cannot cut .* back to sequence .*re-seed this node/);
    expect(listSegments(dataDir).length).toBe(segments.length - 1);
  });

  it('refuses a cut below the empty state', () => {
    expect(() => truncateJournalAfter(dataDir, FIRST_SEQUENCE - 2)).toThrow(/lastKept must be an integer >= 0/);
  });
});
