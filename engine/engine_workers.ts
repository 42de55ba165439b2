/**
 * The engine's worker threads as one set: it routes their reports (snapshot, stopped), turns an error
 * or an unexpected exit into one fatal error naming the role, and terminates them all.
 */
import type { Worker } from 'node:worker_threads';
import type { WorkerReport } from '../core/engine_worker_protocol.ts';

export type WorkerRole = 'logic' | 'journaler' | 'replicator';
export interface EngineWorker { readonly role: WorkerRole; readonly worker: Worker }

export interface EngineWorkerEvents {
  /** The logic asked for a snapshot, or let the snapshot shadow catch up. */
  readonly snapshot: (report: Extract<WorkerReport, { type: 'snapshot' | 'shadowCatchUp' }>) => void;
  /** The dormant replicator listens and leads (after EngineCommand 'lead'). */
  readonly leading: (epoch: number) => void;
  /** The replicator's periodic report of its followers' progress. */
  readonly followers?: (followers: Extract<WorkerReport, { type: 'followers' }>['followers']) => void;
  /** A worker reported `stopped` (it drained after the ring halted). */
  readonly stopped: () => void;
  readonly fatal: (error: Error) => void;
  /** The engine's state, for the message of a worker that exits unasked. */
  readonly state: () => string;
}

export class EngineWorkers {
  private readonly stoppedWorkers = new Set<Worker>();

  constructor(private readonly workers: readonly EngineWorker[], events: EngineWorkerEvents) {
    for (const { worker, role } of workers) {
      worker.on('message', (report: WorkerReport) => {
        if (report.type === 'snapshot' || report.type === 'shadowCatchUp') events.snapshot(report);
        else if (report.type === 'leading') events.leading(report.epoch);
        else if (report.type === 'followers') events.followers?.(report.followers);
        else if (report.type === 'stopped') {
          this.stoppedWorkers.add(worker);
          events.stopped();
        }
      });
      worker.on('error', (error: Error) => events.fatal(new Error(`${role} worker died: ${error.message}`, { cause: error })));
      worker.on('exit', (code) => {
        if (!this.stoppedWorkers.has(worker)) events.fatal(new Error(`${role} worker exited with code ${code} while the engine was ${events.state()}`));
      });
    }
  }

  /** The worker of `role` (the replicator exists only when configured). */
  worker(role: WorkerRole): Worker | null {
    return this.workers.find((w) => w.role === role)?.worker ?? null;
  }

  get allStopped(): boolean {
    return this.stoppedWorkers.size === this.workers.length;
  }

  async terminate(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }
}
