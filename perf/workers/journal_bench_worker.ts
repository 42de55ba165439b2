/**
 * The journaler as the journal bench runs it: the same Journaler on the same ring, plus an HDR
 * histogram of fdatasync latencies, posted (encoded) when the ring halts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Ring } from '../../core/ring/ring.ts';
import { createWaitStrategy, type WaitStrategyName } from '../../core/ring/wait_strategy.ts';
import { createLatencyHistogram } from '../histogram.ts';
import { Journaler } from '../../journal/journaler.ts';
import { validateJournalOptions, type JournalOptions } from '../../journal/journal_options.ts';

export interface JournalBenchWorkerData {
  readonly ringMemory: SharedArrayBuffer;
  readonly journalMetricsMemory: SharedArrayBuffer;
  readonly waitStrategy: WaitStrategyName;
  readonly batchMax: number;
  readonly journal: JournalOptions;
}

export interface JournalBenchReply {
  readonly fsyncHistogram: string;
}

const data = workerData as JournalBenchWorkerData;
const histogram = createLatencyHistogram(10_000_000_000);
const journaler = new Journaler(new Ring(data.ringMemory), 0, validateJournalOptions(data.journal), {
  waitStrategy: createWaitStrategy(data.waitStrategy),
  batchMax: data.batchMax,
  metrics: new Float64Array(data.journalMetricsMemory),
  onFsync: (ns) => histogram.recordNs(ns),
});
parentPort?.postMessage({ type: 'ready' });
await journaler.run();
parentPort?.postMessage({ fsyncHistogram: histogram.encode() } satisfies JournalBenchReply);
