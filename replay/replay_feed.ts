/**
 * The shared memory between a recovery's reader thread and its logic thread (pipelined_replay.ts):
 *
 *   ring      records copied from the segments (core/ring, one producer, one consumer), checked
 *   hints     Int32 per ring slot: the idempotency lookup done ahead (the stored result's ring slot of
 *             a repeated id, or -1)
 *   control   the reader's state word (booting → started, or abandoned by a logic thread that stopped
 *             waiting for it), how its walk ended (journal_walk.ts WalkOutcome) or the error it
 *             threw, and its own busy and waiting times (the stage figures of the replay bench)
 *
 * The reader writes the outcome before it halts the ring; the logic thread reads it after the ring
 * says HALTED (drained), so every record before the damage is applied before the damage is handled.
 */
import { createRingMemory } from '../core/ring/ring.ts';
import { CMD_MAX_RECORD_BYTES } from '../codec/records/command_descriptor.ts';
import { emptyOutcome, type WalkEnd, type WalkOutcome } from './journal_walk.ts';

/** Ring slots: 4096 × 512 B; the records themselves (~100 B a transfer) touch ~0.5 MiB of it. */
export const FEED_CAPACITY = 4096;
/** The ring's first sequence (ring sequences count records fed, nothing else). */
export const FEED_FIRST_SEQUENCE = 1;

export const ReaderState = { BOOTING: 0, STARTED: 1, ABANDONED: 2 } as const;

const STATE_WORD = 0;
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
const FIELDS = 16;
const TEXT_OFFSET = FIELDS * 8;
const TEXT_MAX_BYTES = 16 * 1024;

export interface FeedMemory {
  readonly ring: SharedArrayBuffer;
  readonly hints: SharedArrayBuffer;
  readonly control: SharedArrayBuffer;
}

export function createFeedMemory(): FeedMemory {
  return {
    ring: createRingMemory({ capacity: FEED_CAPACITY, consumerCount: 1, firstSequence: FEED_FIRST_SEQUENCE, slotBytes: CMD_MAX_RECORD_BYTES }),
    hints: new SharedArrayBuffer(FEED_CAPACITY * 4),
    control: new SharedArrayBuffer(TEXT_OFFSET + TEXT_MAX_BYTES),
  };
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
    const was = Atomics.compareExchange(this.words, STATE_WORD, ReaderState.BOOTING, ReaderState.STARTED);
    Atomics.notify(this.words, STATE_WORD);
    return was === ReaderState.BOOTING;
  }

  /** Logic thread: waits up to timeoutMs for the reader to start; false (and the reader told to stop) when it did not. */
  awaitStart(timeoutMs: number): boolean {
    Atomics.wait(this.words, STATE_WORD, ReaderState.BOOTING, timeoutMs);
    const was = Atomics.compareExchange(this.words, STATE_WORD, ReaderState.BOOTING, ReaderState.ABANDONED);
    return was === ReaderState.STARTED;
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
