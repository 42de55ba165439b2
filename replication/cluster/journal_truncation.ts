/**
 * Cutting a deposed leader's unacknowledged tail: everything after `lastKept` goes, so the node's
 * journal is a prefix of the new leader's again and it can follow it.
 *
 * Order matters for a crash in the middle: snapshots past the cut go first (recovery must never load
 * state that holds the tail), then whole segments past it, newest first, then the segment that
 * holds the cut is shortened at the first frame after it. Every step is durable before the next
 * (ftruncate + fdatasync, unlink + directory fsync); a crash leaves a journal that is merely longer
 * than asked, and running the cut again finishes it.
 *
 * Only records after `lastKept` may go. If the journal no longer reaches back to lastKept (retired
 * segments) and no snapshot at or before it survives, the node cannot be cut back: it throws, and the
 * node must be re-seeded from the leader (an empty data directory bootstraps from its snapshot).
 */
import { unlinkSync } from 'node:fs';
import { FIRST_SEQUENCE } from '../../codec/records/command_descriptor.ts';
import { fsyncDirectory, journalDir, listSegments, truncateDurably } from '../../journal/segment_files.ts';
import { FrameStatus, HeaderStatus, SegmentReader } from '../../journal/segment_reader.ts';
import { listSnapshots, snapshotDir } from '../../journal/snapshot_file.ts';

export interface TruncationReport {
  /** Snapshot files removed (their sequence was after lastKept). */
  readonly snapshotsRemoved: number;
  /** Whole segment files removed. */
  readonly segmentsRemoved: number;
  /** Bytes cut off the end of the segment holding lastKept + 1 (0 when none). */
  readonly bytesCut: number;
}

export function truncateJournalAfter(dataDir: string, lastKept: number): TruncationReport {
  if (!Number.isSafeInteger(lastKept) || lastKept < FIRST_SEQUENCE - 1) {
    throw new RangeError(`truncateJournalAfter: lastKept must be an integer >= ${FIRST_SEQUENCE - 1}; got ${lastKept}`);
  }
  const segments = listSegments(dataDir);
  const snapshots = listSnapshots(dataDir);
  const journalReaches = segments.length === 0 || segments[0].firstSequence <= lastKept + 1;
  const snapshotKept = snapshots.some((s) => s.sequence <= lastKept);
  if (!journalReaches && !snapshotKept) {
    throw new Error(`cannot cut ${dataDir} back to sequence ${lastKept}: its journal starts at ${segments[0].firstSequence} and no snapshot ` +
      `at or before ${lastKept} is left; re-seed this node (empty its data directory: it bootstraps from the leader)`);
  }

  let snapshotsRemoved = 0;
  for (const snapshot of snapshots) {
    if (snapshot.sequence <= lastKept) continue;
    unlinkSync(snapshot.path);
    snapshotsRemoved++;
  }
  if (snapshotsRemoved > 0) fsyncDirectory(snapshotDir(dataDir));

  let segmentsRemoved = 0;
  for (let i = segments.length - 1; i >= 0 && segments[i].firstSequence > lastKept; i--) {
    // A segment whose first record is after lastKept holds nothing to keep.
    unlinkSync(segments[i].path);
    segmentsRemoved++;
  }
  if (segmentsRemoved > 0) fsyncDirectory(journalDir(dataDir));

  const holder = segments.length - segmentsRemoved - 1;
  let bytesCut = 0;
  if (holder >= 0) {
    const segment = segments[holder];
    const reader = new SegmentReader();
    if (reader.load(segment.path, segment.firstSequence - 1) === HeaderStatus.OK) {
      while (reader.next() === FrameStatus.OK && reader.sequence <= lastKept);
      // The walk stopped at the first frame after lastKept, at the end, or at damage. Cut only when
      // everything up to lastKept was read whole: damage before it is for recovery to report, not to hide.
      const keptWhole = reader.sequence > lastKept ? reader.sequence === lastKept + 1 : reader.lastSequence >= lastKept;
      if (keptWhole && reader.frameOffset < reader.fileBytes) {
        bytesCut = reader.fileBytes - reader.frameOffset;
        truncateDurably(segment.path, reader.frameOffset);
      }
    }
  }
  return { snapshotsRemoved, segmentsRemoved, bytesCut };
}
