/**
 * The snapshot shadow: a second state machine that follows the journal and writes the snapshots, so
 * the business-logic thread never stops to export its state.
 *
 * The logic is deterministic: applying the same input records from the same state gives the same
 * state. The journal holds exactly the input the logic applied, in sequence, so a state machine that
 * replays it up to sequence N holds the logic's state at N, byte for byte (the state hash says so).
 * The logic thread only says "snapshot at N"; this shadow, in its own thread, catches up to N from
 * the segment files and writes the snapshot straight from its own arrays (liveSections(): no copy,
 * nothing allocated per snapshot) while it stops applying. The journal is the buffer between them:
 * however long the shadow takes, the logic and the producer never wait for it.
 *
 * Rules it relies on and keeps:
 *   - It is only ever asked for durable sequences (the engine's scheduler forwards a request once the
 *     journaler's sequence has reached it), so every record it needs is whole in the files: a snapshot
 *     is a checkpoint of journaled input only, never of state that a crash could take back.
 *   - Requests come in ascending order (catch-up hints and snapshots, as the logic posted them); a
 *     request behind the shadow's state is a programmer error.
 *   - Retention deletes only segments whose every record is at or before the newest snapshot, which
 *     is where the shadow is after writing it: the segment holding its next record is never deleted.
 *   - It is seeded once, lazily, by the same recovery as the logic's start (newest snapshot + journal,
 *     read-only), then keeps its place in the journal (segment + file offset) between catch-ups.
 */
import { FIRST_SEQUENCE } from '../codec/records/command_descriptor.ts';
import { createRecordBuffer, type RecordBuffer } from '../codec/records/record_buffer.ts';
import { RES_MAX_RECORD_BYTES } from '../codec/records/result_descriptor.ts';
import type { StateMachine } from '../core/logic/state_machine_api.ts';
import { FrameStatus, HeaderStatus, SegmentReader } from '../journal/segment_reader.ts';
import { listSegments } from '../journal/segment_files.ts';
import { writeSnapshotFile } from '../journal/snapshot_file.ts';
import { applyRetention, type RetentionResult } from '../journal/snapshot_retention.ts';
import { SnapshotStepTimer, type SnapshotStepTimes } from '../journal/snapshot_steps.ts';

/** Seeds a state machine from the data directory up to `toSequence` (recovery.ts's recoverState, read-only). */
export type ShadowSeed = (sm: StateMachine, options: {
  readonly dataDir: string; readonly repair: false; readonly readOnly: true; readonly toSequence: number;
}) => { readonly lastSequence: number };

export interface ShadowSnapshot extends RetentionResult {
  readonly path: string;
  readonly sequence: number;
  readonly stateHash: string;
  readonly fileBytes: number;
  /** Sequences the shadow moved on to reach the snapshot's (since its previous request). */
  readonly caughtUpCount: number;
  readonly catchUpMs: number;
  /** Hashing, checksumming, writing and syncing the file, milliseconds. */
  readonly writeMs: number;
  /** Wall and CPU time of each step, catch-up to retention. */
  readonly steps: SnapshotStepTimes;
}

export class ShadowReplay {
  private readonly reader = new SegmentReader();
  private readonly out: RecordBuffer = createRecordBuffer(new ArrayBuffer(RES_MAX_RECORD_BYTES));
  private seeded = false;
  /** The sequence of the state the shadow holds. */
  private sequence = FIRST_SEQUENCE - 1;
  /** Where the last walk stopped: its segment's first sequence and the file offset after its last frame. */
  private walkSegmentFirst = -1;
  private walkResumeOffset = 0;

  constructor(
    readonly sm: StateMachine,
    private readonly dataDir: string,
    /** null: the shadow starts from the empty state (an engine started without recovery). */
    private readonly seed: ShadowSeed | null,
  ) {}

  /** The sequence of the state the shadow holds. */
  get lastSequence(): number {
    return this.sequence;
  }

