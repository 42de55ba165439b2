/** Runs one ring stress topology on real worker threads and collects every worker's report. */
import { once } from 'node:events';
import type { Worker } from 'node:worker_threads';
import { waitAsync } from '../../core/atomics_wait_async.ts';
import { Ring, createRingMemory } from '../../core/ring/ring.ts';
import type { WaitStrategyName } from '../../core/ring/wait_strategy.ts';
import { spawnWorker } from '../../core/spawn_worker.ts';
import { createStamps } from './ring_stress_payload.ts';
import type { StressReport, StressWorkerData } from './ring_stress_worker.ts';

const WORKER_URL = new URL('./ring_stress_worker.ts', import.meta.url);

export interface StressTopology {
  readonly producers: number;
  readonly consumers: number;
  readonly capacity: number;
  readonly firstSequence: number;
  /** Events per producer. */
  readonly eventsPerProducer: number;
  readonly batchMax: number;
  readonly waitStrategy: WaitStrategyName;
  /** Ask producers to stop after this many ms (shutdown under load); none by default. */
  readonly stopAfterMs?: number;
}

export interface StressOutcome {
  readonly producers: StressReport[];
  readonly consumers: StressReport[];
}

async function report(worker: Worker): Promise<StressReport> {
  const failed = once(worker, 'error').then(([error]) => { throw error as Error; });
  const [message] = await Promise.race([once(worker, 'message'), failed]);
  return message as StressReport;
}

export async function runStress(topology: StressTopology): Promise<StressOutcome> {
  const multiProducer = topology.producers > 1;
  const ringMemory = createRingMemory({
    capacity: topology.capacity, consumerCount: topology.consumers, firstSequence: topology.firstSequence, multiProducer,
  });
  const ring = new Ring(ringMemory);
  const stampsMemory = createStamps(topology.consumers, topology.capacity, topology.firstSequence);
  const controlMemory = new SharedArrayBuffer(64);
  const base = {
    ringMemory, stampsMemory, controlMemory, producerCount: topology.producers, events: topology.eventsPerProducer,
    batchMax: topology.batchMax, waitStrategy: topology.waitStrategy,
  };
  const consumers = Array.from({ length: topology.consumers }, (_, index) =>
    spawnWorker(WORKER_URL, { ...base, role: 'consumer', index } satisfies StressWorkerData));
  const producers = Array.from({ length: topology.producers }, (_, index) =>
    spawnWorker(WORKER_URL, { ...base, role: 'producer', index } satisfies StressWorkerData));
  const consumerReports = consumers.map(report);
  let timer: NodeJS.Timeout | undefined;
  const stopAfterMs = topology.stopAfterMs;
  if (stopAfterMs !== undefined) {
    // Start the stop timer once every producer runs (thread start-up with the TypeScript loader is slow).
    const control = new Int32Array(controlMemory);
    void (async () => {
      for (let seen = Atomics.load(control, 1); seen < topology.producers; seen = Atomics.load(control, 1)) {
        const waited = waitAsync(control, 1, seen, 1000);
        if (waited.async) await waited.value;
      }
      timer = setTimeout(() => Atomics.store(control, 0, 1), stopAfterMs);
    })();
  }
  try {
    const producerReports = await Promise.all(producers.map(report));
    // Every producer has published its last record: the ring may now tell consumers to drain and stop.
    ring.halt();
    return { producers: producerReports, consumers: await Promise.all(consumerReports) };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    await Promise.all([...consumers, ...producers].map((w) => w.terminate()));
  }
}
