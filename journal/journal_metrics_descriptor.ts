/**
 * Journal counters in a small SharedArrayBuffer: written only by the journaler thread, read by
 * anyone (the gateway's /metrics, benches, tests) without locks. Each field is a float64 slot holding
 * an integer; a reader may see a value one batch old, never a torn one (aligned 8-byte stores).
 *
 *   slot  field
 *      0  durabilityMode        0 fsync, 1 batch, 2 none (DURABILITY_CODES)
 *      1  state                 0 starting, 1 running, 2 stopped, 3 failed (JournalerState)
 *      2  batches               batches written (one write call each, or more if over the buffer)
 *      3  records               records journaled
 *      4  bytesWritten          frame and header bytes handed to write()
 *      5  fsyncCount            fdatasync calls
 *      6  fsyncTotalUs          their summed latency, µs
 *      7  fsyncMaxUs            the slowest, µs
 *      8  fsyncLastUs           the latest, µs
 *      9  durableSequence       last sequence released (durable in fsync mode), -1 before the journaler starts, then
 *                               firstSequence - 1 (0, the empty state, for a new engine) until the first record
 *     10  segmentsCreated
 *     11  batchRecordsMax       the largest batch seen
 *  16..47 fsyncUsLog2[32]       fsyncs with latency in [2^b, 2^(b+1)) µs (bucket 0 also holds < 1 µs)
 *  48..63 batchRecordsLog2[16]  batches with a record count in [2^b, 2^(b+1))
 */
import { layoutAssertion } from '../codec/layout_assertion.ts';
export const JM_DURABILITY_MODE = 0;
export const JM_STATE = 1;
export const JM_BATCHES = 2;
export const JM_RECORDS = 3;
export const JM_BYTES_WRITTEN = 4;
export const JM_FSYNC_COUNT = 5;
export const JM_FSYNC_TOTAL_US = 6;
export const JM_FSYNC_MAX_US = 7;
export const JM_FSYNC_LAST_US = 8;
export const JM_DURABLE_SEQUENCE = 9;
export const JM_SEGMENTS_CREATED = 10;
export const JM_BATCH_RECORDS_MAX = 11;
export const JM_FSYNC_US_LOG2 = 16;
export const JM_FSYNC_BUCKETS = 32;
export const JM_BATCH_RECORDS_LOG2 = 48;
export const JM_BATCH_BUCKETS = 16;
export const JM_SLOTS = 64;
export const JOURNAL_METRICS_BYTES = JM_SLOTS * 8;

export const DURABILITY_CODES = { fsync: 0, batch: 1, none: 2 } as const;
export const JournalerState = { STARTING: 0, RUNNING: 1, STOPPED: 2, FAILED: 3 } as const;

export function createJournalMetricsMemory(): SharedArrayBuffer {
  const memory = new SharedArrayBuffer(JOURNAL_METRICS_BYTES);
  new Float64Array(memory)[JM_DURABLE_SEQUENCE] = -1;
  return memory;
}

/** floor(log2(value)) clamped to [0, buckets - 1], without allocating. */
export function log2Bucket(value: number, buckets: number): number {
  if (value < 2) return 0;
  const b = 31 - Math.clz32(value > 0x7fffffff ? 0x7fffffff : value);
  return b < buckets ? b : buckets - 1;
}

/** Approximate percentile (upper bound of the bucket holding it) from a log2 histogram, µs. */
export function log2Percentile(metrics: Float64Array, start: number, buckets: number, quantile: number): number {
  let total = 0;
  for (let b = 0; b < buckets; b++) total += metrics[start + b];
  if (total === 0) return 0;
  const rank = Math.ceil(total * quantile);
  let seen = 0;
  for (let b = 0; b < buckets; b++) {
    seen += metrics[start + b];
    if (seen >= rank) return 2 ** (b + 1);
  }
  return 2 ** buckets;
}

const assertLayout = layoutAssertion('journal metrics layout');
assertLayout(JM_BATCH_RECORDS_MAX < JM_FSYNC_US_LOG2, 'scalars must come before the histograms');
assertLayout(JM_FSYNC_US_LOG2 + JM_FSYNC_BUCKETS <= JM_BATCH_RECORDS_LOG2, 'histograms must not overlap');
assertLayout(JM_BATCH_RECORDS_LOG2 + JM_BATCH_BUCKETS <= JM_SLOTS, 'histograms must fit');
