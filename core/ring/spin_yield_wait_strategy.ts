import type { WaitStrategy } from './wait_strategy.ts';

/** Idle steps spent spinning before the thread starts giving its core away. */
export const YIELD_SPIN_STEPS = 256;
/** Length of one yielding sleep; bounds the extra wake-up latency once the thread has begun yielding. */
export const YIELD_SLEEP_MS = 0.02;

/**
 * Spins, then sleeps in short timed waits. It never raises the waiter count, so writers never notify
 * it: Atomics.wait here only returns early when the word already differs from `observed` (checked
 * atomically with going to sleep) or when another waiter's notify happens to wake it.
 */
export class SpinYieldWaitStrategy implements WaitStrategy {
  readonly name = 'spin_yield' as const;
  readonly stepsPerClockCheck = 16;
  /** At least YIELD_SLEEP_MS per step after the spin: ≥ 50 ms. */
  readonly stepsBeforeIdle = YIELD_SPIN_STEPS + 2500;

  idle(words: Int32Array, index: number, observed: number, step: number, blockMsMax: number): void {
    spinThenYield(words, index, observed, step, blockMsMax);
  }
}

/**
 * The first two phases of a back-off, shared by spin_yield (its whole idle) and spin_park (before it
 * parks): spin for YIELD_SPIN_STEPS, then one unannounced short sleep per step (the writer never
 * notifies it), never longer than blockMsMax.
 */
export function spinThenYield(words: Int32Array, index: number, observed: number, step: number, blockMsMax: number): void {
  if (step < YIELD_SPIN_STEPS) return;
  // The caller's number or the constant, each passed as it is: a double computed here (Math.min, or a
  // select TurboFan keeps as a float64) is boxed into a fresh heap number at every Atomics.wait, and
  // this runs between the business logic's batches.
  if (blockMsMax < YIELD_SLEEP_MS) Atomics.wait(words, index, observed, blockMsMax);
  else Atomics.wait(words, index, observed, YIELD_SLEEP_MS);
}
