import { describe, expect, it } from 'vitest';
import { PARK_MAX_MS, PARK_SPIN_STEPS, PARK_YIELD_STEPS, SpinParkWaitStrategy } from './spin_park_wait_strategy.ts';

const PARK_STEP = PARK_SPIN_STEPS + PARK_YIELD_STEPS;

describe('SpinParkWaitStrategy', () => {
  it('parks no longer than the caller\'s deadline allows, and announces itself while parked', () => {
    const words = new Int32Array(new SharedArrayBuffer(8));
    const wait = new SpinParkWaitStrategy();
    const started = performance.now();
    wait.idle(words, 0, 0, PARK_STEP, 30);
    const elapsedMs = performance.now() - started;
    expect(elapsedMs).toBeGreaterThanOrEqual(25);
    expect(elapsedMs).toBeLessThan(PARK_MAX_MS);
    expect(words[1]).toBe(0); // the waiter count is back down after the park
  });

  it('returns at once when the word already moved (no lost wake-up), whatever the deadline', () => {
    const words = new Int32Array(new SharedArrayBuffer(8));
    words[0] = 5;
    const wait = new SpinParkWaitStrategy();
    const started = performance.now();
    wait.idle(words, 0, 4, PARK_STEP, Infinity);
    expect(performance.now() - started).toBeLessThan(PARK_MAX_MS / 2);
  });

  it('spins without blocking in its first steps', () => {
    const words = new Int32Array(new SharedArrayBuffer(8));
    const wait = new SpinParkWaitStrategy();
    const started = performance.now();
    for (let step = 0; step < PARK_SPIN_STEPS; step++) wait.idle(words, 0, 0, step, Infinity);
    expect(performance.now() - started).toBeLessThan(PARK_MAX_MS / 2);
  });
});
