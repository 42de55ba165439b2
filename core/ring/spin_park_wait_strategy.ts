import type { WaitStrategy } from './wait_strategy.ts';
import { YIELD_SPIN_STEPS, spinThenYield } from './spin_yield_wait_strategy.ts';

/** Idle steps spent spinning before yielding: spin_yield's. */
export const PARK_SPIN_STEPS = YIELD_SPIN_STEPS;
/**
 * Idle steps spent yielding (short timed sleeps, writer not involved) before parking. A few
 * milliseconds: a busy engine stays in this phase between batches and never makes its writers pay a
 * notify; an idle one parks and costs no CPU at all.
 */
export const PARK_YIELD_STEPS = 100;
/**
 * Longest single park. Wake-ups come from notify; the timeout only lets the caller re-check the halt
 * flag and its own deadline, so it can be long.
 */
export const PARK_MAX_MS = 20;

/**
 * Spins, then yields in short timed sleeps, then parks (a phased back-off). The park handshake with
 * Sequence.store (the writer):
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
    if (step < PARK_SPIN_STEPS + PARK_YIELD_STEPS) {
      spinThenYield(words, index, observed, step); // unannounced: the writer never notifies it
      return;
    }
    Atomics.add(words, index + 1, 1);
    Atomics.wait(words, index, observed, PARK_MAX_MS);
    Atomics.sub(words, index + 1, 1);
  }
}
