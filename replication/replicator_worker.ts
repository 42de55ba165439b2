/**
 * Replicator worker entry, started by the engine (engine/engine.ts, step 3b) with
 * core/spawn_worker.ts and the ReplicatorWorkerData of core/engine_worker_protocol.ts; the work is
 * done by replicator.ts. Posts { type: 'ready' } once it listens for followers, { type: 'stopped' }
 * once the ring halted and everything was shipped (and, in sync mode, acknowledged or timed out), and
 * { type: 'leading' } after a dormant replicator was told to lead ({ type: 'lead' }) and listens, and
 * { type: 'followers' } every FOLLOWER_REPORT_MS while it has followers (once more when the last one
 * goes): each follower's acknowledged sequence, for the per-follower lag in /metrics and the console.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { EngineCommand, ReplicatorWorkerData, WorkerReport } from '../core/engine_worker_protocol.ts';
import { Replicator } from './replicator.ts';

/** How often the followers' progress is posted to the main thread (a message, off the ship path). */
export const FOLLOWER_REPORT_MS = 250;

const post = (message: WorkerReport): void => parentPort?.postMessage(message);
let reported = 0;
const replicator = new Replicator(workerData as ReplicatorWorkerData, {
  ready: (lastSequence) => post({ type: 'ready', lastSequence }),
  stopped: () => {
    clearInterval(reporter);
    parentPort?.removeAllListeners('message');
    post({ type: 'stopped' });
  },
});
// A dormant replicator (a cluster follower's engine) is told to lead: { type: 'lead' } → { type: 'leading' }.
parentPort?.on('message', (command: EngineCommand) => {
  if (command.type === 'lead') replicator.lead(command.epoch, command.epochStart, () => post({ type: 'leading', epoch: command.epoch }));
});
const reporter = setInterval(() => {
  const followers = replicator.followerProgress();
  if (followers.length === 0 && reported === 0) return;
  reported = followers.length;
  post({ type: 'followers', followers });
}, FOLLOWER_REPORT_MS);
reporter.unref();
replicator.start();
