/**
 * The calling thread's timer slack (Linux). The kernel may fire a thread's timed sleep up to its
 * timer slack late so that wake-ups coalesce — 50 µs by default. Our threads yield with sleeps of
 * tens of microseconds (spin_park, spin_yield, the open-loop load generator's pacing), so the default
 * slack is most of each sleep: a "20 µs" Atomics.wait sleeps ~90 µs here, a "5 µs" one ~88 µs; with a
 * 1 µs slack they sleep ~41 µs and ~21 µs (2-vCPU VM, 2026-12-04).
 *
 * A thread sets its own slack by writing /proc/<tid>/timerslack_ns (Linux ≥ 4.6; a thread may set its
 * own without privileges); the thread's id comes from os_thread.ts. Threads and
 * processes started afterwards inherit the slack of the thread that started them.
 */
import { writeFileSync } from 'node:fs';
import { currentOsThreadId } from './os_thread.ts';

/** The slack our yielding threads run with: sleeps wake about when asked. */
export const YIELDING_THREAD_TIMER_SLACK_NS = 1000;

/**
 * Sets the calling thread's timer slack; false where the system does not offer it (not Linux, no
 * /proc): the thread then sleeps with the default slack, longer but correct.
 */
export function setThreadTimerSlackNs(slackNs: number): boolean {
  if (!Number.isInteger(slackNs) || slackNs < 1) throw new RangeError(`timer slack must be an integer ≥ 1 ns: got ${slackNs}`);
  const tid = currentOsThreadId();
  if (tid === 0) return false;
  try {
    writeFileSync(`/proc/${tid}/timerslack_ns`, String(slackNs));
    return true;
  } catch {
    return false;
  }
}
