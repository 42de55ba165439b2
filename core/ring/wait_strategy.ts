/**
 * How a thread waits for a counter to move. A waiting loop reads what it waits for, and while nothing
 * has changed calls `idle(words, index, observed, step, blockMsMax)` with the word it depends on, the
 * value it last saw there, how many idle steps it has taken in this wait and the longest it may block
 * (Infinity when the caller has no deadline); then it reads again. A strategy may return early at any
 * time (the caller always re-checks), so spurious wake-ups are harmless.
 *
 *   busy_spin   never leaves the CPU: lowest latency, but a spinning thread takes a whole core.
 *   spin_yield  spins, then sleeps for short timed waits without announcing itself: a writer never pays
 *               a notify for it, and its wake-up latency is bounded by the sleep.
 *   spin_park   spins, then parks with Atomics.wait after raising the counter's waiter count, so the
 *               writer notifies it (and only it, only then) the moment the counter moves. An idle
 *               thread stays parked (no timed wake-ups): an idle engine costs about no CPU.
 *
 * Node has no sched_yield for JS threads: "yield" here is a timed Atomics.wait of a few microseconds,
 * which gives the core away to the other threads of this 2-core machine.
 */
import { BusySpinWaitStrategy } from './busy_spin_wait_strategy.ts';
import { SpinParkWaitStrategy } from './spin_park_wait_strategy.ts';
import { SpinYieldWaitStrategy } from './spin_yield_wait_strategy.ts';

export const WAIT_STRATEGY_NAMES = ['busy_spin', 'spin_yield', 'spin_park'] as const;
export type WaitStrategyName = (typeof WAIT_STRATEGY_NAMES)[number];

export interface WaitStrategy {
  readonly name: WaitStrategyName;
  /**
   * One idle step while `words[index]` may still read `observed`; `step` counts from 0 in each wait;
   * the step blocks at most `blockMsMax` (Infinity: the caller has no deadline).
   */
  idle(words: Int32Array, index: number, observed: number, step: number, blockMsMax: number): void;
  /**
   * Idle steps between deadline checks in a wait with a timeout (a clock read allocates, so spinning
   * strategies check rarely; a parking step can last milliseconds, so it checks every step).
   */
  readonly stepsPerClockCheck: number;
  /**
   * Idle steps after which a waiting thread counts as idle, for a caller that wants to hear of it
   * without reading the clock (a clock read allocates a heap number): spin_park's last step before it
   * parks; for the strategies that never park, steps worth some tens of milliseconds.
   */
  readonly stepsBeforeIdle: number;
}

export function isWaitStrategyName(name: unknown): name is WaitStrategyName {
  return typeof name === 'string' && (WAIT_STRATEGY_NAMES as readonly string[]).includes(name);
}

export function createWaitStrategy(name: WaitStrategyName): WaitStrategy {
  switch (name) {
    case 'busy_spin': return new BusySpinWaitStrategy();
    case 'spin_yield': return new SpinYieldWaitStrategy();
    case 'spin_park': return new SpinParkWaitStrategy();
    default: throw new TypeError(`wait strategy must be one of ${WAIT_STRATEGY_NAMES.join(', ')}: got ${String(name)}`);
  }
}
