/**
 * The shared memory between a recovery's reader thread and its logic thread (pipelined_replay.ts):
 *
 *   ring      records copied from the segments (core/ring, one producer, one consumer), checked
 *   hints     Int32 per ring slot: the idempotency lookup done ahead (the stored result's ring slot of
 *             a repeated id, or -1)
 *   window    the logic's idempotency window (ids, principals) at the hand-over, for the reader's copy
 *   control   the reader's state word (booting → started → go, or abandoned by a logic thread that did
 *             not need it), where to go on (the logic thread walks the journal itself until the reader
 *             has started, then hands the walk over at a frame boundary), how the reader's walk ended
 *             (journal_walk.ts WalkOutcome) or the error it threw, and its own busy and waiting times
 *             (the stage figures of the replay bench)
 *
 * The reader writes the outcome before it halts the ring; the logic thread reads it after the ring
 * says HALTED (drained), so every record before the damage is applied before the damage is handled.
 */
import { currentOsThreadId, osThreadRuns } from '../core/os_thread.ts';
import { createRingMemory } from '../core/ring/ring.ts';
import { CMD_MAX_RECORD_BYTES } from '../codec/records/command_descriptor.ts';
import type { IdempotencyWindowState } from '../core/logic/idempotency.ts';
import { emptyOutcome, type WalkEnd, type WalkOutcome, type WalkResume } from './journal_walk.ts';

/** Ring slots: 4096 × 512 B; the records themselves (~100 B a transfer) touch ~0.5 MiB of it. */
export const FEED_CAPACITY = 4096;
/** The ring's first sequence (ring sequences count records fed, nothing else). */
export const FEED_FIRST_SEQUENCE = 1;

export const ReaderState = { BOOTING: 0, STARTED: 1, ABANDONED: 2, GO: 3 } as const;

const STATE_WORD = 0;
/** Int32 word 1 (the unused half of field 0): the reader's OS thread id, for the logic's liveness check. */
const READER_TID_WORD = 1;
const F_END = 1;
const F_SEGMENT_INDEX = 2;
const F_OFFSET = 3;
const F_LAST_GOOD = 4;
const F_TORN = 5;
const F_EMPTY_NEWEST = 6;
const F_SEGMENTS_READ = 7;
const F_FAILED = 8;
const F_TEXT_BYTES = 9;
const F_BUSY_MS = 10;
const F_WAIT_MS = 11;
const F_RECORDS = 12;
const F_GO_SEGMENT_INDEX = 13;
const F_GO_OFFSET = 14;
const F_GO_LAST_GOOD = 15;
const F_GO_ACCEPTED = 16;
const F_GO_RESUME = 17;
const F_GO_WINDOW_TOTAL = 18;
const FIELDS = 24;
const TEXT_OFFSET = FIELDS * 8;
const TEXT_MAX_BYTES = 16 * 1024;

export interface FeedMemory {
  readonly ring: SharedArrayBuffer;
  readonly hints: SharedArrayBuffer;
  /** `window` ids (f64) then their principals (u32). */
  readonly window: SharedArrayBuffer;
  readonly control: SharedArrayBuffer;
}

/** Where the reader goes on: segment `segmentIndex` from the start, or (resume) from a paused walk. */
export interface FeedStart {
  readonly segmentIndex: number;
  readonly resume: WalkResume | undefined;
}

export function createFeedMemory(window: number): FeedMemory {
  return {
    ring: createRingMemory({ capacity: FEED_CAPACITY, consumerCount: 1, firstSequence: FEED_FIRST_SEQUENCE, slotBytes: CMD_MAX_RECORD_BYTES }),
    hints: new SharedArrayBuffer(FEED_CAPACITY * 4),
    window: new SharedArrayBuffer(window * 12),
    control: new SharedArrayBuffer(TEXT_OFFSET + TEXT_MAX_BYTES),
  };
}

function windowViews(memory: SharedArrayBuffer): { ids: Float64Array; principals: Uint32Array } {
  const window = memory.byteLength / 12;
  return { ids: new Float64Array(memory, 0, window), principals: new Uint32Array(memory, window * 8, window) };
}

/** The reader's error, as the logic thread rethrows it. */
export interface ReaderFailure {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
}

/** The reader's own times: busy (reading, checking, copying, looking up) and waiting for ring room. */
export interface ReaderTimes {
  readonly busyMs: number;
  readonly waitMs: number;
  readonly records: number;
}

/** Typed views over the control block, on either thread. */
export class FeedControl {
  private readonly words: Int32Array;
  private readonly fields: Float64Array;
  private readonly text: Uint8Array;

  constructor(memory: SharedArrayBuffer) {
    this.words = new Int32Array(memory, 0, 2);
    this.fields = new Float64Array(memory, 0, FIELDS);
    this.text = new Uint8Array(memory, TEXT_OFFSET, TEXT_MAX_BYTES);
  }

  /** Reader: claims the start; false when the logic thread has given up on it (it must stop at once). */
  start(): boolean {
    Atomics.store(this.words, READER_TID_WORD, currentOsThreadId());
    const was = Atomics.compareExchange(this.words, STATE_WORD, ReaderState.BOOTING, ReaderState.STARTED);
    Atomics.notify(this.words, STATE_WORD);
    return was === ReaderState.BOOTING;
  }

  /** Logic thread: whether the reader has started (and waits for go). */
  started(): boolean {
    return Atomics.load(this.words, STATE_WORD) === ReaderState.STARTED;
  }

