/**
 * Worker-thread entry of a load generator: runs `runLoadWorker(workerData.spec)` and posts
 * `{ ok: true, result }` or `{ ok: false, error }` to the parent (run_load.ts), after one
 * `{ interval }` per LoadSpec.intervalMs when asked for.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { LoadSpec } from './load_spec.ts';
import { runLoadWorker } from './load_worker_run.ts';

const port = parentPort;
if (port === null) throw new Error('load_worker.ts must run in a worker thread');
const spec = (workerData as { spec: LoadSpec }).spec;
runLoadWorker(spec, (interval) => port.postMessage({ interval })).then(
  (result) => port.postMessage({ ok: true, result }),
  (err: unknown) => port.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) }),
);
