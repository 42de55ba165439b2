/**
 * Per-stage latency of sampled commands, always on. The main thread owns the stage stamp table
 * (core/stage_stamps_descriptor.ts): it stamps receive (the input chunk's arrival) and claim, then
 * publish; the logic, journaler and replicator threads stamp their columns; when a sampled result is
 * released (its reply written into the connection's output) the row becomes six stage latencies:
 *
 *   publish    received → published        gateway: decode, checks, waiting for the batch's publish
 *   apply      published → applied         input ring hop + business logic (+ output ring publish)
 *   journal    published → journaled       input ring hop + journal write + fdatasync (durability)
 *   replicate  published → replicated      replicator hop + shipping (+ follower ack in sync mode)
 *   reply      last of applied/journaled/replicated → reply written   release gate wake + reply encode
 *   total      received → reply written
 *
 * apply, journal and replicate run in parallel, so they overlap; publish + the slowest of them + reply
 * is total. Commands without a known receive time (re-offered after a full ring, cancel-on-disconnect,
 * a follower's copies) count in the other stages only. Latencies land in half-octave buckets of µs.
 */
import type { PublishStages } from '../core/input_publisher.ts';
import {
  HEADER_ROWS, SAMPLE_EVERY, StampColumn, createStageStampsMemory, firstSampledFrom, isSampled, rowBase,
} from '../core/stage_stamps_descriptor.ts';

export const Stage = { PUBLISH: 0, APPLY: 1, JOURNAL: 2, REPLICATE: 3, REPLY: 4, TOTAL: 5 } as const;
export type Stage = (typeof Stage)[keyof typeof Stage];
/** Label of each stage, indexed by Stage. */
export const STAGE_NAMES: readonly string[] = ['publish', 'apply', 'journal', 'replicate', 'reply', 'total'];
export const STAGE_COUNT = STAGE_NAMES.length;

/**
 * Bucket b counts latencies in [2^(b/2), 2^((b+1)/2)) µs; bucket 0 also those below 1 µs, the last one
 * also those above 2^25.5 µs (~47 s). Half octaves: a percentile read from them is within ±19%.
 */
export const STAGE_BUCKETS = 52;

export function stageBucket(us: number): number {
  if (!(us >= 1)) return 0; // NaN and negatives (clock skew between threads) count as the fastest
  const b = Math.floor(2 * Math.log2(us));
  return b >= STAGE_BUCKETS ? STAGE_BUCKETS - 1 : b;
}

/** Upper bound of bucket b, µs. */
export function stageBucketUpperUs(b: number): number {
  return 2 ** ((b + 1) / 2);
}

export class StageLatency implements PublishStages {
  /** counts[stage * STAGE_BUCKETS + b]. */
  readonly counts = new Float64Array(STAGE_COUNT * STAGE_BUCKETS);
  readonly sumsUs = new Float64Array(STAGE_COUNT);
  /** The table the worker threads stamp (workerData.stageStampsMemory). */
  readonly memory: SharedArrayBuffer;
  private readonly table: Float64Array;
  private readonly rowMask: number;
  /** When the input chunk being decoded arrived (main thread's performance.now()), NaN outside one. */
  private receivedMs = NaN;

  constructor(sequencesInFlightMax: number) {
    this.memory = createStageStampsMemory(sequencesInFlightMax, performance.timeOrigin);
    this.table = new Float64Array(this.memory);
    this.rowMask = this.table[HEADER_ROWS] - 1;
  }

  /** An input chunk arrived: commands claimed until the next publish were received now. */
  received(): void {
    this.receivedMs = performance.now();
  }

  /** `sequence` was claimed; a sampled one gets its row. */
  claimed(sequence: number): void {
    if (!isSampled(sequence)) return;
    const t = this.table;
    const r = rowBase(sequence, this.rowMask);
    t[r + StampColumn.SEQUENCE] = sequence;
    t[r + StampColumn.RECEIVED_MS] = this.receivedMs;
    t[r + StampColumn.PUBLISHED_MS] = NaN;
    t[r + StampColumn.APPLIED_MS] = NaN;
    t[r + StampColumn.JOURNALED_MS] = NaN;
    t[r + StampColumn.REPLICATED_MS] = NaN;
  }

  /** Sequences first..last were published at `nowMs` (before the cursor store that makes them visible). */
  published(first: number, last: number, nowMs: number): void {
    const t = this.table;
    for (let s = firstSampledFrom(first); s <= last; s += SAMPLE_EVERY) t[rowBase(s, this.rowMask) + StampColumn.PUBLISHED_MS] = nowMs;
    this.receivedMs = NaN;
  }

  /** Results first..first+count-1 were written to their connections at `nowMs`. */
  released(first: number, count: number, nowMs: number): void {
    const t = this.table;
    const end = first + count;
    for (let s = firstSampledFrom(first); s < end; s += SAMPLE_EVERY) {
      const r = rowBase(s, this.rowMask);
      const published = t[r + StampColumn.PUBLISHED_MS];
      if (t[r + StampColumn.SEQUENCE] !== s || published !== published) continue; // not claimed here (NaN: never published)
      const applied = t[r + StampColumn.APPLIED_MS];
      const journaled = t[r + StampColumn.JOURNALED_MS];
      const replicated = t[r + StampColumn.REPLICATED_MS];
      let ready = published;
      if (applied === applied) {
        this.record(Stage.APPLY, applied - published);
        if (applied > ready) ready = applied;
      }
      if (journaled === journaled) {
        this.record(Stage.JOURNAL, journaled - published);
        if (journaled > ready) ready = journaled;
      }
      if (replicated === replicated) {
        this.record(Stage.REPLICATE, replicated - published);
        if (replicated > ready) ready = replicated;
      }
      this.record(Stage.REPLY, nowMs - ready);
      const received = t[r + StampColumn.RECEIVED_MS];
      if (received === received) {
        this.record(Stage.PUBLISH, published - received);
        this.record(Stage.TOTAL, nowMs - received);
      }
    }
  }

  /** Samples counted in `stage` so far. */
  samples(stage: Stage): number {
    let n = 0;
    for (let b = 0; b < STAGE_BUCKETS; b++) n += this.counts[stage * STAGE_BUCKETS + b];
    return n;
  }

  private record(stage: Stage, ms: number): void {
    const us = ms * 1000;
    this.counts[stage * STAGE_BUCKETS + stageBucket(us)]++;
    if (us > 0) this.sumsUs[stage] += us;
  }
}
