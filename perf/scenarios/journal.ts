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
 *
 * Case fsync-50k: open loop at a constant 50,000 records/s (one record every 20 µs of intended time,
 * fsync mode); latency = from a record's intended publish time to the moment the main thread sees the
 * journaler's sequence (the durable sequence) pass it — the journal's share of an acknowledgement's
 * latency, without coordinated omission (a late publish still counts from its intended time). The
 * producer pauses ~50 µs between turns instead of spinning, so the journaler has a core.
 * fsync-50k starts on a segment prepared ahead (overwrites); fsync-50k-append, by turns with it, appends
 * (prepareSegments off); both report the journaler's own fdatasync p50/p99 (conditions).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CmdHeader, CommandType } from '../../codec/records/command_descriptor.ts';
import { writeCommand } from '../../core/logic/test_support/command_writer.ts';
import { Ring, createRingMemory } from '../../core/ring/ring.ts';
import { SingleProducerSequencer } from '../../core/ring/single_producer_sequencer.ts';
import { createWaitStrategy, type WaitStrategyName } from '../../core/ring/wait_strategy.ts';
import { spawnWorker } from '../../core/spawn_worker.ts';
import { FrameStatus, SegmentReader } from '../../journal/segment_reader.ts';
import { ensureDirectory, journalDir, listSegments } from '../../journal/segment_files.ts';
import { prepareSegmentFile, ZERO_CHUNK_BYTES } from '../../journal/segment_preparation.ts';
import {
  createJournalMetricsMemory, JM_BATCHES, JM_BATCH_RECORDS_MAX, JM_FSYNC_COUNT, JM_RECORDS,
} from '../../journal/journal_metrics_descriptor.ts';
import { validateJournalOptions, type Durability, type JournalOptions } from '../../journal/journal_options.ts';
import type { JournalBenchReply } from '../workers/journal_bench_worker.ts';
import { LatencyHistogram } from '../histogram.ts';
import { median } from '../median.ts';
import { nowNs, perSecond } from '../clock.ts';
import type { ResultRow, ScenarioOptions, ScenarioRun } from '../result_row.ts';

const RING_CAPACITY = 32_768;
const BATCH_MAX = 8192;
const PUBLISH_BATCH = 256;
const WORKER_URL = new URL('../workers/journal_bench_worker.ts', import.meta.url);

interface RunResult {
  readonly perSecond: number;
  readonly fsyncHistogram: LatencyHistogram;
  readonly fsyncCount: number;
  readonly batches: number;
  readonly batchRecordsMax: number;
  readonly errors: number;
}

/** A ring whose every slot already holds a transfer record, and the journaler worker consuming it. */
interface JournalerUnderTest {
  readonly ring: Ring;
  readonly journalMetricsMemory: SharedArrayBuffer;
  /** The worker's report, sent once the ring is halted. */
  readonly reply: Promise<JournalBenchReply>;
  /** Settles when the worker has exited (listened for from the start, so an early exit is not missed). */
  readonly exited: Promise<unknown>;
}

/** Fills the ring and starts the journaler on it; resolves once the worker says it is ready. */
async function startJournaler(waitStrategy: WaitStrategyName, journal: JournalOptions): Promise<JournalerUnderTest> {
  const ringMemory = createRingMemory({ capacity: RING_CAPACITY, consumerCount: 1, firstSequence: 0 });
  const ring = new Ring(ringMemory);
  // Fill every slot with a transfer record once; the producer then only stamps sequences.
  for (let slot = 0; slot < RING_CAPACITY; slot++) {
    writeCommand(ring.buffer, ring.slotBase(slot), { sequence: slot, principalId: 7, correlationId: slot },
      { kind: 'transfer', fromAccountId: 1 + (slot % 100), toAccountId: 2 + (slot % 100), assetId: 1, amount: 1 + slot });
  }
  const journalMetricsMemory = createJournalMetricsMemory();
  const worker = spawnWorker(WORKER_URL, { ringMemory, journalMetricsMemory, waitStrategy, batchMax: BATCH_MAX, journal });
  const exited = new Promise((resolve) => worker.once('exit', resolve));
  const reply = new Promise<JournalBenchReply>((resolve, reject) => {
    worker.on('message', (m: Partial<JournalBenchReply>) => {
      if (m.fsyncHistogram !== undefined) resolve(m as JournalBenchReply);
    });
    worker.once('error', reject);
    // After a reply this is a no-op; without one it names the failure instead of leaving the await hanging.
    worker.once('exit', (code) => reject(new Error(`journal bench worker exited with code ${code} before replying`)));
  });
  await new Promise<void>((resolve) => worker.once('message', () => resolve()));
  return { ring, journalMetricsMemory, reply, exited };
}

