/**
 * Recovery at start (and the engine of the replay CLI): load the newest valid snapshot, then replay
 * the journal after it through the same business logic, checking every frame.
 *
 * What it does with damage, by where the damage is:
 *   - a torn tail (the last segment ends inside a frame, or in a frame that fails its checks, garbage
 *     or zeroes, with no whole valid frame after it): the tail is truncated with a warning naming the
 *     bytes dropped and the last good sequence; that is what a crash in the middle of an append leaves,
 *     and none of it was acknowledged.
 *   - anything else (a bad frame with good frames after it, a damaged closed segment, a missing
 *     stretch of sequences): an Error naming the file, the offset and the sequence; start-up stops.
 *     With `repair: true` the journal is truncated there instead (later segments removed) with a warning.
 *   - a snapshot that fails its checks: a warning, and the next older snapshot is tried.
 *
 * Synchronous: it runs in the logic worker before the engine serves, and in the replay CLI. Per record
 * it allocates nothing: frames are read in place from a reused segment buffer.
 */
import { accessSync, constants, mkdirSync, statSync, unlinkSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { DATA_DIR_MODE } from '../core/data_file_modes.ts';
import { FIRST_SEQUENCE } from '../codec/records/command_descriptor.ts';
import { createRecordBuffer, type RecordBuffer } from '../codec/records/record_buffer.ts';
import { RES_MAX_RECORD_BYTES } from '../codec/records/result_descriptor.ts';
import type { StateMachine } from '../core/logic/state_machine_api.ts';
import { SegmentHeader } from '../journal/journal_descriptor.ts';
import { SegmentReader } from '../journal/segment_reader.ts';
import { fsyncDirectory, journalDir, listSegments, truncateDurably, type SegmentFile } from '../journal/segment_files.ts';
import { listSnapshots, readSnapshotFile, removeSnapshotTempFiles } from '../journal/snapshot_file.ts';
import { walkJournal, WalkEnd, type RecordSink } from './journal_walk.ts';
import { LOOK_UP, replayWithReaderThread, type PipelineReport } from './pipelined_replay.ts';

export interface RecoveryReport {
  /** The last sequence in the recovered state (journal or snapshot); FIRST_SEQUENCE - 1 (0) when there is nothing. */
  readonly lastSequence: number;
  /** Sequence of the snapshot loaded, -1 when none was. */
  readonly snapshotSequence: number;
  readonly snapshotPath: string;
  /** Journal records applied after the snapshot. */
  readonly replayedCount: number;
  /** Bytes cut from a torn tail (or, with repair, from the corruption on). */
  readonly truncatedBytes: number;
  readonly warnings: string[];
  readonly segmentsRead: number;
  readonly durationMs: number;
  /** With a reader thread (options.readerThreadMinBytes), where the replay's time went; null without. */
  readonly pipeline: PipelineReport | null;
}

export interface RecoveryOptions {
  readonly dataDir: string;
  /** Truncate the journal at a corruption before the tail instead of refusing to start. */
  readonly repair: boolean;
  /** Stop after this sequence (replay --to). Default: everything. */
  readonly toSequence?: number;
  /** Change no file: a torn tail is reported, not truncated (the replay CLI). Default false. */
  readonly readOnly?: boolean;
  /** Start from the newest valid snapshot (default) or replay the whole journal (false). */
  readonly useSnapshots?: boolean;
  /** Only consider snapshots at or before this sequence (replay --verify against a newer one). */
  readonly snapshotAtMost?: number;
  /** Called after each record is applied with the input and its result (replay --print). */
  readonly onApplied?: (cmd: RecordBuffer, cmdBase: number, out: RecordBuffer, outBase: number) => void;
  /** Called once, just before the first record after `sequence` is applied (or at the end). */
  readonly checkpoint?: { readonly sequence: number; readonly reached: (sm: StateMachine) => void };
  /**
   * Read and check the journal, and look idempotency ids up, on a second thread ahead of the logic
   * (pipelined_replay.ts) when the segments to replay hold at least this many bytes: for a recovery
   * that has both cores to itself, and a journal long enough to be worth starting a thread (0: always).
   * Default: never.
   */
  readonly readerThreadMinBytes?: number;
  /** Tests: with a reader thread, hand the walk over after exactly this many records (waiting for the reader to start). */
  readonly readerThreadHandOverAt?: number;
}

export class JournalCorruptError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly offset: number,
    readonly lastGoodSequence: number,
  ) {
    super(message);
    this.name = 'JournalCorruptError';
  }
}

