/**
 * Replicator worker entry, started by the engine (engine/engine.ts, step 3b) with
 * core/spawn_worker.ts and the ReplicatorWorkerData of core/engine_worker_protocol.ts; the work is
 * done by replicator.ts. Posts { type: 'ready' } once it listens for followers, { type: 'stopped' }
 * once the ring halted and everything was shipped (and, in sync mode, acknowledged or timed out).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ReplicatorWorkerData, WorkerReport } from '../core/engine_worker_protocol.ts';
import { Replicator } from './replicator.ts';

const post = (message: WorkerReport): void => parentPort?.postMessage(message);
new Replicator(workerData as ReplicatorWorkerData, {
  ready: (lastSequence) => post({ type: 'ready', lastSequence }),
  stopped: () => post({ type: 'stopped' }),
}).start();
