import type { WaitStrategy } from './wait_strategy.ts';

/** Idle steps spent spinning before parking. */
export const PARK_SPIN_STEPS = 256;
/**
 * Longest single park. Wake-ups come from notify; the timeout only lets the caller re-check the halt
 * flag and its own deadline, so it can be long.
 */
export const PARK_MAX_MS = 20;

/**
 * Spins, then parks. The handshake with Sequence.store (the writer):
 *   waiter: Atomics.add(waiters, +1)            — sequentially consistent, ordered before the wait below
 *           Atomics.wait(value, observed)        — atomically: sleep only if the value still reads `observed`
 *   writer: Atomics.store(value, new)           — sequentially consistent
 *           Atomics.load(waiters) > 0 → notify
 * In the single total order of these seq-cst operations, either the writer's load sees the raised count
 * (and wakes the waiter, asleep or about to find the value changed) or the waiter's add came after the
 * writer's load, hence after its store, and Atomics.wait sees the new value and does not sleep.
 */
export class SpinParkWaitStrategy implements WaitStrategy {
  readonly name = 'spin_park' as const;
  readonly stepsPerClockCheck = 1;

  idle(words: Int32Array, index: number, observed: number, step: number): void {
    if (step < PARK_SPIN_STEPS) return;
    Atomics.add(words, index + 1, 1);
    Atomics.wait(words, index, observed, PARK_MAX_MS);
    Atomics.sub(words, index + 1, 1);
  }
}
