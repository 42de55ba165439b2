/** Messages between ClusterMember's LeaseKeeper (lease_keeper.ts) and its thread (lease_keeper_worker.ts). */

export interface LeaseKeeperWorkerData {
  readonly endpoints: readonly string[];
  readonly requestTimeoutMs: number;
  readonly marginMs: number;
  /** The LeaseDeadline memory (lease_deadline.ts) this thread renews and the member reads. */
  readonly deadlineMemory: SharedArrayBuffer;
  /**
   * process.hrtime in ms minus the member thread's performance.now(), sampled after it (so never less
   * than the true offset): this thread's send times, converted with it, are never later than the truth.
   */
  readonly clockOffsetMs: number;
}

export type LeaseKeeperCommand =
  /** Forget the current lease (if any), grant a new one and keep it alive (every TTL / 4). */
  | { readonly type: 'grant'; readonly requestId: number; readonly ttlSeconds: number }
  /** Stop keeping the current lease alive (the member revokes or abandons it). */
  | { readonly type: 'forget' }
  | { readonly type: 'close' };

export type LeaseKeeperReport =
  | { readonly type: 'ready' }
  | { readonly type: 'granted'; readonly requestId: number; readonly leaseId: string; readonly ttlSeconds: number }
  | { readonly type: 'grantFailed'; readonly requestId: number; readonly message: string }
  /** etcd answered a keep-alive with TTL 0: the lease is gone. */
  | { readonly type: 'lost'; readonly leaseId: string }
  /** The keep-alive stream broke or could not be reopened (shown in /health's note). */
  | { readonly type: 'note'; readonly message: string }
  | { readonly type: 'closed' };
