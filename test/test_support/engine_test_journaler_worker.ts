/**
 * Stand-in journalers for engine lifecycle tests, chosen by the TEST_JOURNALER_MODE environment
 * variable of the test process (workers share it):
 *   gated  releases only up to the sequence last posted on the BroadcastChannel 'ringline-durable-gate'
 *          (so a test can hold "durable" back and watch results wait for it);
 *   throw  reports ready, then dies on its first batch with a message naming a file.
 */
import { BroadcastChannel, parentPort, workerData } from 'node:worker_threads';
import { setImmediate as immediate } from 'node:timers/promises';
import type { WorkerReport } from '../../core/engine_worker_protocol.ts';
import type { JournalerWorkerData } from '../../journal/journaler_worker_data.ts';
import { BatchConsumer, HALTED } from '../../core/ring/batch_consumer.ts';
import { Ring } from '../../core/ring/ring.ts';
import { createWaitStrategy } from '../../core/ring/wait_strategy.ts';
import { DURABLE_GATE_CHANNEL } from './engine_fixture.ts';


const data = workerData as JournalerWorkerData;
const post = (report: WorkerReport): void => parentPort?.postMessage(report);
const ring = new Ring(data.inputRingMemory);
const consumer = new BatchConsumer(ring, data.consumerIndex, { waitStrategy: createWaitStrategy('spin_park'), batchMax: data.batchMax });
const mode = process.env.TEST_JOURNALER_MODE ?? 'gated';

let permitted = -1;
const gate = new BroadcastChannel(DURABLE_GATE_CHANNEL);
gate.onmessage = (event) => {
  permitted = Number((event as MessageEvent).data);
};
post({ type: 'ready', lastSequence: data.firstSequence - 1 });

for (;;) {
  const count = consumer.waitFor(5);
  if (count === HALTED) break;
  if (count > 0 && mode === 'throw') throw new Error(`disk on fire: cannot write /nonexistent/segment at sequence ${consumer.nextSequence}`);
  const allowed = Math.min(count, permitted - consumer.nextSequence + 1);
  if (allowed > 0) consumer.release(allowed);
  await immediate();
}
gate.close();
post({ type: 'stopped' });
