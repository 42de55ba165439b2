import { Worker, type WorkerOptions } from 'node:worker_threads';
import { isTypeScriptModule, runnableModuleUrl } from './module_url.ts';

/** Registers tsx in a worker thread before importing a .ts entry (development and tests only). */
const TS_BOOT_URL = new URL('./worker_boot.mjs', import.meta.url);

/**
 * Starts a worker thread on an entry module named by its TypeScript source. The compiled build runs
 * the entry's .js sibling directly under plain node; from source, the entry goes through
 * worker_boot.mjs, which registers tsx in the new thread (a worker does not inherit the parent's
 * loader hooks). The entry receives `workerData.entryUrl` plus whatever `data` holds.
 */
export function spawnWorker(entryUrl: URL, data: Record<string, unknown>, options: WorkerOptions = {}): Worker {
  const entry = runnableModuleUrl(entryUrl);
  const workerData = { ...data, entryUrl: entry.href };
  return new Worker(isTypeScriptModule(entry) ? TS_BOOT_URL : entry, { ...options, workerData });
}
