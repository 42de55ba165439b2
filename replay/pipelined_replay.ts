/**
 * Recovery's journal replay on two threads (RecoveryOptions.readerThreadMinBytes): while a recovery runs
 * nothing else does, so a second core is free for the half of the work that does not depend on the
 * business state. Starting a thread takes tens of ms built, ~0.2–1 s from source: meanwhile the logic
 * thread walks and applies the journal itself, and hands the walk over at a frame boundary once the
 * reader has started (with the idempotency window as it stands there).
 *
 *   reader thread (replay_reader_worker.ts)            logic thread (here)
 *   segment reads, frame checks, CRC-32,   ──ring──►   StateMachine.applyLookedUp: the business logic
 *   idempotency lookups (a copy of the                  and the results it remembers; checkpoint,
 *   window), the walk's outcome                         onApplied, damage handling (recovery.ts)
 *
 * Same records in the same order, the same stop at the same place with the same words (journal_walk.ts
 * serves both paths), the same state and results (pipelined_replay.test.ts compares every byte with the
 * one-thread path, with the hand-over anywhere).
 */
import { performance } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import type { RecordBuffer } from '../codec/records/record_buffer.ts';
import { CmdHeader } from '../codec/records/command_descriptor.ts';
import type { StateMachine } from '../core/logic/state_machine_api.ts';
import { BatchConsumer, HALTED } from '../core/ring/batch_consumer.ts';
import { Ring } from '../core/ring/ring.ts';
import { createWaitStrategy } from '../core/ring/wait_strategy.ts';
import { spawnWorker } from '../core/spawn_worker.ts';
import { SegmentReader } from '../journal/segment_reader.ts';
import { walkJournal, WalkEnd, type RecordSink, type WalkOutcome, type WalkSegment } from './journal_walk.ts';
import { createFeedMemory, FeedControl } from './replay_feed.ts';
import type { ReaderWorkerData } from './replay_reader_worker.ts';

const READER_WORKER_URL = new URL('./replay_reader_worker.ts', import.meta.url);
/** For a hand-over at a given record (tests): how long to wait for the reader to start. */
const READER_START_TIMEOUT_MS = 60_000;
/** Records the logic thread applies between looks at whether the reader has started. */
const START_CHECK_EVERY = 1024;
const BATCH_MAX = 256;
/** How often the logic thread, waiting for records, looks whether the reader's thread still runs. */
const READER_LIVENESS_CHECK_MS = 500;

/** Where the time of a pipelined replay went: which stage bounds it. */
export interface PipelineReport {
  /** From spawning the reader to the hand-over (-1: the walk ended before the reader had started). */
  readonly readerStartMs: number;
  /** Records the logic thread walked and applied itself before handing the walk over. */
  readonly handOverAfterRecords: number;
  /** The reader's time reading, checking, copying and looking up; and waiting for ring room. */
  readonly readerBusyMs: number;
  readonly readerWaitMs: number;
  /** Records the reader fed. */
  readonly fedRecords: number;
  /** The logic thread's time applying fed records (its waits for them left out), and waiting. */
  readonly logicBusyMs: number;
  readonly logicWaitMs: number;
}

export interface ReplayTarget {
  applyRecord(buffer: RecordBuffer, base: number, sequence: number, storedSlot: number): void;
}

/** applyRecord's storedSlot for apply()'s own idempotency lookup (the walk before the hand-over). */
export const LOOK_UP = -2;

/** The logic thread's own walk before the hand-over: pauses once the reader has started (or at record `handOverAt`). */
class OwnWalk implements RecordSink {
  records = 0;
  constructor(private readonly target: ReplayTarget, private readonly control: FeedControl, private readonly handOverAt: number) {}

  accept(buffer: RecordBuffer, base: number, sequence: number): boolean {
    this.target.applyRecord(buffer, base, sequence, LOOK_UP);
    const records = ++this.records;
    if (this.handOverAt >= 0) return records === this.handOverAt;
    return records % START_CHECK_EVERY === 0 && this.control.started();
  }
}

/**
 * Replays segments[first..] through `target`, a reader thread ahead of it once started; null when the
 * state machine cannot take lookups done ahead (the caller replays on its own). `handOverAt` (tests,
 * and the bench's reader stage): hand over after exactly that many records, waiting for the reader.
 * Throws what the reader threw.
 */
