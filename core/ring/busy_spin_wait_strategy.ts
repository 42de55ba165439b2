import type { WaitStrategy } from './wait_strategy.ts';

/** Spins forever: the caller's re-read is the whole wait. Needs a core of its own per waiting thread. */
export class BusySpinWaitStrategy implements WaitStrategy {
  readonly name = 'busy_spin' as const;
  readonly stepsPerClockCheck = 1024;
  /** A few tens of milliseconds of re-reads. */
  readonly stepsBeforeIdle = 1 << 20;

  idle(_words: Int32Array, _index: number, _observed: number, _step: number): void {
    // Nothing: the caller's Atomics.load on its next pass is the spin.
  }
}
