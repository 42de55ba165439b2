import { Worker, type WorkerOptions } from 'node:worker_threads';

const BOOT_URL = new URL('./worker_boot.mjs', import.meta.url);

/**
 * Starts a worker thread on a TypeScript (or built JavaScript) entry module. The entry receives
 * `workerData.entryUrl` plus whatever `data` holds, merged into workerData.
 */
export function spawnWorker(entryUrl: URL, data: Record<string, unknown>, options: WorkerOptions = {}): Worker {
  return new Worker(BOOT_URL, { ...options, workerData: { ...data, entryUrl: entryUrl.href } });
}
