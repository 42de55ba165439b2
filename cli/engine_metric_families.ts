/**
 * The engine's Prometheus families, read at scrape time from what engine.metrics() and
 * engine.histograms() return (shared memory the worker threads write without allocating).
 * Threads are a `thread` label, never part of a name; durations are seconds; counters end in _total.
 * A value that does not exist yet (a replica that acknowledged nothing, a snapshot never taken) is
 * left out, never written as a placeholder.
 */
import type { EngineHistograms, EngineMetrics, Log2HistogramView } from '../engine/engine_metrics.ts';
import { histogramSamples, log2HistogramSamples, type MetricSample } from '../gateway/collected_metric.ts';
import { STAGE_BUCKETS, STAGE_NAMES, Stage, stageBucketUpperUs } from '../engine/stage_latency.ts';
import type { MetricsRegistry } from '../gateway/metrics_registry.ts';

export interface EngineMetricsSource {
  metrics(): EngineMetrics;
  histograms(): EngineHistograms;
}

export interface EngineFamilyOptions {
  readonly durability: string;
}

/** Log2 µs buckets shown with their own `le`: 2 µs .. 2^25 µs (~34 s); the rest count in +Inf. */
const LATENCY_BUCKETS_SHOWN = 25;
const US = 1e-6;
const MS = 1e-3;

