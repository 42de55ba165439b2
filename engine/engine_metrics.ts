/**
 * The engine's counters as one object: sequences and lags from the rings, the rest from the shared
 * metrics lines each thread writes (core/metrics_descriptor.ts).
 */
import type { FollowerProgress } from '../core/engine_worker_protocol.ts';
import { storageFaultName } from '../journal/storage_fault.ts';
import type { EngineSequences } from '../core/engine_api.ts';
import { JournalerSlot, LogicSlot, MainSlot, MetricsLine, ReplicatorSlot, metricsIndex } from '../core/metrics_descriptor.ts';
import {
  JM_BATCH_BUCKETS, JM_BATCH_RECORDS_LOG2, JM_FSYNC_BUCKETS, JM_FSYNC_TOTAL_US, JM_FSYNC_US_LOG2, JM_RECORDS,
} from '../journal/journal_metrics_descriptor.ts';
import { COMMAND_LATENCY_BUCKETS, type CommandLatency } from './command_latency.ts';
import type { StageLatency } from './stage_latency.ts';

export interface EngineMetrics {
  readonly sequences: EngineSequences;
  /** Published minus the slowest input consumer: records waiting in the input ring. */
  readonly inputRingLag: number;
  /** Results produced but not yet released to the gateway. */
  readonly outputRingLag: number;
  readonly gcEvents: { readonly main: number; readonly logic: number; readonly journaler: number };
  readonly gcPauseMs: { readonly main: number; readonly logic: number; readonly journaler: number };
  readonly logic: {
    readonly commandsApplied: number; readonly batches: number; readonly snapshots: number;
    readonly snapshotPauseUsLast: number; readonly snapshotPauseUsMax: number;
  };
  readonly journal: {
    readonly recordsWritten: number; readonly bytesWritten: number; readonly fsyncCount: number;
    readonly fsyncUsTotal: number; readonly fsyncUsLast: number; readonly fsyncUsMax: number;
    readonly segmentsOpened: number;
  };
  readonly waitStrategy: string;
  readonly ringCapacity: number;
  /** The replicator's counters (replication/replicator.ts), or null without replication. */
  readonly replication: ReplicationMetrics | null;
  /** Storage state (journal/storage_fault.ts): available 0 while writes are refused for a storage fault. */
  readonly storage: {
    readonly available: number; readonly fault: string; readonly faults: number; readonly retries: number;
    readonly unavailableSinceMs: number;
  };
}

export interface ReplicationMetrics {
  readonly mode: 'sync' | 'async';
  readonly followersConnected: number;
  /**
   * Each follower: its acknowledged sequence as the replicator last reported it (every 250 ms) and
   * published minus that, now (a follower that acknowledged nothing yet lags by everything).
   */
  readonly followers: readonly (FollowerProgress & { readonly lagSequences: number })[];
  /**
   * Highest sequence that `ackFollowers` followers acknowledged as durable in their journals (-1: none
   * yet): in sync mode what may be released (with one follower required: the best follower's).
   */
  readonly ackedSequence: number;
  /** Published minus acknowledged: how far the followers a release waits for are behind, in sequences. */
  readonly lagSequences: number;
  /** Intended-to-acknowledged time of the last acknowledged live batch, µs. */
  readonly lagUsLast: number;
  readonly shippedSequence: number;
  readonly epoch: number;
  /** 1 when sync mode has fewer followers connected than it waits for (results wait, or are released unreplicated if degraded). */
  readonly noFollower: number;
  /** 1 while sync mode releases results without a follower (noFollower: 'degrade'). */
  readonly degraded: number;
  /** A follower announced an epoch newer than ours (we are a stale primary), else 0. */
  readonly newerEpochSeen: number;
  /** Connections closed because the peer did not prove membership of the cluster (wrong or no secret, too slow). */
  readonly membershipRefused: number;
  /** ACK messages received from followers (each says: durable up to a sequence). */
  readonly acksReceived: number;
  /** Sync mode: followers whose acknowledgement a release waits for (0 in async mode). */
  readonly ackFollowers: number;
  readonly bytesSent: number;
  readonly catchupFrames: number;
  readonly gcEvents: number;
}

/**
 * A log2 histogram as it sits in memory: `memory[start + b]` counts values in [2^b, 2^(b+1)) units
 * (bucket 0 also below 2), `sum` is their total in the same unit. Read at scrape time, never copied.
 */
export interface Log2HistogramView {
  readonly memory: Float64Array;
  readonly start: number;
  readonly buckets: number;
  readonly sum: number;
}

export interface EngineHistograms {
  /** fdatasync latency of each journal batch, µs (journaler thread, shared memory). */
  readonly fsyncUs: Log2HistogramView;
  /** Records per journal batch (= per group commit). */
  readonly journalBatchRecords: Log2HistogramView;
  /** Publish into the input ring → result released (durable), µs (main thread). */
  readonly commandLatencyUs: Log2HistogramView;
  /** Per-stage latency of sampled commands (stage_latency.ts): half-octave µs buckets per stage. */
  readonly stages: { readonly counts: Float64Array; readonly sumsUs: Float64Array };
}

