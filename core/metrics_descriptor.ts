/**
 * Shared metrics counters: one SharedArrayBuffer of float64 slots that the engine's threads update and
 * the main thread reads for `engine.metrics()` and `GET /metrics`. Each thread owns one 128-byte line
 * (16 slots) and is its only writer, so no two threads ever write the same cache line.
 *
 *   byte   line  owner        slots (index within the line)
 *   0      0     logic        0 gcEvents  1 gcPauseMs  2 commandsApplied  3 batches  4 snapshots
 *                             5 snapshotPauseUsLast  6 snapshotPauseUsMax
 *   128    1     journaler    0 gcEvents  1 gcPauseMs  2 recordsWritten  3 bytesWritten  4 fsyncCount
 *                             5 fsyncUsTotal  6 fsyncUsLast  7 fsyncUsMax  8 segmentsOpened
 *                             9 storageFault (0 = writable, else STORAGE_FAULT_CODES index + 1)
 *                             10 storageFaults (times storage became unavailable)  11 storageRetries
 *                             12 storageUnavailableSinceMs (epoch ms, 0 when writable)
 *   256    2     replicator   0 gcEvents  1 gcPauseMs  2 followersConnected  3 ackedSequence  4 shippedSequence
 *                             5 epoch  6 syncMode  7 noFollower  8 degraded  9 lagUsLast  10 bytesSent
 *                             11 catchupFrames  12 newerEpochSeen  13 membershipRefused  14 acksReceived
 *                             15 ackFollowers (followers a sync release waits for)
 *   384    3     main         0 gcEvents  1 gcPauseMs  2 resultsReleased  3 outputWakeups  4 durableWakeups
 *
 * Writers use plain float64 stores (no Atomics: there is no atomic float64). These are advisory
 * counters: an aligned 8-byte store is not torn on the platforms Node runs on, and a reader seeing a
 * slightly stale value is fine. Integers stay exact up to 2^53.
 */
import { layoutAssertion } from '../codec/layout_assertion.ts';

export const METRICS_LINE_BYTES = 128;
export const METRICS_SLOTS_PER_LINE = METRICS_LINE_BYTES / 8;

export const MetricsLine = { LOGIC: 0, JOURNALER: 1, REPLICATOR: 2, MAIN: 3 } as const;
export type MetricsLine = (typeof MetricsLine)[keyof typeof MetricsLine];
export const METRICS_LINE_COUNT = 4;
export const METRICS_BYTES = METRICS_LINE_BYTES * METRICS_LINE_COUNT;

/** Slots every thread's line starts with. */
export const ThreadSlot = { GC_EVENTS: 0, GC_PAUSE_MS: 1 } as const;
export const LogicSlot = {
  ...ThreadSlot, COMMANDS_APPLIED: 2, BATCHES: 3, SNAPSHOTS: 4, SNAPSHOT_PAUSE_US_LAST: 5, SNAPSHOT_PAUSE_US_MAX: 6,
} as const;
export const JournalerSlot = {
  ...ThreadSlot, RECORDS_WRITTEN: 2, BYTES_WRITTEN: 3, FSYNC_COUNT: 4, FSYNC_US_TOTAL: 5, FSYNC_US_LAST: 6,
  FSYNC_US_MAX: 7, SEGMENTS_OPENED: 8, STORAGE_FAULT: 9, STORAGE_FAULTS: 10, STORAGE_RETRIES: 11,
  STORAGE_UNAVAILABLE_SINCE_MS: 12,
} as const;
export const ReplicatorSlot = {
  ...ThreadSlot, FOLLOWERS_CONNECTED: 2, ACKED_SEQUENCE: 3, SHIPPED_SEQUENCE: 4, EPOCH: 5, SYNC_MODE: 6, NO_FOLLOWER: 7,
  DEGRADED: 8, LAG_US_LAST: 9, BYTES_SENT: 10, CATCHUP_FRAMES: 11, NEWER_EPOCH_SEEN: 12, MEMBERSHIP_REFUSED: 13,
  ACKS_RECEIVED: 14, ACK_FOLLOWERS: 15,
} as const;
export const MainSlot = { ...ThreadSlot, RESULTS_RELEASED: 2, OUTPUT_WAKEUPS: 3, DURABLE_WAKEUPS: 4 } as const;

/** Float64 index of `slot` in `line`: `metrics[metricsIndex(MetricsLine.JOURNALER, JournalerSlot.FSYNC_COUNT)]++`. */
export function metricsIndex(line: MetricsLine, slot: number): number {
  return line * METRICS_SLOTS_PER_LINE + slot;
}

export function createMetricsMemory(): SharedArrayBuffer {
  return new SharedArrayBuffer(METRICS_BYTES);
}

// ---- load-time checks -------------------------------------------------------------------------------
const assertLayout = layoutAssertion('metrics layout');
for (const slots of [LogicSlot, JournalerSlot, ReplicatorSlot, MainSlot]) {
  for (const slot of Object.values(slots)) assertLayout(slot >= 0 && slot < METRICS_SLOTS_PER_LINE, 'slot must fit its line');
}
assertLayout(METRICS_LINE_BYTES >= 128, 'each thread needs its own two cache lines');