export function addEngineFamilies(registry: MetricsRegistry, engine: EngineMetricsSource, options: EngineFamilyOptions): void {
  const one = (value: number): MetricSample[] => [{ value }];
  const log2 = (name: string, view: Log2HistogramView, shown: number, scale: number): MetricSample[] =>
    log2HistogramSamples(name, view.memory, view.start, view.buckets, shown, scale, view.sum * scale);

  registry.add({
    name: 'ringline_engine_info', type: 'gauge', help: 'Always 1; the labels say how this engine runs',
    collect: () => {
      const m = engine.metrics();
      return [{ labels: { durability: options.durability, wait_strategy: m.waitStrategy, replication: m.replication?.mode ?? 'off' }, value: 1 }];
    },
  });
  registry.add({
    name: 'ringline_sequence', type: 'gauge', help: 'Last sequence each stage has reached (published, applied, durable, replicated, released)',
    collect: () => {
      const { sequences: s, replication: r } = engine.metrics();
      const out: MetricSample[] = [
        { labels: { stage: 'published' }, value: s.published }, { labels: { stage: 'applied' }, value: s.applied },
        { labels: { stage: 'durable' }, value: s.durable }, { labels: { stage: 'released' }, value: s.released },
      ];
      if (r !== null) {
        out.push({ labels: { stage: 'replicated' }, value: s.replicated }, { labels: { stage: 'shipped' }, value: r.shippedSequence });
        if (r.ackedSequence >= 0) out.push({ labels: { stage: 'replica_acknowledged' }, value: r.ackedSequence });
      }
      return out;
    },
  });
  registry.add({
    name: 'ringline_ring_lag_records', type: 'gauge', help: 'Records waiting in a ring: input (published, not yet taken by every consumer), output (produced, not yet released)',
    collect: () => {
      const m = engine.metrics();
      return [{ labels: { ring: 'input' }, value: m.inputRingLag }, { labels: { ring: 'output' }, value: m.outputRingLag }];
    },
  });
  registry.add({ name: 'ringline_ring_capacity_slots', type: 'gauge', help: 'Slots in the input ring (the output ring has as many)', collect: () => one(engine.metrics().ringCapacity) });
  registry.add({
    name: 'ringline_gc_events_total', type: 'counter', help: 'Garbage collections, by thread',
    collect: () => gcSamples(engine.metrics(), 'events'),
  });
  registry.add({
    name: 'ringline_gc_pause_seconds_total', type: 'counter', help: 'Time spent in garbage collection, by thread',
    collect: () => gcSamples(engine.metrics(), 'pause'),
  });
  registry.add({ name: 'ringline_commands_applied_total', type: 'counter', help: 'Commands the business logic applied', collect: () => one(engine.metrics().logic.commandsApplied) });
  registry.add({ name: 'ringline_apply_batches_total', type: 'counter', help: 'Batches the business logic took from the input ring', collect: () => one(engine.metrics().logic.batches) });
  registry.add({ name: 'ringline_snapshots_total', type: 'counter', help: 'Snapshots taken by the business logic', collect: () => one(engine.metrics().logic.snapshots) });
  registry.add({
    name: 'ringline_snapshot_pause_seconds', type: 'gauge', help: 'How long taking a snapshot paused the business logic: the last and the longest (absent before the first snapshot)',
    collect: () => {
      const l = engine.metrics().logic;
      return l.snapshots === 0 ? [] : [{ labels: { which: 'last' }, value: l.snapshotPauseUsLast * US }, { labels: { which: 'max' }, value: l.snapshotPauseUsMax * US }];
    },
  });
  registry.add({
    name: 'ringline_storage_available', type: 'gauge', help: 'Whether the journal takes writes: 0 while writes are refused with STORAGE_UNAVAILABLE (disk full, I/O error), labelled by the fault',
    collect: () => {
      const st = engine.metrics().storage;
      return [{ labels: { fault: st.fault === '' ? 'none' : st.fault }, value: st.available }];
    },
  });
  registry.add({ name: 'ringline_storage_faults_total', type: 'counter', help: 'Times storage became unavailable', collect: () => one(engine.metrics().storage.faults) });
  registry.add({ name: 'ringline_storage_retries_total', type: 'counter', help: 'Journal writes retried while storage was unavailable', collect: () => one(engine.metrics().storage.retries) });
  registry.add({
    name: 'ringline_storage_unavailable_since_seconds', type: 'gauge', help: 'Unix time storage became unavailable (absent while it is available)',
    collect: () => {
      const since = engine.metrics().storage.unavailableSinceMs;
      return since === 0 ? [] : [{ value: since * MS }];
    },
  });
  registry.add({ name: 'ringline_journal_records_total', type: 'counter', help: 'Records written to the journal', collect: () => one(engine.metrics().journal.recordsWritten) });
  registry.add({ name: 'ringline_journal_written_bytes_total', type: 'counter', help: 'Bytes written to journal segments (frames and headers)', collect: () => one(engine.metrics().journal.bytesWritten) });
  registry.add({ name: 'ringline_journal_segments_created_total', type: 'counter', help: 'Journal segment files created', collect: () => one(engine.metrics().journal.segmentsOpened) });
  registry.add({
    name: 'ringline_journal_fsync_seconds', type: 'histogram', help: 'fdatasync time of each journal group commit (log2 buckets)',
    collect: () => log2('ringline_journal_fsync_seconds', engine.histograms().fsyncUs, LATENCY_BUCKETS_SHOWN, US),
  });
  registry.add({
    name: 'ringline_journal_batch_records', type: 'histogram', help: 'Records per journal batch, i.e. per group commit (log2 buckets)',
    collect: () => log2('ringline_journal_batch_records', engine.histograms().journalBatchRecords, 16, 1),
  });
  registry.add({
    name: 'ringline_command_latency_seconds', type: 'histogram',
    help: 'From publishing a command into the input ring to releasing its result once durable (and replicated in sync mode); log2 buckets',
    collect: () => log2('ringline_command_latency_seconds', engine.histograms().commandLatencyUs, LATENCY_BUCKETS_SHOWN, US),
  });
  registry.add({
    name: 'ringline_stage_latency_seconds', type: 'histogram',
    help: 'Where a sampled command (1 in 64) spends its time, by stage: publish = received to published into the input ring; '
      + 'apply / journal / replicate = published to applied / durable / replicated (in parallel); reply = the last of those to its reply '
      + 'written; total = received to reply written. Half-octave buckets',
    collect: () => stageSamples(engine.histograms().stages),
  });
  addReplicationFamilies(registry, engine);
}

/** Stage bucket bounds in seconds (the last bucket counts in +Inf). */
const STAGE_BOUNDS_S: readonly number[] = Array.from({ length: STAGE_BUCKETS - 1 }, (_, b) => stageBucketUpperUs(b) * US);

