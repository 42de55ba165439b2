/**
 * Runs a load over `workers` worker threads (each with its own connections and id range), waits for
 * all of them and merges their figures: throughput = replies inside the window / window, one latency
 * histogram merged from the workers' encoded ones, GC events per load thread.
 *
 *   const r = await runLoad({ ...spec }, 2);   // r.throughputPerS, r.histogram.percentilesUs()
 *   r.histogram?.destroy();
 */
import { spawnWorker } from '../../core/spawn_worker.ts';
import { mergeEncodedHistograms, type LatencyHistogram } from '../histogram.ts';
import { validateLoadSpec, type LoadInterval, type LoadSpec, type LoadWorkerResult } from './load_spec.ts';

/** Ids of different workers never meet: each starts this far above the previous one. */
export const WORKER_ID_STRIDE = 1e12;

export interface LoadResult {
  readonly throughputPerS: number;
  readonly sent: number;
  readonly completed: number;
  /** Error replies + open-loop commands dropped for lack of queue + replies missing at the end. */
  readonly errors: number;
  readonly codeCounts: Record<string, number>;
  readonly dropped: number;
  readonly unanswered: number;
  readonly histogram: LatencyHistogram | null;
  /** "loadgen-<i>" → GC events in that worker during the run. */
  readonly gcEvents: Record<string, number>;
  readonly workers: number;
}

type WorkerMessage = { ok: true; result: LoadWorkerResult } | { ok: false; error: string } | { interval: LoadInterval };

/** `onInterval` receives each worker's intervals (LoadSpec.intervalMs) as they end, with the worker's index. */
export async function runLoad(spec: LoadSpec, workers: number, onInterval?: (worker: number, interval: LoadInterval) => void): Promise<LoadResult> {
  validateLoadSpec(spec);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new RangeError(`load workers must be an integer in [1, 64], got ${workers}`);
  const specs = Array.from({ length: workers }, (_, i): LoadSpec => ({ ...spec, idStart: spec.idStart + i * WORKER_ID_STRIDE, ratePerS: spec.ratePerS / workers }));
  return runLoadWorkers(new URL('./load_worker.ts', import.meta.url), specs, onInterval);
}

/**
 * Starts one worker thread per entry of `specs` on `entry` (a module that posts one WorkerMessage
 * holding a LoadWorkerResult), waits for all and merges their figures.
 */
export async function runLoadWorkers(entry: URL, specs: readonly unknown[], onInterval?: (worker: number, interval: LoadInterval) => void): Promise<LoadResult> {
  const results = await Promise.all(specs.map((workerSpec, i) => new Promise<LoadWorkerResult>((resolve, reject) => {
    const w = spawnWorker(entry, { spec: workerSpec }, { name: `loadgen-${i}` });
    let settled = false;
    w.on('message', (m: WorkerMessage) => {
      if ('interval' in m) {
        onInterval?.(i, m.interval);
        return;
      }
      if (settled) return;
      settled = true;
      if (m.ok) resolve(m.result);
      else reject(new Error(m.error));
      void w.terminate();
    });
    w.once('error', (err) => {
      if (!settled) reject(err);
    });
    w.once('exit', (code) => {
      if (!settled) reject(new Error(`load worker ${i} exited with code ${code} before reporting`));
    });
  })));
  return mergeWorkerResults(results);
}

/** Sums the workers' counts over the longest window and merges their histograms. */
export function mergeWorkerResults(results: readonly LoadWorkerResult[]): LoadResult {
  const codeCounts: Record<string, number> = {};
  const gcEvents: Record<string, number> = {};
  let sent = 0;
  let completed = 0;
  let errors = 0;
  let dropped = 0;
  let unanswered = 0;
  let windowNs = 0;
  results.forEach((r, i) => {
    sent += r.sent;
    completed += r.completed;
    errors += r.errors;
    dropped += r.dropped;
    unanswered += r.unanswered;
    windowNs = Math.max(windowNs, r.windowNs);
    gcEvents[`loadgen-${i}`] = r.gcEvents;
    for (const [code, n] of Object.entries(r.codeCounts)) codeCounts[code] = (codeCounts[code] ?? 0) + n;
  });
  const encoded = results.map((r) => r.histogram).filter((h): h is string => h !== null);
  return {
    throughputPerS: windowNs > 0 ? (completed * 1e9) / windowNs : 0,
    sent,
    completed,
    errors: errors + dropped + unanswered,
    codeCounts,
    dropped,
    unanswered,
    histogram: encoded.length > 0 ? mergeEncodedHistograms(encoded) : null,
    gcEvents,
    workers: results.length,
  };
}
