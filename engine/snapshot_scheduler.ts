/**
 * Snapshots without stopping the world: the logic thread only posts "snapshot at N" (and, every
 * SHADOW_CATCH_UP_EVERY commands, "the shadow may catch up to N"); this scheduler holds each request
 * until N is durable and then hands it to the snapshot shadow (replay/shadow_worker.ts), a second state
 * machine in its own low-priority thread that replays the journal up to N and writes the snapshot from
 * its own arrays. A snapshot therefore never holds state that was not durable, and the logic thread
 * pauses only for one postMessage.
 *
 * Requests reach the shadow in the order the logic posted them (ascending sequences). The shadow is
 * started on the first request and kept; if it fails, the failure is logged (and answered to the
 * snapshot that was waiting for it) and the next request starts a fresh one, seeded from the newest
 * snapshot and the journal.
 */
import type { Worker } from 'node:worker_threads';
import type { WorkerReport } from '../core/engine_worker_protocol.ts';
import type { LogicConfig } from '../core/logic/state_machine_api.ts';
import { runnableModuleUrl } from '../core/module_url.ts';
import { spawnWorker } from '../core/spawn_worker.ts';
import { formatSnapshotSteps } from '../journal/snapshot_steps.ts';
import type { ShadowSnapshot } from '../replay/shadow_replay.ts';
import type { ShadowReply, ShadowRequest, ShadowWorkerData } from '../replay/shadow_worker_protocol.ts';
import type { EngineLog } from './engine_options.ts';

export type SnapshotReport = Extract<WorkerReport, { type: 'snapshot' | 'shadowCatchUp' }>;

const SHADOW_ENTRY = new URL('../replay/shadow_worker.ts', import.meta.url);
/**
 * With periodic snapshots on, the logic lets the shadow catch up every this many commands (when the
 * snapshot period is longer), so a snapshot's catch-up is one short batch and the shadow's work is
 * spread over time instead of arriving as one burst on a 2-core machine.
 */
export const SHADOW_CATCH_UP_EVERY = 65536;
/**
 * The shadow's nice value: the lowest priority, it takes only what the engine's threads leave. The
 * shadow then moves itself to SCHED_IDLE and I/O class idle (core/idle_thread.ts); this is what stays
 * where SCHED_IDLE is refused.
 */
export const SHADOW_NICE = 19;

export interface SnapshotSchedulerOptions {
  readonly dataDir: string;
  readonly snapshotsKept: number;
  /** Keep journal segments before the oldest kept snapshot (engine option keepJournal). */
  readonly keepJournal: boolean;
  readonly logic: LogicConfig;
  readonly stateMachineModule: URL;
  readonly recoveryModule: URL | null;
  readonly log: EngineLog;
  /** Told when each snapshot is done: written (synced, renamed) or failed (temporary file removed). */
  readonly settledAt?: (sequence: number, written: boolean) => void;
}

interface WaitingSnapshot {
  readonly sequence: number;
  readonly resolve: (info: ShadowSnapshot | null) => void;
}

export class SnapshotScheduler {
  /** Requests waiting for their sequence to be durable, ascending. */
  private readonly pending: ShadowRequest[] = [];
  /** Snapshot requests the shadow has and has not answered yet, ascending. */
  private readonly sent: WaitingSnapshot[] = [];
  private readonly answers = new Set<Promise<ShadowSnapshot | null>>();
  private shadow: Worker | null = null;
  private closed = false;
  /** Whether the log has said why a shadow is not at idle priority (once per engine, not per shadow). */
  private toldNotIdle = false;

  constructor(private readonly options: SnapshotSchedulerOptions) {}

  /** Queues a request of the logic until its sequence is durable. */
  add(report: SnapshotReport): void {
    if (this.closed) return;
    this.pending.push({ type: report.type === 'snapshot' ? 'snapshot' : 'catchUp', sequence: report.sequence });
  }

  get waiting(): boolean {
    return this.pending.length > 0;
  }