  /**
   * Logic thread, waiting for records: whether the reader's thread has ended (killed, out of memory)
   * without halting the ring. A reader that ends normally halts the ring first.
   */
  readerGone(): boolean {
    return !osThreadRuns(Atomics.load(this.words, READER_TID_WORD));
  }

  /** Logic thread: waits up to timeoutMs for the reader to start; false (and the reader told to stop) when it did not. */
  awaitStart(timeoutMs: number): boolean {
    Atomics.wait(this.words, STATE_WORD, ReaderState.BOOTING, timeoutMs);
    return Atomics.compareExchange(this.words, STATE_WORD, ReaderState.BOOTING, ReaderState.ABANDONED) !== ReaderState.BOOTING;
  }

  /** Logic thread: the reader is not needed (booting or waiting for go, it stops). */
  abandon(): void {
    Atomics.store(this.words, STATE_WORD, ReaderState.ABANDONED);
    Atomics.notify(this.words, STATE_WORD);
  }

  /** Logic thread, once the reader has started: where it goes on, and the window it starts from. */
  go(start: FeedStart, window: IdempotencyWindowState, memory: FeedMemory): void {
    const f = this.fields;
    f[F_GO_SEGMENT_INDEX] = start.segmentIndex;
    f[F_GO_RESUME] = start.resume === undefined ? 0 : 1;
    f[F_GO_OFFSET] = start.resume?.offset ?? 0;
    f[F_GO_LAST_GOOD] = start.resume?.lastGood ?? -1;
    f[F_GO_ACCEPTED] = start.resume?.accepted === true ? 1 : 0;
    f[F_GO_WINDOW_TOTAL] = window.total;
    const views = windowViews(memory.window);
    views.ids.set(window.ids);
    views.principals.set(window.principals);
    Atomics.store(this.words, STATE_WORD, ReaderState.GO); // seq-cst: after the fields above
    Atomics.notify(this.words, STATE_WORD);
  }

  /** Reader, after start(): waits for go; null when abandoned instead. */
  awaitGo(memory: FeedMemory): { start: FeedStart; window: IdempotencyWindowState } | null {
    for (;;) {
      const state = Atomics.load(this.words, STATE_WORD);
      if (state === ReaderState.ABANDONED) return null;
      if (state === ReaderState.GO) break;
      Atomics.wait(this.words, STATE_WORD, state);
    }
    const f = this.fields;
    const resume = f[F_GO_RESUME] === 1
      ? { offset: f[F_GO_OFFSET], lastGood: f[F_GO_LAST_GOOD], accepted: f[F_GO_ACCEPTED] === 1 } : undefined;
    return { start: { segmentIndex: f[F_GO_SEGMENT_INDEX], resume }, window: { ...windowViews(memory.window), total: f[F_GO_WINDOW_TOTAL] } };
  }

  /** Reader, before it halts the ring. */
  writeOutcome(outcome: WalkOutcome, times: ReaderTimes): void {
    const f = this.fields;
    f[F_FAILED] = 0;
    f[F_END] = outcome.end;
    f[F_SEGMENT_INDEX] = outcome.segmentIndex;
    f[F_OFFSET] = outcome.offset;
    f[F_LAST_GOOD] = outcome.lastGood;
    f[F_TORN] = outcome.torn ? 1 : 0;
    f[F_EMPTY_NEWEST] = outcome.emptyNewestSegment ? 1 : 0;
    f[F_SEGMENTS_READ] = outcome.segmentsRead;
    this.writeText(outcome.reason);
    this.writeTimes(times);
  }

  /** Reader, before it halts the ring: the walk threw. */
  writeFailure(failure: ReaderFailure, times: ReaderTimes): void {
    this.fields[F_FAILED] = 1;
    this.writeText(JSON.stringify(failure));
    this.writeTimes(times);
  }

  /** Logic thread, after HALTED: the reader's error, or null when it ended its walk. */
  failure(): ReaderFailure | null {
    return this.fields[F_FAILED] === 1 ? (JSON.parse(this.readText()) as ReaderFailure) : null;
  }

  /** Logic thread, after HALTED (and failure() null). */
  outcome(): WalkOutcome {
    const f = this.fields;
    const outcome = emptyOutcome();
    outcome.end = f[F_END] as WalkEnd;
    outcome.segmentIndex = f[F_SEGMENT_INDEX];
    outcome.offset = f[F_OFFSET];
    outcome.lastGood = f[F_LAST_GOOD];
    outcome.torn = f[F_TORN] === 1;
    outcome.emptyNewestSegment = f[F_EMPTY_NEWEST] === 1;
    outcome.segmentsRead = f[F_SEGMENTS_READ];
    outcome.reason = this.readText();
    return outcome;
  }

  times(): ReaderTimes {
    const f = this.fields;
    return { busyMs: f[F_BUSY_MS], waitMs: f[F_WAIT_MS], records: f[F_RECORDS] };
  }

  private writeTimes(times: ReaderTimes): void {
    const f = this.fields;
    f[F_BUSY_MS] = times.busyMs;
    f[F_WAIT_MS] = times.waitMs;
    f[F_RECORDS] = times.records;
  }

  private writeText(text: string): void {
    const bytes = new TextEncoder().encode(text);
    const length = Math.min(bytes.length, TEXT_MAX_BYTES);
    this.text.set(bytes.subarray(0, length));
    this.fields[F_TEXT_BYTES] = length;
  }

  private readText(): string {
    return new TextDecoder().decode(this.text.slice(0, this.fields[F_TEXT_BYTES]));
  }
}
