/**
 * Clocks for benches. Every high-resolution clock read allocates in Node 20 (a heap number), so a
 * zero-allocation loop reads the clock once per batch, never per event.
 *
 * `nowNs()` is monotonic nanoseconds since the process (or thread) time origin as a double (sub-µs
 * precision); differences are what matter. `epochMs()` is comparable ACROSS threads of one process
 * (performance.timeOrigin differs per worker), ~0.25 µs resolution, for times handed between threads.
 */
import { performance } from 'node:perf_hooks';

/** Monotonic ns since this thread's time origin (a double). */
export function nowNs(): number {
  return performance.now() * 1e6;
}

/** ms since the Unix epoch on a timeline shared by all threads (timeOrigin + now; ~0.25 µs resolution). */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Throughput in operations per second from a count and an elapsed time in ns (0 when elapsed is 0). */
export function perSecond(count: number, elapsedNs: number): number {
  return elapsedNs > 0 ? (count * 1e9) / elapsedNs : 0;
}

/** Spins until `nowNs() >= targetNs` (for pacing below timer resolution; burns a core, use sparingly). */
export function spinUntilNs(targetNs: number): void {
  while (nowNs() < targetNs) {
    // busy wait by design: timers cannot pace sends finer than ~1 ms
  }
}
