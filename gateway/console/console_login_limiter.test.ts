// The console login brake: failures drain a bucket per address and a global one; successes cost
// nothing; buckets refill with time; the address table stays bounded.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConsoleLoginLimiter, type LoginLimits } from './console_login_limiter.ts';

const LIMITS: LoginLimits = { perAddressBurst: 3, perAddressRefillMs: 1000, globalBurst: 10, globalRefillMs: 100, maxAddresses: 8 };

function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000_000;
  return { now: () => t, advance: (ms) => { t += ms; } };
}

describe('ConsoleLoginLimiter', () => {
  it('brakes one address after its burst of failures, not another, and lets it try again once refilled', () => {
    const c = clock();
    const limiter = new ConsoleLoginLimiter(LIMITS, c.now);
    for (let i = 0; i < 3; i++) {
      expect(limiter.check('10.0.0.1').allowed).toBe(true);
      limiter.failed('10.0.0.1');
    }
    const refused = limiter.check('10.0.0.1');
    expect(refused).toEqual({ allowed: false, retryAfterSeconds: 1, scope: 'address' });
    expect(limiter.check('10.0.0.2').allowed).toBe(true);
    c.advance(999);
    expect(limiter.check('10.0.0.1').allowed).toBe(false);
    c.advance(1);
    expect(limiter.check('10.0.0.1').allowed).toBe(true);
    expect(limiter.refused).toBe(2);
  });

  it('brakes everybody once failures from many addresses drain the global bucket', () => {
    const c = clock();
    const limiter = new ConsoleLoginLimiter(LIMITS, c.now);
    for (let i = 0; i < 10; i++) limiter.failed(`10.0.1.${i}`);
    expect(limiter.check('10.9.9.9')).toEqual({ allowed: false, retryAfterSeconds: 1, scope: 'global' });
    c.advance(100);
    expect(limiter.check('10.9.9.9').allowed).toBe(true);
    expect(limiter.trackedAddresses).toBeLessThanOrEqual(LIMITS.maxAddresses);
  });

  it('refuses limits that are not positive integers, naming the option', () => {
    expect(() => new ConsoleLoginLimiter({ ...LIMITS, perAddressBurst: 0 })).toThrow(/perAddressBurst must be a positive integer, got 0/);
    expect(() => new ConsoleLoginLimiter({ ...LIMITS, globalRefillMs: 1.5 })).toThrow(/globalRefillMs/);
  });

  it('never lets more failures through than burst + elapsed / refill, per address and overall (property)', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 11 }), fc.integer({ min: 0, max: 400 })), { minLength: 1, maxLength: 300 }), (steps) => {
      const c = clock();
      const start = c.now();
      const limiter = new ConsoleLoginLimiter(LIMITS, c.now);
      const allowedBy = new Map<number, number>();
      let allowed = 0;
      for (const [address, gapMs] of steps) {
        c.advance(gapMs);
        if (!limiter.check(`a${address}`).allowed) continue;
        limiter.failed(`a${address}`); // every attempt a wrong key
        allowed++;
        allowedBy.set(address, (allowedBy.get(address) ?? 0) + 1);
      }
      const elapsed = c.now() - start;
      expect(allowed).toBeLessThanOrEqual(LIMITS.globalBurst + Math.floor(elapsed / LIMITS.globalRefillMs));
      // Per address only while its entry is kept (at most 12 addresses here, 8 kept: evicted ones restart).
      if (allowedBy.size <= LIMITS.maxAddresses) {
        for (const n of allowedBy.values()) expect(n).toBeLessThanOrEqual(LIMITS.perAddressBurst + Math.floor(elapsed / LIMITS.perAddressRefillMs));
      }
      expect(limiter.trackedAddresses).toBeLessThanOrEqual(LIMITS.maxAddresses);
    }));
  });
});
