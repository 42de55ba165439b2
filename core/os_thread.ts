/**
 * The operating system's id of the calling thread, and whether a thread of this process still runs
 * (Linux /proc). For a thread blocked in Atomics.wait on another thread's progress: its event loop
 * cannot run, so a Worker's 'exit' event never reaches it, while /proc/self/task/<tid> disappears the
 * moment the other thread ends, however it ended (finished, process.exit(), terminate(), out of memory).
 */
import { existsSync, readlinkSync } from 'node:fs';

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
