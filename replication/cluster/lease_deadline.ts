/**
 * "Is my lease certainly still valid?" by this process's monotonic clock, without asking etcd.
 *
 * etcd starts a lease's TTL again when it processes a grant or keep-alive, which is after we sent it.
 * So `sentAt + TTL` (our clock) is never later than etcd's expiry, and `sentAt + TTL − margin` leaves
 * room for clock-rate drift between the two machines and for the time between reading the clock and
 * acting on the answer. A keep-alive answered late (a paused process, a slow network) gives a deadline
 * that may already be past: a leader that wakes up after a pause longer than its TTL finds its lease
 * uncertain before it can release anything.
 *
 * The deadline lives in shared memory (LEASE_DEADLINE_BYTES): the lease keeper's thread
 * (lease_keeper_worker.ts) renews it, the gateway's thread reads it for every release, so a busy
 * gateway cannot delay a renewal. One writer per memory; a reader never sees a torn value:
 *
 *   Int32 [0] version   odd while the writer changes the value (a seqlock), even otherwise
 *   Int32 [1] (padding)
 *   Float64 [1] certainUntilMs   by the reader's clock (performance.now() of the thread that reads)
 */
const VERSION_INDEX = 0;
export const LEASE_DEADLINE_BYTES = 16;

export class LeaseDeadline {
  private readonly version: Int32Array;
  private readonly value: Float64Array;

  constructor(readonly marginMs: number, memory: SharedArrayBuffer = new SharedArrayBuffer(LEASE_DEADLINE_BYTES)) {
    if (!Number.isFinite(marginMs) || marginMs < 0) throw new RangeError(`lease margin must be a finite number of ms >= 0; got ${marginMs}`);
    if (memory.byteLength !== LEASE_DEADLINE_BYTES) throw new RangeError(`lease deadline memory must be ${LEASE_DEADLINE_BYTES} bytes; got ${memory.byteLength}`);
    this.version = new Int32Array(memory, 0, 2);
    this.value = new Float64Array(memory, 8, 1);
    if (Atomics.load(this.version, VERSION_INDEX) === 0) {
      this.write(Number.NEGATIVE_INFINITY);
    }
  }

  /** A grant or keep-alive sent at `sentAtMs` was answered with `ttlSeconds` (<= 0: the lease is gone). */
  renewed(sentAtMs: number, ttlSeconds: number): void {
    if (!(ttlSeconds > 0)) {
      this.expire();
      return;
    }
    const until = sentAtMs + ttlSeconds * 1000 - this.marginMs;
    if (until > this.read()) this.write(until);
  }

  expire(): void {
    this.write(Number.NEGATIVE_INFINITY);
  }

  certainlyValid(nowMs: number): boolean {
    return nowMs < this.read();
  }

  /** Milliseconds of certain validity left (0 when uncertain). */
  remainingMs(nowMs: number): number {
    return Math.max(0, this.read() - nowMs);
  }

  private write(untilMs: number): void {
    Atomics.add(this.version, VERSION_INDEX, 1); // odd: changing
    this.value[0] = untilMs;
    Atomics.add(this.version, VERSION_INDEX, 1); // even: stable
  }

  private read(): number {
    for (;;) {
      const before = Atomics.load(this.version, VERSION_INDEX);
      const value = this.value[0];
      if ((before & 1) === 0 && Atomics.load(this.version, VERSION_INDEX) === before) return value;
    }
  }
}
