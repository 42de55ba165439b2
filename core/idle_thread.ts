/**
 * Moves the calling thread, and only it, to Linux's idle classes: CPU policy SCHED_IDLE
 * (`chrt --idle --pid 0 <tid>`) and I/O class idle (`ionice -c 3 -p <tid>`), both from util-linux:
 * Node has no binding for sched_setattr or ioprio_set. Both act on one thread id, so the process's
 * other threads keep their policy and I/O priority. Lowering either needs no privilege.
 *
 * Why, for background work on a busy 2-core machine (the snapshot shadow): a nice 19 thread still gets
 * its weighted share, and under EEVDF a waking nice-0 thread (the journaler back from fdatasync) may
 * wait for it to finish its slice; a SCHED_IDLE thread is preempted by any other thread that wakes.
 * Its I/O at class idle: the disk scheduler (mq-deadline, bfq) serves it after the engine's journal.
 *
 * The calling thread waits for each tool (a few milliseconds, once): call it before the work, never
 * on a thread that serves. gateway/pre_login_door_launch.ts moves a whole process (--all-tasks) the
 * same way, asynchronously, from the gateway's event loop.
 */
import { spawnSync } from 'node:child_process';
import { currentOsThreadId } from './os_thread.ts';

/** /proc/<pid>/task/<tid>/sched `policy` of a SCHED_IDLE thread (linux/sched.h). */
export const SCHED_IDLE_POLICY_NUMBER = 5;
/** IOPRIO_CLASS_IDLE (linux/ioprio.h), `ionice -c`. */
export const IOPRIO_CLASS_IDLE = 3;

/** What could not be lowered, for the operator's log: one reason per tool that refused; empty once both are set. */
export function idleThisThread(): string[] {
  if (process.platform !== 'linux') return [`SCHED_IDLE and idle I/O are Linux only (this is ${process.platform})`];
  const tid = currentOsThreadId();
  if (tid === 0) return ['no thread id (/proc/thread-self)'];
  const refused: string[] = [];
  for (const [tool, args] of [
    ['chrt', ['--idle', '--pid', '0', String(tid)]],
    ['ionice', ['-c', String(IOPRIO_CLASS_IDLE), '-p', String(tid)]],
  ] as const) {
    const why = runTool(tool, args);
    if (why !== null) refused.push(why);
  }
  return refused;
}

/** Runs `tool args`; null when it exits 0, else why not (not on PATH, or its exit status and first line). */
function runTool(tool: string, args: readonly string[]): string | null {
  const run = spawnSync(tool, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', timeout: 10_000 });
  if (run.error !== undefined) {
    const code = (run.error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? `no ${tool} on PATH (util-linux)` : `${tool} did not run: ${run.error.message}`;
  }
  if (run.status === 0) return null;
  const first = run.stderr.trim().split('\n')[0] ?? '';
  return `${tool} ${args.join(' ')} refused (exit ${String(run.status ?? run.signal)}${first === '' ? '' : `: ${first}`})`;
}
