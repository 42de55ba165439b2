/**
 * The operating system's id of the calling thread, and whether a thread of this process still runs
 * (Linux /proc). For a thread blocked in Atomics.wait on another thread's progress: its event loop
 * cannot run, so a Worker's 'exit' event never reaches it, while /proc/self/task/<tid> disappears the
 * moment the other thread ends, however it ended (finished, process.exit(), terminate(), out of memory).
 * And a thread's own CPU priority: Linux keeps a nice value per thread.
 */
import { existsSync, readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/** The calling thread's id (Linux), or 0 where /proc/thread-self does not exist. */
export function currentOsThreadId(): number {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isInteger(tid) && tid > 0 ? tid : 0;
  } catch {
    return 0;
  }
}

/** Whether thread `tid` of this process still runs; true for 0 (not known: never declared gone). */
export function osThreadRuns(tid: number): boolean {
  return tid === 0 || existsSync(`/proc/self/task/${tid}`);
}

/**
 * Sets the calling thread's nice value (and only its own: Linux's setpriority on a thread id), for
 * background work that must yield the cores to the engine's threads. False where it cannot (no
 * thread id, or not permitted); the work then runs at the process's priority.
 */
export function niceThisThread(nice: number): boolean {
  const tid = currentOsThreadId();
  if (tid === 0) return false;
  try {
    setPriority(tid, nice);
    return true;
  } catch {
    return false;
  }
}
