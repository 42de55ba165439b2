import type { RingConsumerWorkerData } from '../core/engine_worker_protocol.ts';
import type { JournalOptions } from './journal_options.ts';

/** The journaler worker's workerData: a ring consumer's, plus the validated journal options. */
export interface JournalerWorkerData extends RingConsumerWorkerData {
  readonly journal: JournalOptions;
  /** The detailed counters and histograms of journal_metrics_descriptor.ts (fsync time, batch sizes). */
  readonly journalMetricsMemory?: SharedArrayBuffer;
}
