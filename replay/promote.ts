/**
 * `ringline promote --data DIR`: turns a (stopped) follower's data directory into a primary's: its
 * epoch is raised by one and stored durably (journal/replication_epoch.ts). `ringline start --data DIR`
 * then accepts writes from the last replicated sequence, stamps the new epoch in its journal segments,
 * and its followers refuse the old primary (STALE_EPOCH); the old primary, restarted with
 * --peers naming this node, refuses to start.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { FIRST_SEQUENCE } from '../codec/records/command_descriptor.ts';
import { readEpoch, writeEpoch } from '../journal/replication_epoch.ts';
import { listSegments } from '../journal/segment_files.ts';
import { FrameStatus, HeaderStatus, SegmentReader } from '../journal/segment_reader.ts';
import { listSnapshots } from '../journal/snapshot_file.ts';

export const PROMOTE_USAGE = `usage: ringline promote --data DIR

  Raises the epoch of a stopped follower's data directory by one; then run "ringline start --data DIR"
  (with --replication to keep a standby) to accept writes from its last sequence.`;

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

export function promoteCommand(argv: readonly string[]): number {
  let values: Record<string, string | undefined>;
  try {
    values = parseArgs({ args: [...argv], strict: true, allowPositionals: false, options: { data: { type: 'string' } } }).values as Record<string, string | undefined>;
  } catch (error) {
    throw new Error(`ringline promote: ${(error as Error).message}\n\n${PROMOTE_USAGE}`);
  }
  if (values.data === undefined || values.data === '') throw new Error(`ringline promote: --data DIR is required\n\n${PROMOTE_USAGE}`);
  const dataDir = resolve(values.data);
  const epoch = promoteDataDir(dataDir);
  process.stdout.write(`ringline promote: ${dataDir} is now epoch ${epoch}; start it with: ringline start --data ${values.data}\n`);
  return 0;
}
