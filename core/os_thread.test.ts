import { describe, it, expect } from 'vitest';
import { Worker } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
import { currentOsThreadId, osThreadRuns } from './os_thread.ts';
import { spawnWorker } from './spawn_worker.ts';

/** A thread's nice value as the kernel reports it (field 19 of /proc/self/task/<tid>/stat). */
function niceOf(tid: number): number {
  const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

describe('os_thread', () => {
  it('names the calling thread, which runs', () => {
    const tid = currentOsThreadId();
    expect(tid).toBeGreaterThan(0);
    expect(osThreadRuns(tid)).toBe(true);
  });

  it('sees a worker thread end while this thread is blocked (no event loop turn needed)', () => {
    const memory = new SharedArrayBuffer(8);
    const words = new Int32Array(memory);
    const source = `const { workerData } = require('node:worker_threads');
      const words = new Int32Array(workerData.memory);
      words[0] = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
      Atomics.notify(words, 0);
      Atomics.wait(words, 1, 0);
      process.exit(0);`;
    const worker = new Worker(source, { eval: true, workerData: { memory } });
    try {
      expect(Atomics.wait(words, 0, 0, 30_000)).not.toBe('timed-out');
      const tid = words[0];
      expect(tid).not.toBe(currentOsThreadId());
      expect(osThreadRuns(tid)).toBe(true);
      Atomics.store(words, 1, 1);
      Atomics.notify(words, 1);
      // Blocked here, as the logic thread is in a recovery: no 'exit' event can be delivered.
      for (let waited = 0; osThreadRuns(tid) && waited < 30_000; waited += 5) Atomics.wait(words, 0, tid, 5);
      expect(osThreadRuns(tid)).toBe(false);
    } finally {
      void worker.terminate();
    }
  });

  it('lowers the priority of the calling thread only, not of the process\'s other threads', async () => {
    const before = niceOf(currentOsThreadId());
    const nice = Math.min(19, before + 5);
    const worker = spawnWorker(new URL('./test_support/nice_thread_worker.ts', import.meta.url), { nice });
    try {
      const { tid, lowered } = await new Promise<{ tid: number; lowered: boolean }>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      expect(lowered).toBe(true);
      expect(niceOf(tid)).toBe(nice);
      expect(niceOf(currentOsThreadId())).toBe(before);
    } finally {
      await worker.terminate();
    }
  });

  it('never declares an unknown thread (0) gone', () => {
    expect(osThreadRuns(0)).toBe(true);
  });
});
