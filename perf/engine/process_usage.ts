/**
 * CPU time and resident memory of another process, read from Linux's /proc (the engine child of a
 * bench). CPU time counts every thread of the process (utime + stime of /proc/PID/stat, in clock
 * ticks of 1/100 s on Linux).
 */
import { readFileSync } from 'node:fs';

/** Linux USER_HZ: /proc/PID/stat counts CPU time in these ticks (100 on every mainstream kernel). */
const CLOCK_TICKS_PER_S = 100;

export interface ProcessUsage {
  /** User + system CPU time of all threads so far, seconds. */
  readonly cpuSeconds: number;
  /** Resident set size now, bytes. */
  readonly rssBytes: number;
}

export function readProcessUsage(pid: number): ProcessUsage {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces: count the fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utimeTicks = Number(fields[11]);
  const stimeTicks = Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKiB = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? Number.NaN);
  if (!Number.isFinite(utimeTicks) || !Number.isFinite(stimeTicks) || !Number.isFinite(rssKiB)) {
    throw new Error(`cannot read CPU time and RSS of pid ${pid} from /proc`);
  }
  return { cpuSeconds: (utimeTicks + stimeTicks) / CLOCK_TICKS_PER_S, rssBytes: rssKiB * 1024 };
}