/** Halts the ring, waits for the journaler's report and for the worker to exit. */
async function stopJournaler(bench: JournalerUnderTest): Promise<JournalBenchReply> {
  bench.ring.halt();
  const reply = await bench.reply;
  await bench.exited;
  return reply;
}

async function runOnce(durability: Durability, records: number): Promise<RunResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ringline-bench-journal-'));
  try {
    const bench = await startJournaler('spin_park', validateJournalOptions({ dataDir, durability, batchIntervalMs: 5 }));
    const { ring } = bench;
    const metrics = new Float64Array(bench.journalMetricsMemory);
    const producer = new SingleProducerSequencer(ring);
    const wait = createWaitStrategy('spin_yield');
    const f64 = ring.buffer.f64;
    const started = nowNs();
    for (let published = 0; published < records;) {
      const n = Math.min(PUBLISH_BATCH, records - published);
      const first = producer.claim(n, wait);
      for (let i = 0; i < n; i++) f64[(ring.slotBase(first + i) + CmdHeader.SEQUENCE) >>> 3] = first + i;
      producer.publish();
      published += n;
    }
    const journalSequence = ring.consumers[0];
    for (let step = 0; journalSequence.load(records - 1) < records - 1; step++) wait.idle(ring.words, journalSequence.valueIndex, journalSequence.load32(), step, Infinity);
    const elapsedNs = nowNs() - started;
    const { fsyncHistogram } = await stopJournaler(bench);

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

const RATE_PER_S = 50_000;
/** The producer's pause between turns when nothing new is durable (~50 µs; Atomics.wait takes fractions of ms). */
const PACING_PAUSE_MS = 0.05;
const pause = new Int32Array(new SharedArrayBuffer(4));

/** Open loop at RATE_PER_S for `records` records; returns publish→durable latencies. */
interface RateResult {
  readonly histogram: LatencyHistogram;
  readonly fsync: LatencyHistogram;
  readonly batches: number;
  readonly perSecond: number;
  readonly errors: number;
}

/**
 * How a rate case's segment is made: 'ahead' = the journal's default (prepareSegments), with the first
 * segment's file prepared before the journaler starts, so every group commit overwrites zeros (the
 * next file is zero-filled, paced, in the background meanwhile); 'append' = prepareSegments off, every
 * group commit appends (the journal before #14).
 */
type SegmentMaking = 'ahead' | 'append';

async function runRate(records: number, waitStrategy: WaitStrategyName, making: SegmentMaking): Promise<RateResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ringline-bench-journal-rate-'));
  try {
    const journal = validateJournalOptions({ dataDir, durability: 'fsync', prepareSegments: making === 'ahead' });
    if (making === 'ahead') {
      ensureDirectory(journalDir(dataDir));
      prepareSegmentFile(journalDir(dataDir), journal.segmentBytes, new Uint8Array(ZERO_CHUNK_BYTES));
    }
    const bench = await startJournaler(waitStrategy, journal);
    const { ring } = bench;
    const histogram = new LatencyHistogram(10_000_000_000);
    const producer = new SingleProducerSequencer(ring);
    const f64 = ring.buffer.f64;
    const journalSequence = ring.consumers[0];
    const intervalNs = 1e9 / RATE_PER_S;
    const started = nowNs();
    let published = 0;
    let durableSeen = -1;
    let now = started;
    while (durableSeen < records - 1) {
      now = nowNs(); // one clock read per loop turn
      // Publish every record whose intended time has come (a late turn publishes several at once).
      const due = Math.min(records, Math.floor((now - started) / intervalNs) + 1);
      if (due > published) {
        const n = due - published;
        const first = producer.tryClaim(n);
        if (first >= 0) {
          for (let i = 0; i < n; i++) f64[(ring.slotBase(first + i) + CmdHeader.SEQUENCE) >>> 3] = first + i;
          producer.publish();
          published = due;
        }
      }
      const durable = journalSequence.load(durableSeen);
      for (let s = durableSeen + 1; s <= durable; s++) histogram.recordNs(now - (started + s * intervalNs));
      if (durable > durableSeen) durableSeen = durable;
      // Give the core back between turns (this machine has two): a short timed wait, not a spin.
      // Latency still counts from each record's intended time, so a late turn shows up in the figures.
      else Atomics.wait(pause, 0, 0, PACING_PAUSE_MS);
    }
    const elapsedNs = now - started;
    const { fsyncHistogram } = await stopJournaler(bench);
    const metrics = new Float64Array(bench.journalMetricsMemory);
    return {
      histogram, perSecond: perSecond(records, elapsedNs), errors: verifyJournal(dataDir, records),
      fsync: new LatencyHistogram(10_000_000_000, fsyncHistogram), batches: metrics[JM_BATCHES],
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
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
  const rateRecords = options.mode === 'full' ? 500_000 : 100_000;
  // The engine's default wait strategy (spin_park) and busy_spin: on a shared 2-core machine a thread
  // that gives its core away waits for the scheduler to get it back, and that shows in the latency.
  // fsync-50k-append: the same load appending (prepareSegments off), run by turns with fsync-50k so
  // the pair shares the machine's minutes: the difference is what overwriting prepared zeros buys.
  const rateCases = [['fsync-50k', 'spin_park', 'ahead'], ['fsync-50k-append', 'spin_park', 'append'], ['fsync-50k-busy-spin', 'busy_spin', 'ahead']] as const;
  const rateRunsOf = new Map<string, RateResult[]>(rateCases.map(([name]) => [name, []]));
  for (let r = 0; r < options.runs; r++) {
    for (const [name, waitStrategy, making] of rateCases) {
      const result = await runRate(rateRecords, waitStrategy, making);
      options.log(`journal ${name} run ${r + 1}/${options.runs}: p50 ${result.histogram.percentilesUs()?.p50} µs, ` +
        `p99 ${result.histogram.percentilesUs()?.p99} µs; ${result.batches} batches, fdatasync p50 ` +
        `${result.fsync.percentilesUs()?.p50} µs p99 ${result.fsync.percentilesUs()?.p99} µs; errors ${result.errors}`);
      rateRunsOf.get(name)?.push(result);
    }
  }
  for (const [name, waitStrategy, making] of rateCases) {
    const rateRuns = rateRunsOf.get(name) ?? [];
    const merged = new LatencyHistogram(10_000_000_000);
    for (const r of rateRuns) merged.addEncoded(r.histogram.encode());
    rows.push({
      scenario: 'journal',
      case: name,
      conditions: {
        durability: 'fsync', ratePerS: RATE_PER_S, records: rateRecords, runs: options.runs, loop: 'open (intended send time)',
        latency: 'intended publish -> durable sequence seen by the producer thread', batchMax: BATCH_MAX,
        journalerWaitStrategy: waitStrategy, segments: making === 'ahead' ? 'prepared ahead (overwrite)' : 'appended',
        fdatasyncP50Us: median(rateRuns.map((r) => r.fsync.percentilesUs()?.p50 ?? NaN)),
        fdatasyncP99Us: median(rateRuns.map((r) => r.fsync.percentilesUs()?.p99 ?? NaN)),
        meanBatchRecords: Math.round(rateRecords / Math.max(1, median(rateRuns.map((r) => r.batches)))),
        note: 'the producer pauses ~50 us between turns (Atomics.wait), adding up to that much to each figure',
      },
      throughput_per_s: Math.round(median(rateRuns.map((r) => r.perSecond))),
      latency_us: merged.percentilesUs(),
      gc_events: null,
      errors: rateRuns.reduce((sum, r) => sum + r.errors, 0),
    });
  }
  return rows;
};
