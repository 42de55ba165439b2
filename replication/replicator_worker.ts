/**
 * Replicator worker entry, started by the engine (engine/engine.ts, step 3b) with
 * core/spawn_worker.ts and the ReplicatorWorkerData of core/engine_worker_protocol.ts; the work is
 * done by replicator.ts. Posts { type: 'ready' } once it listens for followers, { type: 'stopped' }
 * once the ring halted and everything was shipped (and, in sync mode, acknowledged or timed out), and
 * { type: 'leading' } after a dormant replicator was told to lead ({ type: 'lead' }) and listens.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { EngineCommand, ReplicatorWorkerData, WorkerReport } from '../core/engine_worker_protocol.ts';
import { Replicator } from './replicator.ts';

const post = (message: WorkerReport): void => parentPort?.postMessage(message);
const replicator = new Replicator(workerData as ReplicatorWorkerData, {
  ready: (lastSequence) => post({ type: 'ready', lastSequence }),
  stopped: () => {
    parentPort?.removeAllListeners('message');
    post({ type: 'stopped' });
  },
});
// A dormant replicator (a cluster follower's engine) is told to lead: { type: 'lead' } → { type: 'leading' }.
parentPort?.on('message', (command: EngineCommand) => {
  if (command.type === 'lead') replicator.lead(command.epoch, command.epochStart, () => post({ type: 'leading', epoch: command.epoch }));
});
replicator.start();
