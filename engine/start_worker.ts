import { once } from 'node:events';
import type { Worker } from 'node:worker_threads';
import type { WorkerReport } from '../core/engine_worker_protocol.ts';
import { spawnWorker } from '../core/spawn_worker.ts';

/** Spawns a worker and waits for its `ready` report; a worker that fails first rejects with its message. */
export async function startWorker(role: string, entry: URL, data: object): Promise<{ worker: Worker; ready: WorkerReport }> {
  const worker = spawnWorker(entry, data as Record<string, unknown>);
  let onError: (error: Error) => void = () => undefined;
  let onExit: (code: number) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => {
    onError = (error) => reject(new Error(`${role} worker failed to start: ${error.message}`, { cause: error }));
    onExit = (code) => reject(new Error(`${role} worker exited with code ${code} before it was ready`));
    worker.once('error', onError);
    worker.once('exit', onExit);
  });
  try {
    const [ready] = (await Promise.race([once(worker, 'message'), failed])) as [WorkerReport];
    if (ready.type !== 'ready') throw new Error(`${role} worker: expected ready, got ${ready.type}`);
    return { worker, ready };
  } catch (error) {
    await worker.terminate();
    throw error;
  } finally {
    worker.off('error', onError);
    worker.off('exit', onExit);
  }
}
