/**
 * CPU time the calling thread has run, from Linux's /proc/thread-self/schedstat (its first field: time
 * on a CPU, nanoseconds; exact, unlike the 10 ms ticks of /proc/thread-self/stat). For telling the
 * CPU a step of background work costs from the time it spends waiting (for the disk, or for a CPU
 * that SCHED_IDLE gives away). NaN where the file does not exist.
 */
import { readFileSync } from 'node:fs';

export function threadCpuMs(): number {
  try {
    const text = readFileSync('/proc/thread-self/schedstat', 'latin1');
    return Number(text.slice(0, text.indexOf(' '))) / 1e6;
  } catch {
    return Number.NaN;
  }
}
