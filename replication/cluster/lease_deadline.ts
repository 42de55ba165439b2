/**
 * "Is my lease certainly still valid?" by this process's monotonic clock, without asking etcd.
 *
 * etcd starts a lease's TTL again when it processes a grant or keep-alive, which is after we sent it.
 * So `sentAt + TTL` (our clock) is never later than etcd's expiry, and `sentAt + TTL − margin` leaves
 * room for clock-rate drift between the two machines and for the time between reading the clock and
 * acting on the answer. A keep-alive answered late (a paused process, a slow network) gives a deadline
 * that may already be past: a leader that wakes up after a pause longer than its TTL finds its lease
 * uncertain before it can release anything.
 */
export class LeaseDeadline {
  private certainUntilMs = Number.NEGATIVE_INFINITY;

  constructor(readonly marginMs: number) {
    if (!Number.isFinite(marginMs) || marginMs < 0) throw new RangeError(`lease margin must be a finite number of ms >= 0; got ${marginMs}`);
  }

  /** A grant or keep-alive sent at `sentAtMs` was answered with `ttlSeconds` (<= 0: the lease is gone). */
  renewed(sentAtMs: number, ttlSeconds: number): void {
    if (!(ttlSeconds > 0)) {
      this.expire();
      return;
    }
    const until = sentAtMs + ttlSeconds * 1000 - this.marginMs;
    if (until > this.certainUntilMs) this.certainUntilMs = until;
  }

  expire(): void {
    this.certainUntilMs = Number.NEGATIVE_INFINITY;
  }

  certainlyValid(nowMs: number): boolean {
    return nowMs < this.certainUntilMs;
  }

  /** Milliseconds of certain validity left (0 when uncertain). */
  remainingMs(nowMs: number): number {
    return Math.max(0, this.certainUntilMs - nowMs);
  }
}
