/**
 * Journaler worker entry, started by the engine with core/spawn_worker.ts and the workerData of
 * journaler_worker_data.ts (JournalerWorkerData, a RingConsumerWorkerData of core/engine_worker_protocol.ts):
 *
 *   spawnWorker(new URL('./journaler_worker.ts', import.meta.url), {
 *     inputRingMemory, consumerIndex: INPUT_CONSUMER_JOURNALER, metricsMemory, firstSequence,
 *     waitStrategy: 'spin_park', batchMax: 4096, journal: validateJournalOptions({ dataDir }) });
 *
 * Posts { type: 'ready', lastSequence } once the journal directory is open and writable, then
 * consumes; after the ring halts and everything is written and synced, { type: 'stopped' }.
 * A write or fdatasync failure throws (the worker's 'error' event, exit code 1) with a message naming
 * the file: the batch in hand was never released, so nothing in it is acknowledged.
 * The journaler returns to the event loop about once a second while busy and once after going idle
 * (Journaler.run), so this thread's GC events reach its line of the engine's metrics.
 *
 * Group commit size: the journaler takes up to max(batchMax, JOURNAL_BATCH_MIN) records per batch
 * (bounded by the ring). A bigger batch costs no latency — it only holds what is already published —
 * and each fdatasync then covers more commands, which is what keeps durable throughput up when the
 * engine's batchMax (sized for the business logic) is small.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { WorkerReport } from '../core/engine_worker_protocol.ts';
import type { JournalerWorkerData } from './journaler_worker_data.ts';
import { Ring } from '../core/ring/ring.ts';
import { createWaitStrategy } from '../core/ring/wait_strategy.ts';
import { StageStamper } from '../core/stage_stamper.ts';
import { StampColumn } from '../core/stage_stamps_descriptor.ts';
import { Journaler } from './journaler.ts';
import { observeThreadGc } from '../core/thread_gc_counter.ts';
import { MetricsLine } from '../core/metrics_descriptor.ts';
import { validateJournalOptions } from './journal_options.ts';

export const JOURNAL_BATCH_MIN = 8192;

const data = workerData as JournalerWorkerData;
const post = (message: WorkerReport): void => parentPort?.postMessage(message);
try {
  const journal = validateJournalOptions(data.journal);
  const ring = new Ring(data.inputRingMemory);
  const engineMetrics = new Float64Array(data.metricsMemory);
  const journaler = new Journaler(ring, data.consumerIndex, journal, {
    waitStrategy: createWaitStrategy(journal.waitStrategy ?? data.waitStrategy),
    batchMax: Math.min(ring.capacity, Math.max(data.batchMax, JOURNAL_BATCH_MIN)),
    metrics: data.journalMetricsMemory === undefined ? undefined : new Float64Array(data.journalMetricsMemory),
    engineMetrics,
    journaledStamps: data.stageStampsMemory === undefined ? undefined : new StageStamper(data.stageStampsMemory, StampColumn.JOURNALED_MS),
  });
  if (journaler.consumer.nextSequence !== data.firstSequence) {
    throw new Error(`journaler: the ring starts at ${journaler.consumer.nextSequence}, expected firstSequence ${data.firstSequence}`);
  }
  post({ type: 'ready', lastSequence: data.firstSequence - 1 });
  const gcObserver = observeThreadGc(engineMetrics, MetricsLine.JOURNALER);
  await journaler.run();
  gcObserver.disconnect();
  post({ type: 'stopped' });
} catch (error) {
  throw new Error(
    `journaler stopped: ${error instanceof Error ? error.message : String(error)}; ` +
      'nothing after the last durable sequence was acknowledged',
    { cause: error },
  );
}
