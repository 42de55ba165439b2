/**
 * The wait before a reconnect attempt: exponential, with "equal jitter" — a uniform draw from the
 * upper half of the step. When an engine restarts, every client loses its connection at the same
 * instant; without jitter they would all come back in the same waves (10, 30, 70 ms…) and meet the
 * server's pre-login limits and login checks at once, every wave.
 */

/** A wait in [stepMs / 2, stepMs). `random` is Math.random unless a test gives its own. */
export function jitteredDelayMs(stepMs: number, random: () => number = Math.random): number {
  return stepMs / 2 + random() * (stepMs / 2);
}

/** The next step after `stepMs`: doubled, at most `maxMs`. */
export function nextStepMs(stepMs: number, maxMs: number): number {
  return Math.min(stepMs * 2, maxMs);
}