  /** Applies the journal up to `target` (durable); returns how many sequences the state moved on. */
  catchUp(target: number): number {
    if (!Number.isSafeInteger(target) || target < FIRST_SEQUENCE - 1) throw new RangeError(`shadow: bad target sequence ${target}`);
    const from = this.sequence;
    if (!this.seeded) {
      this.seeded = true;
      if (this.seed !== null) {
        this.sequence = this.seed(this.sm, { dataDir: this.dataDir, repair: false, readOnly: true, toSequence: target }).lastSequence;
      }
    }
    if (target < this.sequence) {
      throw new Error(`shadow: asked for sequence ${target}, but it already holds the state at ${this.sequence} (requests must ascend)`);
    }
    while (this.sequence < target) this.walkSegment(target);
    return this.sequence - from;
  }

  /**
   * Catches up to `sequence` and writes the snapshot there from the shadow's own arrays, then applies
   * the retention policy (keep the newest `keep` snapshots and the journal they need; every segment
   * when `retireJournal` is false).
   */
  snapshot(sequence: number, keep: number, retireJournal = true): ShadowSnapshot {
    const timer = new SnapshotStepTimer();
    const caughtUpCount = timer.time('catchUp', () => this.catchUp(sequence));
    const caughtUp = performance.now();
    const stateHash = timer.time('stateHash', () => this.sm.stateHash());
    const { path, fileBytes } = writeSnapshotFile(this.dataDir, sequence, this.sm.liveSections(), stateHash, timer);
    const writeMs = performance.now() - caughtUp;
    const retention = applyRetention(this.dataDir, keep, retireJournal, timer);
    return { path, sequence, stateHash, fileBytes, caughtUpCount, catchUpMs: timer.steps.catchUp?.wallMs ?? 0, writeMs, steps: timer.steps, ...retention };
  }

  /** Applies records of the segment holding sequence + 1, up to `target`; returns how many. */
  private walkSegment(target: number): number {
    const next = this.sequence + 1;
    const segments = listSegments(this.dataDir);
    let k = segments.length - 1;
    while (k >= 0 && segments[k].firstSequence > next) k--;
    if (k < 0) {
      throw new Error(`shadow: no journal segment holds sequence ${next} in ${this.dataDir} ` +
        `(segments start at ${segments.length > 0 ? segments[0].firstSequence : 'none'})`);
    }
    const segment = segments[k];
    const reader = this.reader;
    if (reader.load(segment.path, segment.firstSequence - 1) !== HeaderStatus.OK) {
      throw new Error(`shadow: journal segment ${segment.path}: ${reader.reason}`);
    }
    if (segment.firstSequence === this.walkSegmentFirst) reader.resumeAt(this.walkResumeOffset, this.sequence);
    const sm = this.sm;
    const out = this.out;
    let applied = 0;
    let status: FrameStatus = FrameStatus.OK;
    while (this.sequence < target && (status = reader.next()) === FrameStatus.OK) {
      if (reader.sequence <= this.sequence) continue; // before the shadow's state: walked past once
      sm.apply(reader.buffer, reader.recordBase, out, 0);
      this.sequence = reader.sequence;
      applied++;
    }
    this.walkSegmentFirst = segment.firstSequence;
    this.walkResumeOffset = reader.nextFrameFileOffset;
    if (this.sequence < target && status !== FrameStatus.END) {
      throw new Error(`shadow: journal segment ${segment.path} at offset ${reader.frameOffset}: ${reader.reason} ` +
        `(the shadow needs sequences ${this.sequence + 1}..${target}, which are durable)`);
    }
    if (this.sequence < target && applied === 0 && (k === segments.length - 1 || segments[k + 1].firstSequence !== this.sequence + 1)) {
      throw new Error(`shadow: the journal ends at sequence ${this.sequence}, before the durable sequence ${target}`);
    }
    return applied;
  }
}
