/**
 * Runs a bench worker that posts one reply and exits. Resolves with the reply once the worker has
 * exited (so everything it measured is in); rejects when it fails or exits without replying, naming
 * `what` in the error.
 */
import { spawnWorker } from '../core/spawn_worker.ts';

export function runWorkerForReply<Reply>(entryUrl: URL, request: object, what: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const worker = spawnWorker(entryUrl, { ...request });
    let reply: Reply | null = null;
    worker.once('message', (m: Reply) => {
      reply = m;
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (reply !== null) resolve(reply);
      else reject(new Error(`${what} exited with code ${code} before replying`));
    });
  });
}
