/** os_thread.test.ts: a worker thread that lowers its own priority and says which thread it is. */
import { parentPort, workerData } from 'node:worker_threads';
import { currentOsThreadId, niceThisThread } from '../os_thread.ts';

parentPort?.postMessage({ tid: currentOsThreadId(), lowered: niceThisThread((workerData as { nice: number }).nice) });
setTimeout(() => {}, 60_000); // stays until terminated, so its /proc entry can be read
