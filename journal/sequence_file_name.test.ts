import { describe, expect, it } from 'vitest';
import { parseSegmentFileName, segmentFileName } from './journal_descriptor.ts';
import { parseSnapshotFileName, snapshotFileName } from './snapshot_descriptor.ts';
import { parseSequenceFileName, sequenceFileName } from './sequence_file_name.ts';

describe('sequence file names', () => {
  it('pads the sequence to 20 digits before the suffix, and parses it back', () => {
    expect(sequenceFileName(42, '.x')).toBe('00000000000000000042.x');
    expect(parseSequenceFileName('00000000000000000042.x', '.x')).toBe(42);
    expect(segmentFileName(7)).toBe('00000000000000000007.journal');
    expect(snapshotFileName(7)).toBe('00000000000000000007.snapshot');
    expect(parseSegmentFileName(segmentFileName(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER);
    expect(parseSnapshotFileName(snapshotFileName(0))).toBe(0);
  });

  it('refuses another suffix, another length, non-digits and unsafe integers', () => {
    expect(parseSegmentFileName(snapshotFileName(7))).toBe(-1);
    expect(parseSnapshotFileName(segmentFileName(7))).toBe(-1);
    expect(parseSequenceFileName('0042.x', '.x')).toBe(-1);
    expect(parseSequenceFileName('0000000000000000004a.x', '.x')).toBe(-1);
    expect(parseSequenceFileName('99999999999999999999.x', '.x')).toBe(-1);
    expect(parseSnapshotFileName(snapshotFileName(7) + '.tmp')).toBe(-1);
  });
});