  /** Hands the shadow every queued request whose sequence is at most `durable`. */
  writeDurable(durable: number): void {
    while (this.pending.length > 0 && this.pending[0].sequence <= durable) {
      const request = this.pending.shift()!;
      const shadow = this.startedShadow();
      if (request.type === 'snapshot') {
        const answer = new Promise<ShadowSnapshot | null>((resolve) => this.sent.push({ sequence: request.sequence, resolve }));
        this.answers.add(answer);
        void answer.then((info) => {
          this.answers.delete(answer);
          this.options.settledAt?.(request.sequence, info !== null);
        });
      }
      shadow.postMessage(request);
    }
  }

  /** Settles once every snapshot handed to the shadow is written or has failed (failures are logged). */
  async settled(): Promise<void> {
    await Promise.all(this.answers);
  }

  /** Ends the shadow thread; requests not yet answered are dropped (logged). */
  async close(): Promise<void> {
    this.closed = true;
    this.pending.length = 0;
    const shadow = this.shadow;
    this.shadow = null;
    this.failAll('the engine stopped before the snapshot was written');
    if (shadow !== null) await shadow.terminate();
  }

  private startedShadow(): Worker {
    if (this.shadow !== null) return this.shadow;
    const o = this.options;
    const data: ShadowWorkerData = {
      dataDir: o.dataDir, logic: o.logic, stateMachineModule: runnableModuleUrl(o.stateMachineModule).href,
      recoveryModule: o.recoveryModule === null ? '' : runnableModuleUrl(o.recoveryModule).href, snapshotsKept: o.snapshotsKept, keepJournal: o.keepJournal, nice: SHADOW_NICE,
    };
    const shadow = spawnWorker(SHADOW_ENTRY, { ...data });
    shadow.on('message', (reply: ShadowReply) => this.answer(reply));
    shadow.on('error', (error: Error) => o.log(`ringline: snapshot shadow failed: ${error.message}`, 'error'));
    shadow.on('exit', () => {
      if (this.shadow !== shadow) return;
      this.shadow = null;
      this.failAll('the snapshot shadow ended before writing it');
    });
    this.shadow = shadow;
    return shadow;
  }

  private answer(reply: ShadowReply): void {
    const log = this.options.log;
    if (reply.type === 'notIdle') {
      if (!this.toldNotIdle) log(`ringline: snapshot shadow not at idle priority (nice ${SHADOW_NICE} where chrt is refused, the process's I/O priority where ionice is): ${reply.refused.join('; ')}`, 'warn');
      this.toldNotIdle = true;
      return;
    }
    if (reply.type === 'failed') {
      const dying = this.shadow;
      this.shadow = null; // it ends after a failure: the next request starts a new one
      void dying?.terminate();
      log(`ringline: snapshot shadow could not reach sequence ${reply.sequence}: ${reply.message}`, 'error');
      // The snapshot it was on, and any handed to it after, are not written.
      this.failAll(`the snapshot shadow failed at sequence ${reply.sequence}`);
      return;
    }
    const waiting = this.sent.shift();
    if (waiting === undefined || waiting.sequence !== reply.sequence) {
      throw new Error(`snapshot shadow answered sequence ${reply.sequence}, expected ${waiting?.sequence ?? 'nothing'}`);
    }
    const info = reply.info;
    log(`ringline: snapshot at sequence ${info.sequence} (the shadow caught up ` +
      `${info.caughtUpCount} commands in ${info.catchUpMs.toFixed(1)} ms and wrote ${info.fileBytes} bytes in ${info.writeMs.toFixed(1)} ms; ` +
      `wall/CPU ms: ${formatSnapshotSteps(info.steps)}): ${info.path}`);
    waiting.resolve(info);
  }

  private failAll(why: string): void {
    for (const waiting of this.sent.splice(0)) {
      this.options.log(`ringline: snapshot at sequence ${waiting.sequence} failed: ${why}`, 'error');
      waiting.resolve(null);
    }
  }
}
