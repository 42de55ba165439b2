/**
 * The member's side of the lease keeper thread (lease_keeper_worker.ts): it asks for a lease, reads
 * the shared deadline the thread renews, and hears when etcd says the lease is gone.
 *
 *   ClusterMember ── grant / forget ──► lease keeper thread ── keep-alives ──► etcd
 *        ▲  certainlyValid(): reads ◄── LeaseDeadline (shared memory) ◄── renewed per answer
 *        └─ onLost ◄──────────────────── TTL 0 answer
 *
 * forget() takes effect on this thread at once (a local flag), whatever the keeper thread is doing,
 * and lasts until the next grant's answer: a renewal of a forgotten lease that was already in flight
 * cannot make it valid again here.
 */
import { performance } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import { spawnWorker } from '../../core/spawn_worker.ts';
import { LEASE_DEADLINE_BYTES, LeaseDeadline } from './lease_deadline.ts';
import type { LeaseKeeperCommand, LeaseKeeperReport, LeaseKeeperWorkerData } from './lease_keeper_protocol.ts';

const WORKER_ENTRY = new URL('./lease_keeper_worker.ts', import.meta.url);

export interface LeaseKeeperEvents {
  /** etcd answered a keep-alive with TTL 0. */
  readonly lost: (leaseId: string) => void;
  readonly note: (message: string) => void;
}

export interface GrantedLease {
  readonly leaseId: string;
  readonly ttlSeconds: number;
}

export class LeaseKeeper {
  private readonly deadline: LeaseDeadline;
  private readonly worker: Worker;
  private forgotten = true;
  private nextRequestId = 1;
  private readonly pending = new Map<number, { resolve: (lease: GrantedLease) => void; reject: (error: Error) => void }>();
  private closed: Promise<void> | null = null;
  private readonly ready: Promise<void>;

  constructor(endpoints: readonly string[], private readonly requestTimeoutMs: number, marginMs: number, events: LeaseKeeperEvents) {
    const memory = new SharedArrayBuffer(LEASE_DEADLINE_BYTES);
    this.deadline = new LeaseDeadline(marginMs, memory);
    const mainNowMs = performance.now();
    const clockOffsetMs = Number(process.hrtime.bigint()) / 1e6 - mainNowMs; // sampled after: never below the true offset
    const data: LeaseKeeperWorkerData = { endpoints: [...endpoints], requestTimeoutMs, marginMs, deadlineMemory: memory, clockOffsetMs };
    this.worker = spawnWorker(WORKER_ENTRY, { ...data });
    this.worker.unref();
    let readyResolve: () => void = () => undefined;
    this.ready = new Promise<void>((resolve) => { readyResolve = resolve; });
    this.worker.on('message', (report: LeaseKeeperReport) => {
      if (report.type === 'ready') readyResolve();
      else if (report.type === 'granted' || report.type === 'grantFailed') {
        const waiter = this.pending.get(report.requestId);
        this.pending.delete(report.requestId);
        if (report.type === 'granted') {
          this.forgotten = false;
          waiter?.resolve({ leaseId: report.leaseId, ttlSeconds: report.ttlSeconds });
        } else waiter?.reject(new Error(report.message));
      } else if (report.type === 'lost') {
        this.forgotten = true;
        events.lost(report.leaseId);
      } else if (report.type === 'note') events.note(report.message);
    });
    this.worker.on('error', (error) => {
      // The keeper is gone: no lease can be vouched for any more (the member steps down and retries grants, which fail).
      this.forgotten = true;
      events.note(`lease keeper thread failed: ${error.message}`);
      for (const waiter of this.pending.values()) waiter.reject(error);
      this.pending.clear();
    });
  }

  /** Forgets the current lease, grants a new one and keeps it alive; rejects after a deadline. */
  async grant(ttlSeconds: number): Promise<GrantedLease> {
    await this.ready;
    this.forgotten = true;
    const requestId = this.nextRequestId++;
    const answer = new Promise<GrantedLease>((resolve, reject) => {
      this.pending.set(requestId, { resolve, reject });
      setTimeout(() => {
        if (!this.pending.delete(requestId)) return;
        reject(new Error(`no lease granted within ${this.requestTimeoutMs * 2} ms`));
      }, this.requestTimeoutMs * 2).unref();
    });
    this.post({ type: 'grant', requestId, ttlSeconds });
    return answer;
  }

  /** This thread stops vouching for the lease at once; the keeper stops renewing it. */
  forget(): void {
    this.forgotten = true;
    this.post({ type: 'forget' });
  }

  certainlyValid(nowMs: number): boolean {
    return !this.forgotten && this.deadline.certainlyValid(nowMs);
  }

  remainingMs(nowMs: number): number {
    return this.forgotten ? 0 : this.deadline.remainingMs(nowMs);
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      this.forgotten = true;
      const closed = new Promise<void>((resolve) => {
        this.worker.on('message', (report: LeaseKeeperReport) => { if (report.type === 'closed') resolve(); });
        this.worker.once('exit', () => resolve());
        setTimeout(resolve, this.requestTimeoutMs).unref();
      });
      this.post({ type: 'close' });
      await closed;
      await this.worker.terminate();
    })();
    return this.closed;
  }

  private post(command: LeaseKeeperCommand): void {
    this.worker.postMessage(command);
  }
}
