/**
 * journal: the journaler's group commit, in each durability mode.
 *
 *   main thread (producer) ──► INPUT RING (SAB) ──► journaler worker ──► segment files
 *   claims up to 256 slots,                          one write + (fsync mode) one fdatasync per batch,
 *   stamps sequences, publishes                      then releases the batch (= durable sequence)
 *
 * Every slot holds a real 80-byte TRANSFER record (88 bytes framed); the producer only stamps the
 * sequence, so the figure is the journaler's, not the producer's. Throughput = records made durable
 * per second from the first publish until the journaler's sequence reaches the last record. The
 * latency columns are fdatasync latencies (null in none mode). Check: the segments are read back,
 * every frame's CRC and the contiguous sequences verified; a missing or bad record is an error.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CMD_SEQUENCE_OFFSET, CommandType } from '../../codec/records/command_descriptor.ts';
import { writeCommand } from '../../core/logic/command_writer.ts';
import { Ring, createRingMemory } from '../../core/ring/ring.ts';
import { SingleProducerSequencer } from '../../core/ring/single_producer_sequencer.ts';
import { createWaitStrategy } from '../../core/ring/wait_strategy.ts';
import { spawnWorker } from '../../core/spawn_worker.ts';
import { FrameStatus, SegmentReader } from '../../journal/segment_reader.ts';
import { listSegments } from '../../journal/segment_files.ts';
import {
  createJournalMetricsMemory, JM_BATCHES, JM_BATCH_RECORDS_MAX, JM_FSYNC_COUNT, JM_RECORDS,
} from '../../journal/journal_metrics_descriptor.ts';
import { validateJournalOptions, type Durability } from '../../journal/journal_options.ts';
import type { JournalBenchReply } from '../../journal/bench/journal_bench_worker.ts';
import { LatencyHistogram } from '../histogram.ts';
import { median } from '../median.ts';
import { nowNs, perSecond } from '../clock.ts';
import type { ResultRow, ScenarioOptions, ScenarioRun } from '../result_row.ts';

const RING_CAPACITY = 32_768;
const BATCH_MAX = 8192;
const PUBLISH_BATCH = 256;
const WORKER_URL = new URL('../../journal/bench/journal_bench_worker.ts', import.meta.url);

interface RunResult {
  readonly perSecond: number;
  readonly fsyncHistogram: LatencyHistogram;
  readonly fsyncCount: number;
  readonly batches: number;
  readonly batchRecordsMax: number;
  readonly errors: number;
}

async function runOnce(durability: Durability, records: number): Promise<RunResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ringline-bench-journal-'));
  try {
    const ringMemory = createRingMemory({ capacity: RING_CAPACITY, consumerCount: 1, firstSequence: 0 });
    const ring = new Ring(ringMemory);
    // Fill every slot with a transfer record once; the producer then only stamps sequences.
    for (let slot = 0; slot < RING_CAPACITY; slot++) {
      writeCommand(ring.buffer, ring.slotBase(slot), { sequence: slot, principalId: 7, correlationId: slot },
        { kind: 'transfer', fromAccountId: 1 + (slot % 100), toAccountId: 2 + (slot % 100), assetId: 1, amount: 1 + slot });
    }
    const journalMetricsMemory = createJournalMetricsMemory();
    const metrics = new Float64Array(journalMetricsMemory);
    const worker = spawnWorker(WORKER_URL, {
      ringMemory, journalMetricsMemory, waitStrategy: 'spin_park', batchMax: BATCH_MAX,
      journal: validateJournalOptions({ dataDir, durability, batchIntervalMs: 5 }),
    });
    const reply = new Promise<JournalBenchReply>((resolve, reject) => {
      worker.on('message', (m: { type?: string } & Partial<JournalBenchReply>) => {
        if (m.fsyncHistogram !== undefined) resolve(m as JournalBenchReply);
      });
      worker.once('error', reject);
    });
    await new Promise<void>((resolve) => worker.once('message', () => resolve()));

    const producer = new SingleProducerSequencer(ring);
    const wait = createWaitStrategy('spin_yield');
    const f64 = ring.buffer.f64;
    const started = nowNs();
    for (let published = 0; published < records;) {
      const n = Math.min(PUBLISH_BATCH, records - published);
      const first = producer.claim(n, wait);
      for (let i = 0; i < n; i++) f64[(ring.slotBase(first + i) + CMD_SEQUENCE_OFFSET) >>> 3] = first + i;
      producer.publish();
      published += n;
    }
    const journalSequence = ring.consumers[0];
    for (let step = 0; journalSequence.load(records - 1) < records - 1; step++) wait.idle(ring.words, journalSequence.valueIndex, journalSequence.load32(), step);
    const elapsedNs = nowNs() - started;
    ring.halt();
    const { fsyncHistogram } = await reply;
    await new Promise((resolve) => worker.once('exit', resolve));

    return {
      perSecond: perSecond(records, elapsedNs),
      fsyncHistogram: new LatencyHistogram(10_000_000_000, fsyncHistogram),
      fsyncCount: metrics[JM_FSYNC_COUNT],
      batches: metrics[JM_BATCHES],
      batchRecordsMax: metrics[JM_BATCH_RECORDS_MAX],
      errors: verifyJournal(dataDir, records) + (metrics[JM_RECORDS] === records ? 0 : 1),
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Reads every segment back: counts records that are missing, out of order or fail their CRC. */
function verifyJournal(dataDir: string, records: number): number {
  const reader = new SegmentReader();
  let next = 0;
  let errors = 0;
  for (const segment of listSegments(dataDir)) {
    reader.load(segment.path, next - 1);
    let status: number;
    while ((status = reader.next()) === FrameStatus.OK) {
      if (reader.buffer.u16[(reader.recordBase + 4) >>> 1] !== CommandType.TRANSFER) errors++;
      next = reader.sequence + 1;
    }
    if (status !== FrameStatus.END) errors++;
  }
  return errors + Math.abs(records - next);
}