export function recoverState(sm: StateMachine, options: RecoveryOptions): RecoveryReport {
  const started = performance.now();
  const { dataDir } = options;
  const readOnly = options.readOnly === true;
  const toSequence = options.toSequence ?? Number.MAX_SAFE_INTEGER;
  prepareDataDir(dataDir, readOnly);
  const warnings: string[] = [];
  if (!readOnly) {
    for (const path of removeSnapshotTempFiles(dataDir)) warnings.push(`recovery: removed ${path}, a snapshot a crash interrupted`);
  }

  // 1. The newest snapshot that reads back whole and reproduces its own state hash.
  let snapshotSequence = -1;
  let snapshotPath = '';
  /** The newest snapshot that could not be used (-1: none): the state recovered must not end before it. */
  let newestSkippedSnapshot = -1;
  if (options.useSnapshots !== false) {
    const atMost = Math.min(toSequence, options.snapshotAtMost ?? Number.MAX_SAFE_INTEGER);
    const snapshots = listSnapshots(dataDir).filter((s) => s.sequence <= atMost).reverse();
    // importState replaces every section (and checks them all before copying), so trying an older
    // snapshot after a bad one is safe. Only falling back to no snapshot at all after an import would
    // need the empty state back, and a snapshot whose CRCs pass but whose hash does not is a build or
    // config mismatch, not disk damage: that case stops start-up instead of copying the whole state
    // up front on every restart.
    let imported = false;
    for (const candidate of snapshots) {
      try {
        const loaded = readSnapshotFile(candidate.path);
        sm.importState(loaded.sections);
        imported = true;
        const hash = sm.stateHash();
        if (hash !== loaded.stateHash) {
          throw new Error(`snapshot ${candidate.path}: state hash after import is ${hash}, the snapshot recorded ` +
            `${loaded.stateHash} (taken by another build or with another config?)`);
        }
        snapshotSequence = loaded.sequence;
        snapshotPath = candidate.path;
        break;
      } catch (error) {
        warnings.push(`recovery: skipped snapshot ${candidate.path}: ${(error as Error).message}`);
      }
    }
    // Candidates are newest first: the first one is skipped unless it was loaded.
    if (snapshots.length > 0 && snapshots[0].sequence > snapshotSequence) newestSkippedSnapshot = snapshots[0].sequence;
    if (snapshotSequence < 0 && imported) {
      throw new Error(`recovery: no snapshot could be used and one was already imported: ${warnings.join('; ')}. ` +
        'Move the snapshots aside to recover from the journal alone.');
    }
  }

  // 2. The journal after it.
  const segments = listSegments(dataDir);
  let first = 0;
  while (first + 1 < segments.length && segments[first + 1].firstSequence - 1 <= snapshotSequence) first++;
  if (segments.length > 0 && snapshotSequence < 0 && segments[0].firstSequence !== FIRST_SEQUENCE) {
    throw new JournalCorruptError(segments[0].firstSequence < FIRST_SEQUENCE
      ? `journal ${segments[0].path} starts at sequence ${segments[0].firstSequence}, before the first sequence ` +
        `${FIRST_SEQUENCE} (sequence 0 is the empty state and is never journaled)`
      : `journal ${segments[0].path} starts at sequence ${segments[0].firstSequence} and no valid snapshot covers ` +
        `the sequences before it` + snapshotWarnings(warnings),
    segments[0].path, 0, -1);
  }
  const replay = new JournalReplay(sm, options, warnings, readOnly, snapshotSequence, toSequence);
  // Replay mode: the state machine may keep its idempotency window in a cheaper form meanwhile.
  sm.setReplaying?.(true);
  try {
    replay.run(segments, first);
  } finally {
    sm.setReplaying?.(false);
  }
  if (options.checkpoint !== undefined && !replay.checkpointDone) options.checkpoint.reached(sm);
  // A snapshot on disk holds commands up to its sequence: recovering to an older state without it (no
  // journal left after it, e.g. a snapshot this build cannot read and retention removed the segments)
  // would drop acknowledged commands without a word.
  const lastSequence = Math.max(FIRST_SEQUENCE - 1, snapshotSequence, replay.lastSequence);
  if (lastSequence < Math.min(newestSkippedSnapshot, toSequence)) {
    throw new Error(`recovery: the journal ends at sequence ${lastSequence}, before snapshot ${newestSkippedSnapshot}, ` +
      `which could not be used${snapshotWarnings(warnings)}. Starting would lose the commands up to it: recover with the ` +
      'build that wrote the snapshot, or from a copy of the journal that covers it.');
  }

  return {
    lastSequence,
    snapshotSequence,
    snapshotPath,
    replayedCount: replay.replayedCount,
    truncatedBytes: replay.truncatedBytes,
    warnings,
    segmentsRead: replay.segmentsRead,
    durationMs: performance.now() - started,
    pipeline: replay.pipeline,
  };
}

