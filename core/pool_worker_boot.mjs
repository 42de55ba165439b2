// piscina entry shim, like worker_boot.mjs: a pool thread does not inherit the parent's loader hooks,
// so from source it registers tsx before importing the real task module (workerData.entryUrl), and
// hands piscina that module's default export as the task function.
import { workerData } from 'node:worker_threads';

const entry = workerData?.entryUrl;
if (typeof entry !== 'string') throw new Error('pool_worker_boot.mjs: workerData.entryUrl must name the task module');
if (entry.endsWith('.ts')) {
  const { register } = await import('tsx/esm/api');
  register();
}
const task = await import(entry);
export default task.default;
