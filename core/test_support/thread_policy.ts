/** How Linux schedules one thread of this process, as the kernel reports it (tests). */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** The thread's scheduling policy: field 41 of /proc/self/task/<tid>/stat (0 normal, 5 SCHED_IDLE). */
export function schedPolicyOf(tid: number): number {
  const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[38]);
}

/** The thread's I/O scheduling class as util-linux `ionice -p` names it ('idle', 'none', 'best-effort', ...). */
export function ioClassOf(tid: number): string {
  return execFileSync('ionice', ['-p', String(tid)], { encoding: 'utf8' }).trim().split(':')[0];
}

/** The ids of this process's threads under `policy`. */
export function threadsUnderPolicy(policy: number): number[] {
  return readdirSync('/proc/self/task').map(Number).filter((tid) => {
    try {
      return schedPolicyOf(tid) === policy;
    } catch {
      return false; // ended meanwhile
    }
  });
}