export const run: ScenarioRun = async (options: ScenarioOptions) => {
  const records = options.mode === 'full' ? 5_000_000 : 1_000_000;
  const rows: ResultRow[] = [];
  for (const durability of ['fsync', 'batch', 'none'] as const) {
    const runs: RunResult[] = [];
    for (let r = 0; r < options.runs; r++) {
      const result = await runOnce(durability, records);
      options.log(`journal ${durability} run ${r + 1}/${options.runs}: ${Math.round(result.perSecond)} records/s, ` +
        `${result.fsyncCount} fsyncs, ${result.batches} batches (max ${result.batchRecordsMax} records), errors ${result.errors}`);
      runs.push(result);
    }
    const throughput = median(runs.map((r) => r.perSecond));
    const best = runs.reduce((a, b) => (Math.abs(a.perSecond - throughput) <= Math.abs(b.perSecond - throughput) ? a : b));
    rows.push({
      scenario: 'journal',
      case: durability,
      conditions: {
        durability, records, runs: options.runs, recordBytes: 80, frameBytes: 88, ringCapacity: RING_CAPACITY,
        batchMax: BATCH_MAX, producerPublishBatch: PUBLISH_BATCH, waitStrategy: 'spin_park',
        batchIntervalMs: durability === 'batch' ? 5 : 0, latency: 'fdatasync per batch',
        meanBatchRecords: Math.round(records / Math.max(1, best.batches)), maxBatchRecords: best.batchRecordsMax,
        fsyncs: best.fsyncCount, filesystem: 'tmpdir()',
      },
      throughput_per_s: Math.round(throughput),
      latency_us: durability === 'none' ? null : best.fsyncHistogram.percentilesUs(),
      gc_events: null,
      errors: runs.reduce((sum, r) => sum + r.errors, 0),
    });
  }
  return rows;
};