function snapshotWarnings(warnings: readonly string[]): string {
  return warnings.length > 0 ? ` (${warnings.join('; ')})` : '';
}

function prepareDataDir(dataDir: string, readOnly: boolean): void {
  let exists = true;
  try {
    if (!statSync(dataDir).isDirectory()) throw new Error(`data directory ${dataDir} is not a directory`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    exists = false;
  }
  if (!exists) {
    if (readOnly) throw new Error(`data directory ${dataDir} does not exist`);
    mkdirSync(dataDir, { recursive: true, mode: DATA_DIR_MODE });
  }
  try {
    accessSync(dataDir, readOnly ? constants.R_OK | constants.X_OK : constants.R_OK | constants.W_OK | constants.X_OK);
  } catch {
    throw new Error(`data directory ${dataDir} is not ${readOnly ? 'readable' : 'readable and writable'} by this process`);
  }
}

class JournalReplay implements RecordSink {
  private readonly out: RecordBuffer = createRecordBuffer(new ArrayBuffer(RES_MAX_RECORD_BYTES));
  lastSequence = -1;
  replayedCount = 0;
  truncatedBytes = 0;
  segmentsRead = 0;
  checkpointDone = false;
  pipeline: PipelineReport | null = null;

  constructor(
    private readonly sm: StateMachine,
    private readonly options: RecoveryOptions,
    private readonly warnings: string[],
    private readonly readOnly: boolean,
    private readonly snapshotSequence: number,
    private readonly toSequence: number,
  ) {}

  run(segments: readonly SegmentFile[], first: number): void {
    const minBytes = this.options.readerThreadMinBytes;
    const piped = minBytes !== undefined && segments.slice(first).reduce((sum, s) => sum + statSync(s.path).size, 0) >= minBytes
      ? replayWithReaderThread(this.sm, this, segments, first, this.snapshotSequence, this.toSequence, this.options.readerThreadHandOverAt) : null;
    if (piped !== null) this.pipeline = piped.report;
    const outcome = piped?.outcome ?? walkJournal(segments, first, this.snapshotSequence, this.toSequence, new SegmentReader(), this);
    this.segmentsRead = outcome.segmentsRead;
    if (outcome.end === WalkEnd.SNAPSHOT_GAP) {
      throw new JournalCorruptError(outcome.reason, segments[outcome.segmentIndex].path, outcome.offset, outcome.lastGood);
    }
    if (outcome.end === WalkEnd.DAMAGED) {
      this.damaged(segments, outcome.segmentIndex, outcome.offset, outcome.lastGood, outcome.reason, outcome.torn);
    } else if (outcome.emptyNewestSegment && !this.readOnly) {
      // An empty newest segment (crash between creating it and writing its first batch): the
      // journaler will create it again under the same name, so it goes now.
      const path = segments[segments.length - 1].path;
      this.removeFile(path);
      this.warnings.push(`recovery: removed empty journal segment ${path}`);
    } else if (outcome.end === WalkEnd.END && !this.readOnly && this.toSequence >= Number.MAX_SAFE_INTEGER &&
      outcome.segmentIndex >= 0 && outcome.segmentIndex === segments.length - 1) {
      // A prepared newest segment (segment_preparation.ts) left by a crash: zeros after its frames, which
      // the whole-journal walk found empty of records. Cut them, so it is as long as its frames like
      // every closed segment (the journaler starts a new one).
      const path = segments[outcome.segmentIndex].path;
      if (statSync(path).size > outcome.offset) truncateDurably(path, outcome.offset);
    }
  }

  accept(buffer: RecordBuffer, base: number, sequence: number): boolean {
    this.applyRecord(buffer, base, sequence, LOOK_UP);
    return false;
  }

  /** Applies one record (`storedSlot`: the idempotency lookup done ahead, or LOOK_UP for apply()'s own). */
  applyRecord(buffer: RecordBuffer, base: number, sequence: number, storedSlot: number): void {
    const sm = this.sm;
    const checkpoint = this.options.checkpoint;
    if (checkpoint !== undefined && !this.checkpointDone && sequence > checkpoint.sequence) {
      this.checkpointDone = true;
      checkpoint.reached(sm);
    }
    if (storedSlot === LOOK_UP) sm.apply(buffer, base, this.out, 0);
    else (sm.applyLookedUp as NonNullable<StateMachine['applyLookedUp']>)(buffer, base, this.out, 0, storedSlot);
    const onApplied = this.options.onApplied;
    if (onApplied !== undefined) onApplied(buffer, base, this.out, 0);
    this.lastSequence = sequence;
    this.replayedCount++;
  }

  /**
   * Damage in segment k at `offset`. A torn tail is truncated (or reported when read-only);
   * corruption throws unless repair, which truncates there and removes every later segment.
   */
  private damaged(segments: readonly SegmentFile[], k: number, offset: number, lastGood: number, reason: string, torn: boolean): void {
    const segment = segments[k];
    const fileBytes = statSync(segment.path).size;
    const later = segments.slice(k + 1);
    const laterBytes = later.reduce((sum, s) => sum + statSync(s.path).size, 0);
    const cutBytes = Math.max(0, fileBytes - offset) + laterBytes;
    const where = `file ${segment.path}, offset ${offset}, after sequence ${lastGood}`;
    if (!torn && !this.options.repair) {
      throw new JournalCorruptError(
        `journal corrupt: ${reason} in ${where} (the sequence that follows, ${lastGood + 1}, cannot be read); ` +
          `${cutBytes} bytes from there on${later.length > 0 ? ` including ${later.length} later segment(s)` : ''} ` +
          `would be lost. Start with --repair (config file "engine": {"repair": true}) to truncate the journal there.`,
        segment.path, offset, lastGood);
    }
    const what = torn ? 'torn tail' : 'repair';
    if (this.readOnly) {
      this.warnings.push(`journal ${what}: ${reason} in ${where}; ${cutBytes} bytes not replayed (read-only: nothing truncated)`);
      return;
    }
    if (offset <= SegmentHeader.BYTES && (torn || lastGood < segment.firstSequence)) this.removeFile(segment.path);
    else truncateDurably(segment.path, offset);
    for (const s of later) this.removeFile(s.path);
    this.truncatedBytes += cutBytes;
    this.warnings.push(
      `journal ${what}: ${reason} in ${where}; truncated ${cutBytes} bytes` +
        `${later.length > 0 ? ` and removed ${later.length} later segment(s)` : ''}; last good sequence ${lastGood}`,
    );
  }

  private removeFile(path: string): void {
    unlinkSync(path);
    fsyncDirectory(journalDir(this.options.dataDir));
  }
}
