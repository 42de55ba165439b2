import { describe, expect, it } from 'vitest';
import { jitteredDelayMs, nextStepMs } from './reconnect_delay.ts';

describe('reconnect delays', () => {
  it('wait in the upper half of the step, spread by the random draw', () => {
    expect(jitteredDelayMs(100, () => 0)).toBe(50);
    expect(jitteredDelayMs(100, () => 0.5)).toBe(75);
    expect(jitteredDelayMs(100, () => 0.999)).toBeCloseTo(99.95, 5);
    const waits = Array.from({ length: 200 }, () => jitteredDelayMs(400));
    expect(Math.min(...waits)).toBeGreaterThanOrEqual(200);
    expect(Math.max(...waits)).toBeLessThan(400);
    // Clients that lost the same server do not all come back in the same millisecond.
    expect(new Set(waits.map((w) => Math.floor(w))).size).toBeGreaterThan(50);
  });

  it('double up to the cap', () => {
    expect(nextStepMs(10, 500)).toBe(20);
    expect(nextStepMs(400, 500)).toBe(500);
    expect(nextStepMs(500, 500)).toBe(500);
  });
});
