/** idle_thread.test.ts: a worker thread that moves itself to the idle classes (with the PATH it is given) and says which thread it is. */
import { parentPort, workerData } from 'node:worker_threads';
import { idleThisThread } from '../idle_thread.ts';
import { currentOsThreadId } from '../os_thread.ts';

const { path } = workerData as { path: string | null };
if (path !== null) process.env.PATH = path; // this thread's copy of the environment only
parentPort?.postMessage({ tid: currentOsThreadId(), refused: idleThisThread() });
setTimeout(() => {}, 60_000); // stays until terminated, so its /proc entry can be read
