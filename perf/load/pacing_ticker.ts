/**
 * A clock for open-loop load generators that leaves their event loop free. A generator that paced
 * itself by sleeping (Atomics.wait) between send batches also could not read replies while it slept:
 * a reply that arrived during the sleep was timestamped when the sleep ended, up to a whole pacing
 * period late (~170 µs with Linux's default 50 µs timer slack), so half a period on average was charged
 * to the system under test on top of the send delay. With the ticker, a small thread sleeps instead and
 * wakes the generator every period through Atomics.waitAsync; between ticks the generator waits in
 * its event loop, where a reply is read (and timestamped) as soon as it arrives.
 *
 *   const ticker = await startPacingTicker(100);
 *   ticker.onTick(() => { ...send what is due...; if (more) ticker.onTick(again); });
 *   await ticker.stop();
 */
import type { Worker } from 'node:worker_threads';
import { spawnWorker } from '../../core/spawn_worker.ts';

/** Word 0: ticks so far. Word 1: set to stop the ticker. */
export const TICK_COUNT = 0;
export const TICK_STOP = 1;

export interface PacingTicker {
  /** Calls `tick` once, at the next tick after this call (one pending callback at a time). */
  onTick(tick: () => void): void;
  /** Stops the ticker thread. */
  stop(): Promise<void>;
}

type WaitAsync = (words: Int32Array, index: number, value: number) => { async: boolean; value: Promise<unknown> | string };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

/** Starts the ticker thread; resolves once it ticks (a worker takes a while to boot: no tick is lost to it). */
export async function startPacingTicker(periodUs: number): Promise<PacingTicker> {
  if (!(periodUs > 0)) throw new RangeError(`pacing period must be above 0 µs: got ${periodUs}`);
  const memory = new SharedArrayBuffer(8);
  const cells = new Int32Array(memory);
  const worker: Worker = spawnWorker(new URL('./pacing_ticker_worker.ts', import.meta.url), { cells: memory, periodUs });
  worker.unref();
  const first = waitAsync(cells, TICK_COUNT, 0);
  if (first.async) await first.value;
  return {
    onTick(tick: () => void): void {
      const r = waitAsync(cells, TICK_COUNT, Atomics.load(cells, TICK_COUNT));
      if (r.async) void (r.value as Promise<unknown>).then(tick);
      else queueMicrotask(tick);
    },
    async stop(): Promise<void> {
      Atomics.store(cells, TICK_STOP, 1);
      await worker.terminate();
    },
  };
}
