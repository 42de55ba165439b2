import { readdirSync, readFileSync } from 'node:fs';

/** The scheduling policy (/proc/<pid>/task/<tid>/sched `policy`: 0 normal, 5 SCHED_IDLE) of every thread of `pid`. */
export function schedPolicies(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const line = /^policy\s*:\s*(\d+)$/m.exec(readFileSync(`/proc/${pid}/task/${tid}/sched`, 'utf8'));
    if (line === null) throw new Error(`no policy line in /proc/${pid}/task/${tid}/sched`);
    return Number(line[1]);
  });
}
