/**
 * Recovery's journal replay on two threads (RecoveryOptions.readerThreadMinBytes): while a recovery runs
 * nothing else does, so a second core is free for the half of the work that does not depend on the
 * business state.
 *
 *   reader thread (replay_reader_worker.ts)            logic thread (here)
 *   segment reads, frame checks, CRC-32,   ──ring──►   StateMachine.applyLookedUp: the business logic
 *   idempotency lookups (a copy of the                  and the results it remembers; checkpoint,
 *   window), the walk's outcome                         onApplied, damage handling (recovery.ts)
 *
 * Same records in the same order, the same stop at the same place with the same words (journal_walk.ts
 * serves both paths), the same state and results (pipelined_replay.test.ts compares every byte with the
 * one-thread path). When the reader does not start within READER_START_TIMEOUT_MS the replay runs on
 * the calling thread as before.
 */
import { performance } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import type { RecordBuffer } from '../codec/records/record_buffer.ts';
import { CMD_SEQUENCE_OFFSET } from '../codec/records/command_descriptor.ts';
import type { StateMachine } from '../core/logic/state_machine_api.ts';
import { BatchConsumer, HALTED } from '../core/ring/batch_consumer.ts';
import { Ring } from '../core/ring/ring.ts';
import { createWaitStrategy } from '../core/ring/wait_strategy.ts';
import { spawnWorker } from '../core/spawn_worker.ts';
import type { WalkOutcome, WalkSegment } from './journal_walk.ts';
import { createFeedMemory, FeedControl } from './replay_feed.ts';
import type { ReaderWorkerData } from './replay_reader_worker.ts';

const READER_WORKER_URL = new URL('./replay_reader_worker.ts', import.meta.url);
/** Generous: from source a worker registers the TypeScript loader first (~0.2–1 s under load). */
const READER_START_TIMEOUT_MS = 30_000;
const BATCH_MAX = 256;

/** Where the time of a pipelined replay went: which stage bounds it. */
export interface PipelineReport {
  /** From spawning the reader to its first line of code. */
  readonly readerStartMs: number;
  /** The reader's time reading, checking, copying and looking up; and waiting for ring room. */
  readonly readerBusyMs: number;
  readonly readerWaitMs: number;
  /** The logic thread's time applying (the replay minus its waits for records), and waiting. */
  readonly logicBusyMs: number;
  readonly logicWaitMs: number;
}

export interface ReplayTarget {
  applyRecord(buffer: RecordBuffer, base: number, sequence: number, storedSlot: number): void;
}

/**
 * Replays segments[first..] through `target` with a reader thread; null when the state machine cannot
 * take lookups done ahead or the reader did not start (the caller replays on its own thread then).
 * Throws what the reader threw.
 */
export function replayWithReaderThread(
  sm: StateMachine, target: ReplayTarget, segments: readonly WalkSegment[], first: number, after: number, to: number,
): { outcome: WalkOutcome; report: PipelineReport } | null {
  if (sm.idempotencyWindowState === undefined || sm.setLookupsAhead === undefined || sm.applyLookedUp === undefined) return null;
  const spawned = performance.now();
  const feed = createFeedMemory();
  const data: ReaderWorkerData = {
    feed, first, after, to, window: sm.idempotencyWindowState(),
    segments: segments.map((s) => ({ path: s.path, firstSequence: s.firstSequence })),
  };
  const worker: Worker = spawnWorker(READER_WORKER_URL, { ...data });
  worker.unref();
  // The worker's own errors reach the caller through the control block; this only keeps an 'error'
  // event (a reader that could not even load) from becoming an uncaught exception.
  worker.on('error', () => {});
  const control = new FeedControl(feed.control);
  try {
    if (!control.awaitStart(READER_START_TIMEOUT_MS)) return null;
    const readerStartMs = performance.now() - spawned;
    sm.setLookupsAhead(true);
    const started = performance.now();
    let logicWaitMs = 0;
    try {
      logicWaitMs = drain(feed.ring, feed.hints, target);
    } finally {
      sm.setLookupsAhead(false);
    }
    const logicMs = performance.now() - started;
    const failure = control.failure();
    if (failure !== null) throw Object.assign(new Error(failure.message), failure);
    const times = control.times();
    return {
      outcome: control.outcome(),
      report: { readerStartMs, readerBusyMs: times.busyMs, readerWaitMs: times.waitMs, logicBusyMs: logicMs - logicWaitMs, logicWaitMs },
    };
  } finally {
    void worker.terminate();
  }
}

/** Applies every record the reader feeds until it halts the ring; returns the ms spent waiting for records. */
function drain(ringMemory: SharedArrayBuffer, hintsMemory: SharedArrayBuffer, target: ReplayTarget): number {
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
      count = consumer.waitFor();
      waitMs += performance.now() - waitStarted;
    }
    if (count === HALTED) return waitMs;
    const next = consumer.nextSequence;
    for (let i = 0; i < count; i++) {
      const base = ring.slotBase(next + i);
      target.applyRecord(buffer, base, f64[(base + CMD_SEQUENCE_OFFSET) >>> 3], hints[(next + i) & mask]);
    }
    consumer.release(count);
  }
}
