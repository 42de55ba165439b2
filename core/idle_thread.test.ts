import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCHED_IDLE_POLICY_NUMBER } from './idle_thread.ts';
import { currentOsThreadId } from './os_thread.ts';
import { spawnWorker } from './spawn_worker.ts';
import { ioClassOf, schedPolicyOf } from './test_support/thread_policy.ts';

const SCHED_NORMAL = 0;

/** Starts a worker that calls idleThisThread() with `path` as its PATH (null: the inherited one); ends it after `check`. */
async function inIdledWorker(path: string | null, check: (tid: number, refused: string[]) => void): Promise<void> {
  const worker = spawnWorker(new URL('./test_support/idle_thread_worker.ts', import.meta.url), { path });
  try {
    const { tid, refused } = await new Promise<{ tid: number; refused: string[] }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    check(tid, refused);
  } finally {
    await worker.terminate();
  }
}

describe('idleThisThread', () => {
  it('moves the calling thread to SCHED_IDLE and I/O class idle, and not the process\'s other threads (util-linux is on this machine)', async () => {
    const ioClassBefore = ioClassOf(currentOsThreadId());
    await inIdledWorker(null, (tid, refused) => {
      expect(refused).toEqual([]);
      expect(schedPolicyOf(tid)).toBe(SCHED_IDLE_POLICY_NUMBER);
      expect(ioClassOf(tid)).toBe('idle');
      expect(schedPolicyOf(currentOsThreadId())).toBe(SCHED_NORMAL);
      expect(ioClassOf(currentOsThreadId())).toBe(ioClassBefore);
    });
  });

  it('without util-linux on PATH: says why per tool, and the thread keeps its policy', async () => {
    await inIdledWorker(mkdtempSync(join(tmpdir(), 'ringline-no-util-linux-')), (tid, refused) => {
      expect(refused).toEqual(['no chrt on PATH (util-linux)', 'no ionice on PATH (util-linux)']);
      expect(schedPolicyOf(tid)).toBe(SCHED_NORMAL);
      expect(ioClassOf(tid)).not.toBe('idle');
    });
  });
});
