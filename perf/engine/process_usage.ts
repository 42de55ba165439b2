/**
 * CPU time and resident memory of another process, read from Linux's /proc (the engine child of a
 * bench). CPU time counts every thread of the process (utime + stime of /proc/PID/stat, in clock
 * ticks of 1/100 s on Linux).
 */
import { readdirSync, readFileSync } from 'node:fs';

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

/** CPU time of one thread so far, seconds: in user space and in the kernel (system calls: socket copies...). */
export interface ThreadCpu {
  readonly userSeconds: number;
  readonly systemSeconds: number;
}

/**
 * User and system CPU seconds of one thread of a process so far (/proc/PID/task/TID/stat). The main
 * thread's TID is the PID: readThreadCpu(pid, pid) is a Node process's event-loop thread.
 */
export function readThreadCpu(pid: number, tid: number): ThreadCpu {
  const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const user = Number(fields[11]);
  const system = Number(fields[12]);
  if (!Number.isFinite(user) || !Number.isFinite(system)) throw new Error(`cannot read CPU time of thread ${tid} of pid ${pid} from /proc`);
  return { userSeconds: user / CLOCK_TICKS_PER_S, systemSeconds: system / CLOCK_TICKS_PER_S };
}

/** User + system CPU seconds of one thread so far (readThreadCpu). */
export function readThreadCpuSeconds(pid: number, tid: number): number {
  const cpu = readThreadCpu(pid, tid);
  return cpu.userSeconds + cpu.systemSeconds;
}

/** CPU seconds so far of every thread of a process, by thread id (threads that end meanwhile are skipped). */
export function readThreadsCpuSeconds(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const entry of readdirSync(`/proc/${pid}/task`)) {
    const tid = Number(entry);
    try {
      out.set(tid, readThreadCpuSeconds(pid, tid));
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}
