/**
 * Promotion (`ringline promote --data DIR`, cli/promote_command.ts): turns a (stopped) follower's
 * data directory into a primary's: its epoch is raised by one and stored durably
 * (replication_epoch.ts). `ringline start --data DIR` then accepts writes from the last replicated
 * sequence, stamps the new epoch in its journal segments, and its followers refuse the old primary
 * (STALE_EPOCH); the old primary, restarted with --peers naming this node, refuses to start.
 */
import { existsSync } from 'node:fs';
import { FIRST_SEQUENCE } from '../codec/records/command_descriptor.ts';
import { readEpoch, writeEpoch } from './replication_epoch.ts';
import { listSegments } from '../journal/segment_files.ts';
import { FrameStatus, HeaderStatus, SegmentReader } from '../journal/segment_reader.ts';
import { listSnapshots } from '../journal/snapshot_file.ts';

/** Raises the epoch of `dataDir` by one, begun after its last journaled sequence; returns the new epoch. */
export function promoteDataDir(dataDir: string): number {
  if (!existsSync(dataDir)) throw new Error(`ringline promote: data directory ${dataDir} does not exist`);
  const epoch = readEpoch(dataDir) + 1;
  writeEpoch(dataDir, epoch, lastJournaledSequence(dataDir));
  return epoch;
}

/**
 * The last whole, valid record of the journal (the newest snapshot's sequence without segments, else
 * FIRST_SEQUENCE - 1: sequence 0, the empty state — a known start, unlike the -1 of "unknown").
 */
export function lastJournaledSequence(dataDir: string): number {
  const segments = listSegments(dataDir);
  if (segments.length === 0) return listSnapshots(dataDir).pop()?.sequence ?? FIRST_SEQUENCE - 1;
  const last = segments[segments.length - 1];
  const reader = new SegmentReader();
  if (reader.load(last.path, last.firstSequence - 1) !== HeaderStatus.OK) return last.firstSequence - 1;
  while (reader.next() === FrameStatus.OK);
  return reader.lastSequence;
}