function stageSamples(stages: EngineHistograms['stages']): MetricSample[] {
  const out: MetricSample[] = [];
  for (let stage = 0; stage < STAGE_NAMES.length; stage++) {
    const counts = stages.counts.subarray(stage * STAGE_BUCKETS, (stage + 1) * STAGE_BUCKETS);
    // Without replication the replicate stage never counts: leave it out rather than show an empty series.
    if (stage === Stage.REPLICATE && counts.every((c) => c === 0)) continue;
    out.push(...histogramSamples('ringline_stage_latency_seconds', STAGE_BOUNDS_S, counts, stages.sumsUs[stage] * US, { stage: STAGE_NAMES[stage] }));
  }
  return out;
}

function gcSamples(m: EngineMetrics, what: 'events' | 'pause'): MetricSample[] {
  const threads = ['main', 'logic', 'journaler'] as const;
  const out: MetricSample[] = threads.map((thread) => ({
    labels: { thread }, value: what === 'events' ? m.gcEvents[thread] : m.gcPauseMs[thread] * MS,
  }));
  // The replicator counts its collections in its count only (no pause time): shown under events.
  if (m.replication !== null && what === 'events') out.push({ labels: { thread: 'replicator' }, value: m.replication.gcEvents });
  return out;
}

/** Families of the primary's replicator; they collect nothing without replication. */
function addReplicationFamilies(registry: MetricsRegistry, engine: EngineMetricsSource): void {
  const when = (read: (r: NonNullable<EngineMetrics['replication']>) => number | null): (() => MetricSample[]) => () => {
    const r = engine.metrics().replication;
    const value = r === null ? null : read(r);
    return value === null ? [] : [{ value }];
  };
  registry.add({ name: 'ringline_replication_followers_connected', type: 'gauge', help: 'Followers connected to this primary', collect: when((r) => r.followersConnected) });
  registry.add({ name: 'ringline_replication_lag_records', type: 'gauge', help: 'Published minus the sequence the followers a sync release waits for acknowledged', collect: when((r) => r.lagSequences) });
  registry.add({
    name: 'ringline_replication_lag_seconds', type: 'gauge', help: 'Intended-to-acknowledged time of the last acknowledged live batch (absent before the first acknowledgement)',
    collect: when((r) => (r.ackedSequence < 0 ? null : r.lagUsLast * US)),
  });
  registry.add({ name: 'ringline_replication_acks_total', type: 'counter', help: 'Acknowledgements (durable up to a sequence) received from followers', collect: when((r) => r.acksReceived) });
  registry.add({ name: 'ringline_replication_ack_followers', type: 'gauge', help: 'Followers whose acknowledgement a sync release waits for (cluster: floor(clusterSize / 2))', collect: when((r) => r.ackFollowers) });
  registry.add({ name: 'ringline_replication_epoch', type: 'gauge', help: 'This primary\'s epoch (fencing token)', collect: when((r) => r.epoch) });
  registry.add({ name: 'ringline_replication_no_follower', type: 'gauge', help: '1 while sync replication has fewer followers connected than a release waits for', collect: when((r) => r.noFollower) });
  registry.add({ name: 'ringline_replication_degraded', type: 'gauge', help: '1 while sync replication releases results without a follower (noFollower: degrade)', collect: when((r) => r.degraded) });
  registry.add({ name: 'ringline_replication_newer_epoch_seen', type: 'gauge', help: '1 once a follower announced a newer epoch (this primary is stale)', collect: when((r) => r.newerEpochSeen) });
  registry.add({ name: 'ringline_replication_sent_bytes_total', type: 'counter', help: 'Bytes shipped to followers', collect: when((r) => r.bytesSent) });
  registry.add({
    name: 'ringline_replication_follower_lag_records', type: 'gauge',
    help: 'Each connected follower: published minus the sequence it acknowledged as durable (as the replicator reported it, every 250 ms)',
    collect: () => (engine.metrics().replication?.followers ?? []).map((f) => ({ labels: { follower: f.name }, value: f.lagSequences })),
  });
  registry.add({
    name: 'ringline_replication_follower_acked_sequence', type: 'gauge', help: 'Each connected follower: the highest sequence it acknowledged as durable (-1: none yet)',
    collect: () => (engine.metrics().replication?.followers ?? []).map((f) => ({ labels: { follower: f.name }, value: f.ackedSequence })),
  });
  registry.add({ name: 'ringline_replication_catchup_frames_total', type: 'counter', help: 'Catch-up frames shipped to followers from the journal', collect: when((r) => r.catchupFrames) });
}