export function engineHistograms(journal: Float64Array, latency: CommandLatency, stages: StageLatency): EngineHistograms {
  return {
    stages: { counts: stages.counts, sumsUs: stages.sumsUs },
    fsyncUs: { memory: journal, start: JM_FSYNC_US_LOG2, buckets: JM_FSYNC_BUCKETS, sum: journal[JM_FSYNC_TOTAL_US] },
    journalBatchRecords: { memory: journal, start: JM_BATCH_RECORDS_LOG2, buckets: JM_BATCH_BUCKETS, sum: journal[JM_RECORDS] },
    commandLatencyUs: { memory: latency.bucketsUs, start: 0, buckets: COMMAND_LATENCY_BUCKETS, sum: latency.sumUs },
  };
}

export interface EngineShape {
  readonly waitStrategy: string;
  readonly ringCapacity: number;
  readonly replicationMode: 'sync' | 'async' | null;
}

/** Reads every counter; `outputPublished` is the output ring's last published sequence. */
export function readEngineMetrics(m: Float64Array, s: EngineSequences, outputPublished: number, shape: EngineShape,
  followers: readonly FollowerProgress[] = []): EngineMetrics {
  const logic = (slot: number): number => m[metricsIndex(MetricsLine.LOGIC, slot)];
  const journal = (slot: number): number => m[metricsIndex(MetricsLine.JOURNALER, slot)];
  const main = (slot: number): number => m[metricsIndex(MetricsLine.MAIN, slot)];
  return {
    sequences: s,
    inputRingLag: s.published - Math.min(s.applied, s.durable, s.replicated < 0 ? s.durable : s.replicated),
    outputRingLag: outputPublished - s.released,
    gcEvents: { main: main(MainSlot.GC_EVENTS), logic: logic(LogicSlot.GC_EVENTS), journaler: journal(JournalerSlot.GC_EVENTS) },
    gcPauseMs: { main: main(MainSlot.GC_PAUSE_MS), logic: logic(LogicSlot.GC_PAUSE_MS), journaler: journal(JournalerSlot.GC_PAUSE_MS) },
    logic: {
      commandsApplied: logic(LogicSlot.COMMANDS_APPLIED), batches: logic(LogicSlot.BATCHES),
      snapshots: logic(LogicSlot.SNAPSHOTS), snapshotPauseUsLast: logic(LogicSlot.SNAPSHOT_PAUSE_US_LAST),
      snapshotPauseUsMax: logic(LogicSlot.SNAPSHOT_PAUSE_US_MAX),
    },
    journal: {
      recordsWritten: journal(JournalerSlot.RECORDS_WRITTEN), bytesWritten: journal(JournalerSlot.BYTES_WRITTEN),
      fsyncCount: journal(JournalerSlot.FSYNC_COUNT), fsyncUsTotal: journal(JournalerSlot.FSYNC_US_TOTAL),
      fsyncUsLast: journal(JournalerSlot.FSYNC_US_LAST), fsyncUsMax: journal(JournalerSlot.FSYNC_US_MAX),
      segmentsOpened: journal(JournalerSlot.SEGMENTS_OPENED),
    },
    waitStrategy: shape.waitStrategy,
    ringCapacity: shape.ringCapacity,
    replication: shape.replicationMode === null ? null : readReplicationMetrics(m, s.published, shape.replicationMode, followers),
    storage: {
      available: journal(JournalerSlot.STORAGE_FAULT) === 0 ? 1 : 0, fault: storageFaultName(journal(JournalerSlot.STORAGE_FAULT)),
      faults: journal(JournalerSlot.STORAGE_FAULTS), retries: journal(JournalerSlot.STORAGE_RETRIES),
      unavailableSinceMs: journal(JournalerSlot.STORAGE_UNAVAILABLE_SINCE_MS),
    },
  };
}

function readReplicationMetrics(m: Float64Array, published: number, mode: 'sync' | 'async', followers: readonly FollowerProgress[]): ReplicationMetrics {
  const r = (slot: number): number => m[metricsIndex(MetricsLine.REPLICATOR, slot)];
  const acked = r(ReplicatorSlot.ACKED_SEQUENCE);
  return {
    mode,
    followersConnected: r(ReplicatorSlot.FOLLOWERS_CONNECTED),
    followers: followers.map((f) => ({ ...f, lagSequences: f.ackedSequence < 0 ? published + 1 : Math.max(0, published - f.ackedSequence) })),
    ackedSequence: acked,
    lagSequences: Math.max(0, published - acked),
    lagUsLast: r(ReplicatorSlot.LAG_US_LAST),
    shippedSequence: r(ReplicatorSlot.SHIPPED_SEQUENCE),
    epoch: r(ReplicatorSlot.EPOCH),
    noFollower: r(ReplicatorSlot.NO_FOLLOWER),
    degraded: r(ReplicatorSlot.DEGRADED),
    newerEpochSeen: r(ReplicatorSlot.NEWER_EPOCH_SEEN),
    membershipRefused: r(ReplicatorSlot.MEMBERSHIP_REFUSED),
    acksReceived: r(ReplicatorSlot.ACKS_RECEIVED),
    ackFollowers: r(ReplicatorSlot.ACK_FOLLOWERS),
    bytesSent: r(ReplicatorSlot.BYTES_SENT),
    catchupFrames: r(ReplicatorSlot.CATCHUP_FRAMES),
    gcEvents: r(ReplicatorSlot.GC_EVENTS),
  };
}
