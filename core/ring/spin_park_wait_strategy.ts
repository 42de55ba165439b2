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
 * Longest single park when the caller has no deadline of its own. Every change of a counter a thread
 * parks on comes with a notify (Sequence.store, the multi-producer publish), so the park could be
 * untimed — except for Ring.halt(): the halt flag is another word, so a halt that lands between a
 * consumer's halt check and its Atomics.wait is only heard at the next wake-up. This bound is that
 * wake-up: one per second per idle thread (about no CPU), and at worst that much delay on a stop
 * racing with a park.
 */
export const PARK_MAX_MS = 1000;

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
  readonly stepsBeforeIdle = PARK_SPIN_STEPS + PARK_YIELD_STEPS;

  idle(words: Int32Array, index: number, observed: number, step: number, blockMsMax: number): void {
    if (step < PARK_SPIN_STEPS + PARK_YIELD_STEPS) {
      spinThenYield(words, index, observed, step, blockMsMax); // unannounced: the writer never notifies it
      return;
    }
    Atomics.add(words, index + 1, 1); // seq-cst: announced before Atomics.wait re-checks the value
    if (blockMsMax < PARK_MAX_MS) Atomics.wait(words, index, observed, blockMsMax); // no new double: see spinThenYield
    else Atomics.wait(words, index, observed, PARK_MAX_MS);
    Atomics.sub(words, index + 1, 1);
  }
}
