/**
 * V8 flags for the isolates of the engine's worker threads (business logic, journaler, replicator,
 * snapshot shadow, event replays). V8 reads a heap flag when it creates an isolate, and each worker
 * thread is one, so they are set once, before the first worker starts.
 *
 * `--no-memory-reducer`. V8's memory reducer shrinks the heap of an isolate that allocates little: some
 * seconds after a full collection it starts more of them, each a mark-compact of the whole heap
 * ("Mark-Compact (reduce)" in `node --trace-gc`). The business-logic thread allocates almost nothing by
 * design, so it is exactly the isolate the reducer picks: measured under a steady stream of transfers
 * (perf/profile/logic_gc_under_load.ts), two or three such collections every few million commands,
 * 4–85 ms each, every one of them a stop of the one thread that applies commands in sequence; with the
 * reducer off, none. What it would save is a worker heap of ~10 MB shrinking to ~8 MB. The main thread's
 * isolate exists before this runs and keeps its reducer; it allocates under load, where the reducer
 * stays out of the way anyway.
 */
import { setFlagsFromString } from 'node:v8';

let applied = false;

/** Sets the worker isolates' heap flags (idempotent: the flags are process-wide). */
export function applyWorkerHeapFlags(): void {
  if (applied) return;
  setFlagsFromString('--no-memory-reducer');
  applied = true;
}
