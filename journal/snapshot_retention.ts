/**
 * Retention: keep the newest `keep` snapshots, delete older ones, and delete the journal segments
 * that only those older snapshots could need (segments whose every record is at or before the oldest
 * kept snapshot). The newest segment is never deleted: the journaler may be appending to it.
 */
import { rmSync, unlinkSync } from 'node:fs';
import { listSegments, fsyncDirectory, journalDir } from './segment_files.ts';
import { listSnapshots, snapshotDir } from './snapshot_file.ts';
import { SNAPSHOT_TEMP_SUFFIX } from './snapshot_descriptor.ts';
import { SnapshotStepTimer } from './snapshot_steps.ts';

export interface RetentionResult {
  readonly deletedSnapshots: string[];
  readonly deletedSegments: string[];
}

export const RETENTION_KEEP_MIN = 1;
export const RETENTION_KEEP_MAX = 1000;

/** `retireJournal: false` keeps every segment (a full replay from FIRST_SEQUENCE stays possible). */
export function applyRetention(dataDir: string, keep: number, retireJournal = true, timer = new SnapshotStepTimer()): RetentionResult {
  if (!Number.isInteger(keep) || keep < RETENTION_KEEP_MIN || keep > RETENTION_KEEP_MAX) {
    throw new RangeError(`snapshot option keep must be an integer from ${RETENTION_KEEP_MIN} to ${RETENTION_KEEP_MAX}; got ${keep}`);
  }
  const snapshots = listSnapshots(dataDir);
  const deletedSnapshots: string[] = [];
  const deletedSegments: string[] = [];
  if (snapshots.length === 0) return { deletedSnapshots, deletedSegments };
  const kept = snapshots.slice(-keep);
  timer.start();
  for (const old of snapshots.slice(0, snapshots.length - kept.length)) {
    unlinkSync(old.path);
    rmSync(old.path + SNAPSHOT_TEMP_SUFFIX, { force: true });
    deletedSnapshots.push(old.path);
  }
  timer.end('unlinkSnapshots');
  const oldestKeptSequence = kept[0].sequence;
  timer.start();
  const segments = retireJournal ? listSegments(dataDir) : [];
  for (let i = 0; i + 1 < segments.length; i++) {
    // Segment i holds sequences below the next segment's first sequence.
    if (segments[i + 1].firstSequence - 1 > oldestKeptSequence) break;
    unlinkSync(segments[i].path);
    deletedSegments.push(segments[i].path);
  }
  timer.end('unlinkSegments');
  timer.start();
  if (deletedSnapshots.length > 0) fsyncDirectory(snapshotDir(dataDir));
  if (deletedSegments.length > 0) fsyncDirectory(journalDir(dataDir));
  timer.end('retentionDirSync');
  return { deletedSnapshots, deletedSegments };
}
