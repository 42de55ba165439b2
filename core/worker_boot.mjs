// Worker entry shim. Node 20 cannot load a TypeScript worker file, and a worker does not inherit the
// parent's `--import tsx` hooks, so every ringline worker starts here: it registers the TypeScript
// loader in this thread when the real entry is a .ts file, then imports that entry.
import { workerData } from 'node:worker_threads';

const entry = workerData?.entryUrl;
if (typeof entry !== 'string') throw new Error('worker_boot.mjs: workerData.entryUrl must name the worker entry');
if (entry.endsWith('.ts')) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import(entry);