export function replayWithReaderThread(
  sm: StateMachine, target: ReplayTarget, segments: readonly WalkSegment[], first: number, after: number, to: number,
  handOverAt = -1,
  /** The reader thread's entry (tests substitute a failing one). */
  readerUrl: URL = READER_WORKER_URL,
): { outcome: WalkOutcome; report: PipelineReport } | null {
  if (sm.idempotencyWindowState === undefined || sm.setLookupsAhead === undefined || sm.applyLookedUp === undefined) return null;
  const spawned = performance.now();
  const feed = createFeedMemory(sm.idempotencyWindowState().ids.length);
  const data: ReaderWorkerData = { feed, after, to, segments: segments.map((s) => ({ path: s.path, firstSequence: s.firstSequence })) };
  const worker: Worker = spawnWorker(readerUrl, { ...data });
  worker.unref();
  // The worker's own errors reach the caller through the control block; this only keeps an 'error'
  // event (a reader that could not even load) from becoming an uncaught exception.
  worker.on('error', () => {});
  const control = new FeedControl(feed.control);
  try {
    const own = new OwnWalk(target, control, handOverAt);
    const paused = handOverAt === 0 ? null : walkJournal(segments, first, after, to, new SegmentReader(), own);
    let readerStartMs = performance.now() - spawned;
    const ownReport = { readerStartMs: -1, handOverAfterRecords: own.records, readerBusyMs: 0, readerWaitMs: 0, fedRecords: 0, logicBusyMs: 0, logicWaitMs: 0 };
    if (paused !== null && paused.end !== WalkEnd.PAUSED) return { outcome: paused, report: ownReport };
    if (handOverAt >= 0) {
      if (!control.awaitStart(READER_START_TIMEOUT_MS)) throw new Error(`recovery: the reader thread did not start within ${READER_START_TIMEOUT_MS} ms`);
      readerStartMs = performance.now() - spawned;
    }
    const start = paused === null ? { segmentIndex: first, resume: undefined }
      : { segmentIndex: paused.segmentIndex, resume: { offset: paused.offset, lastGood: paused.lastGood, accepted: paused.accepted } };
    control.go(start, sm.idempotencyWindowState(), feed);
    sm.setLookupsAhead(true);
    const started = performance.now();
    let logicWaitMs = 0;
    try {
      logicWaitMs = drain(feed.ring, feed.hints, target, control);
    } finally {
      sm.setLookupsAhead(false);
    }
    const logicMs = performance.now() - started;
    const failure = control.failure();
    if (failure !== null) throw Object.assign(new Error(failure.message), failure);
    const times = control.times();
    const outcome = control.outcome();
    // The segment handed over mid-walk was loaded by both threads: a one-thread walk counts it once.
    if (paused !== null) outcome.segmentsRead += paused.segmentsRead - 1;
    return {
      outcome,
      report: {
        readerStartMs, handOverAfterRecords: own.records, readerBusyMs: times.busyMs, readerWaitMs: times.waitMs, fedRecords: times.records,
        logicBusyMs: logicMs - logicWaitMs, logicWaitMs,
      },
    };
  } finally {
    control.abandon();
    void worker.terminate();
  }
}

/** The reader's thread ended mid-walk without a word; nothing was changed on disk. */
export class ReaderThreadGoneError extends Error {
  constructor() {
    super('recovery: the journal reader thread ended before finishing its walk (killed, or out of memory); '
      + 'no file was changed, and starting again recovers with a new one');
    this.name = 'ReaderThreadGoneError';
  }
}

/**
 * Applies every record the reader feeds until it halts the ring; returns the ms spent waiting for
 * records. Throws when the reader's thread ends without halting it (killed, out of memory): blocked
 * here, this thread would never hear of its Worker's 'exit'.
 */
function drain(ringMemory: SharedArrayBuffer, hintsMemory: SharedArrayBuffer, target: ReplayTarget, control: FeedControl): number {
  const ring = new Ring(ringMemory);
  const hints = new Int32Array(hintsMemory);
  const consumer = new BatchConsumer(ring, 0, { waitStrategy: createWaitStrategy('spin_park'), batchMax: BATCH_MAX });
  const buffer = ring.buffer;
  const f64 = buffer.f64;
  const mask = ring.mask;
  let waitMs = 0;
  for (;;) {
    let count = consumer.poll();
    if (count === 0) {
      const waitStarted = performance.now();
      count = consumer.waitFor(READER_LIVENESS_CHECK_MS);
      waitMs += performance.now() - waitStarted;
      if (count === 0) {
        if (control.readerGone()) throw new ReaderThreadGoneError();
        continue;
      }
    }
    if (count === HALTED) return waitMs;
    const next = consumer.nextSequence;
    for (let i = 0; i < count; i++) {
      const base = ring.slotBase(next + i);
      target.applyRecord(buffer, base, f64[(base + CmdHeader.SEQUENCE) >>> 3], hints[(next + i) & mask]);
    }
    consumer.release(count);
  }
}
