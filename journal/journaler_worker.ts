/**
 * Journaler worker entry, started by the engine with core/spawn_worker.ts:
 *
 *   spawnWorker(new URL('../journal/journaler_worker.ts', import.meta.url), {
 *     ringMemory, consumerIndex, waitStrategy: 'spin_park', batchMax: 4096,
 *     journal: validateJournalOptions({ dataDir, durability: 'fsync' }), metricsMemory });
 *
 * Messages to the parent: { type: 'started', description } once the segment writer is ready;
 * { type: 'stopped', lastSequence } after the ring halted and everything was written and synced;
 * { type: 'fatal', message } when a write or fdatasync failed — the batch was not released, nothing
 * in it will be acknowledged, and the worker then exits with a non-zero code (the 'error' event).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Ring } from '../core/ring/ring.ts';
import { createWaitStrategy, type WaitStrategyName } from '../core/ring/wait_strategy.ts';
import { describeJournal, Journaler } from './journaler.ts';
import { JM_DURABLE_SEQUENCE } from './journal_metrics_descriptor.ts';
import { validateJournalOptions, type JournalOptions } from './journal_options.ts';

export interface JournalerWorkerData {
  readonly ringMemory: SharedArrayBuffer;
  readonly consumerIndex: number;
  readonly waitStrategy: WaitStrategyName;
  readonly batchMax: number;
  readonly journal: JournalOptions;
  /** createJournalMetricsMemory(); optional. */
  readonly metricsMemory?: SharedArrayBuffer;
}

export type JournalerMessage =
  | { readonly type: 'started'; readonly description: string }
  | { readonly type: 'stopped'; readonly lastSequence: number }
  | { readonly type: 'fatal'; readonly message: string };

const data = workerData as JournalerWorkerData;
const post = (message: JournalerMessage): void => parentPort?.postMessage(message);
try {
  const journal = validateJournalOptions(data.journal);
  const journaler = new Journaler(new Ring(data.ringMemory), data.consumerIndex, journal, {
    waitStrategy: createWaitStrategy(data.waitStrategy),
    batchMax: data.batchMax,
    metrics: data.metricsMemory === undefined ? undefined : new Float64Array(data.metricsMemory),
  });
  post({ type: 'started', description: describeJournal(journal) });
  journaler.run();
  post({ type: 'stopped', lastSequence: journaler.metrics[JM_DURABLE_SEQUENCE] });
} catch (error) {
  const message = `journaler stopped: ${error instanceof Error ? error.message : String(error)}; ` +
    'nothing after the last durable sequence was acknowledged';
  post({ type: 'fatal', message });
  throw new Error(message, { cause: error });
}
