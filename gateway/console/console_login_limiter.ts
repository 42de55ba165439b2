/**
 * Brute-force brake for the console's login form (POST /console/login): failed logins drain two token
 * buckets, one for the source address and one shared by all addresses; while either is empty every
 * login is answered 429 with Retry-After, before the key is even looked at (so a throttled guesser
 * learns nothing, right or wrong). Successful logins cost nothing: an operator who logs in often is
 * never throttled, and a correct login from another address still works while one address is braked.
 *
 *   per address   perAddressBurst failures at once, then one more every perAddressRefillMs
 *   global        globalBurst failures at once, then one more every globalRefillMs (caps a guesser
 *                 spread over many addresses, at the price of braking everybody while it lasts)
 *
 * The source address is the TCP peer's (a proxy in front makes every client one address: put the
 * console behind one only with its own limit). At most maxAddresses are tracked; when full, the
 * addresses whose bucket refilled are forgotten first, then the least recently failed.
 */

export interface LoginLimits {
  readonly perAddressBurst: number;
  readonly perAddressRefillMs: number;
  readonly globalBurst: number;
  readonly globalRefillMs: number;
  readonly maxAddresses: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = {
  perAddressBurst: 10, perAddressRefillMs: 6_000, globalBurst: 100, globalRefillMs: 500, maxAddresses: 4096,
};

/** A login may go ahead (0), or not before this many seconds. */
export type LoginVerdict = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number; readonly scope: 'address' | 'global' };

class Bucket {
  tokens: number;
  atMs: number;
  constructor(readonly burst: number, readonly refillMs: number, nowMs: number) {
    this.tokens = burst;
    this.atMs = nowMs;
  }

  refill(nowMs: number): void {
    const gained = (nowMs - this.atMs) / this.refillMs;
    if (gained > 0) this.tokens = Math.min(this.burst, this.tokens + gained);
    this.atMs = nowMs;
  }

  /** Ms until one whole token is there (0 when one is). */
  waitMs(): number {
    return this.tokens >= 1 ? 0 : Math.ceil((1 - this.tokens) * this.refillMs);
  }
}

export class ConsoleLoginLimiter {
  private readonly addresses = new Map<string, Bucket>();
  private readonly global: Bucket;
  /** Logins refused with 429 (for tests and /metrics-minded readers). */
  refused = 0;

  constructor(readonly limits: LoginLimits = DEFAULT_LOGIN_LIMITS, private readonly now: () => number = Date.now) {
    for (const [name, value] of Object.entries(limits)) {
      if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`console login limit ${name} must be a positive integer, got ${String(value)}`);
    }
    this.global = new Bucket(limits.globalBurst, limits.globalRefillMs, now());
  }

  /** May a login from `address` be tried now? */
  check(address: string): LoginVerdict {
    const nowMs = this.now();
    const bucket = this.addresses.get(address);
    if (bucket !== undefined) {
      bucket.refill(nowMs);
      const wait = bucket.waitMs();
      if (wait > 0) return this.refuse(wait, 'address');
    }
    this.global.refill(nowMs);
    const wait = this.global.waitMs();
    return wait > 0 ? this.refuse(wait, 'global') : { allowed: true };
  }

  /** A login from `address` failed (unknown key, non-admin key, malformed form). */
  failed(address: string): void {
    const nowMs = this.now();
    let bucket = this.addresses.get(address);
    if (bucket === undefined) {
      if (this.addresses.size >= this.limits.maxAddresses) this.forgetSome(nowMs);
      bucket = new Bucket(this.limits.perAddressBurst, this.limits.perAddressRefillMs, nowMs);
    } else {
      this.addresses.delete(address); // re-inserted below: the map stays in order of last failure
      bucket.refill(nowMs);
    }
    bucket.tokens = Math.max(0, bucket.tokens - 1);
    this.addresses.set(address, bucket);
    this.global.refill(nowMs);
    this.global.tokens = Math.max(0, this.global.tokens - 1);
  }

  get trackedAddresses(): number {
    return this.addresses.size;
  }

  private refuse(waitMs: number, scope: 'address' | 'global'): LoginVerdict {
    this.refused++;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)), scope };
  }

  private forgetSome(nowMs: number): void {
    for (const [address, bucket] of this.addresses) {
      bucket.refill(nowMs);
      if (bucket.tokens >= bucket.burst) this.addresses.delete(address);
    }
    while (this.addresses.size >= this.limits.maxAddresses) {
      const oldest = this.addresses.keys().next().value as string;
      this.addresses.delete(oldest);
    }
  }
}
