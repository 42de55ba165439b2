/**
 * Worker entry for the ring bench (perf/scenarios/ring.ts): one producer or one consumer of a ring.
 * Every thread reports once, after the main thread's start signal, with its own figures.
 *
 * Producer: publishes `events` sequences (or until `maxMs`), claiming and publishing `publishBatch`
 * slots at a time; each slot carries its sequence (checked by consumers) and, when paced, the
 * intended send time (start + i × period, ns on the process-wide monotonic clock) — the consumer's
 * latency is measured from that intended time, so a late producer is not hidden (no coordinated
 * omission). Pacing reads the clock once per loop pass, not per event.
 * Consumer: takes batches; reads the clock once per batch and records (now − intended) for each
 * event of the batch in an HDR histogram (latency mode); checks every sequence.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { startGcCounter } from '../gc_counter.ts';
import { LatencyHistogram } from '../histogram.ts';
import { BatchConsumer, HALTED } from '../../core/ring/batch_consumer.ts';
import { Ring } from '../../core/ring/ring.ts';
import { SingleProducerSequencer } from '../../core/ring/single_producer_sequencer.ts';
import { createWaitStrategy, type WaitStrategyName } from '../../core/ring/wait_strategy.ts';

export interface RingBenchWorkerData {
  readonly role: 'producer' | 'consumer';
  readonly ringMemory: SharedArrayBuffer;
  /** i32 [0]: start flag (0 → 1), [1]: ready count. */
  readonly controlMemory: SharedArrayBuffer;
  readonly consumerIndex: number;
  readonly waitStrategy: WaitStrategyName;
  readonly events: number;
  readonly maxMs: number;
  readonly publishBatch: number;
  readonly consumerBatchMax: number;
  /** Events per second for a paced (latency) run; 0 = as fast as possible. */
  readonly ratePerS: number;
}

export interface RingBenchReport {
  readonly role: 'producer' | 'consumer';
  readonly count: number;
  readonly errors: number;
  /** Process-wide monotonic ns at the first publish (producer) / after the last record (consumer). */
  readonly startNs: number;
  readonly endNs: number;
  readonly gcEvents: number;
  readonly histogram: string | null;
}

const data = workerData as RingBenchWorkerData;
const ring = new Ring(data.ringMemory);
const control = new Int32Array(data.controlMemory);
const wait = createWaitStrategy(data.waitStrategy);
const f64 = ring.buffer.f64;

/** Process-wide monotonic clock in ns (CLOCK_MONOTONIC is shared by all threads; one array per read). */
function monoNs(): number {
  const t = process.hrtime();
  return t[0] * 1e9 + t[1];
}

function awaitStart(): void {
  Atomics.add(control, 1, 1);
  Atomics.notify(control, 1);
  while (Atomics.load(control, 0) === 0) Atomics.wait(control, 0, 0, 100);
}

function produce(): Omit<RingBenchReport, 'gcEvents' | 'histogram'> {
  const producer = new SingleProducerSequencer(ring);
  const batch = data.publishBatch;
  const events = data.events;
  awaitStart();
  const startNs = monoNs();
  const deadlineNs = startNs + data.maxMs * 1e6;
  let produced = 0;
  if (data.ratePerS === 0) {
    while (produced < events) {
      const count = Math.min(batch, events - produced);
      const first = producer.claim(count, wait);
      for (let i = 0; i < count; i++) {
        const s = first + i;
        f64[ring.slotBase(s) >>> 3] = s;
      }
      producer.publish();
      produced += count;
      if ((produced & 0xffff) < count && monoNs() > deadlineNs) break;
    }
  } else {
    const periodNs = 1e9 / data.ratePerS;
    while (produced < events) {
      const now = monoNs();
      if (now > deadlineNs) break;
      // Everything whose intended time has come, at most one publish batch per pass.
      let due = Math.min(batch, Math.floor((now - startNs) / periodNs) + 1 - produced, events - produced);
      if (due <= 0) continue;
      const first = producer.claim(due, wait);
      for (let i = 0; i < due; i++) {
        const s = first + i;
        const base = ring.slotBase(s) >>> 3;
        f64[base] = s;
        f64[base + 1] = startNs + (produced + i) * periodNs;
      }
      producer.publish();
      produced += due;
      due = 0;
    }
  }
  const endNs = monoNs();
  return { role: 'producer', count: produced, errors: 0, startNs, endNs };
}

function consume(histogram: LatencyHistogram | null): Omit<RingBenchReport, 'gcEvents' | 'histogram'> {
  const consumer = new BatchConsumer(ring, data.consumerIndex, { waitStrategy: wait, batchMax: data.consumerBatchMax });
  awaitStart();
  let count = 0;
  let errors = 0;
  for (;;) {
    const n = consumer.waitFor();
    if (n === HALTED) break;
    const first = consumer.nextSequence;
    if (histogram !== null) {
      const now = monoNs();
      for (let i = 0; i < n; i++) {
        const base = ring.slotBase(first + i) >>> 3;
        if (f64[base] !== first + i) errors++;
        histogram.recordNs(now - f64[base + 1]);
      }
    } else {
      for (let i = 0; i < n; i++) if (f64[ring.slotBase(first + i) >>> 3] !== first + i) errors++;
    }
    consumer.release(n);
    count += n;
  }
  return { role: 'consumer', count, errors, startNs: 0, endNs: monoNs() };
}

const gc = startGcCounter();
const histogram = data.role === 'consumer' && data.ratePerS > 0 ? new LatencyHistogram(10_000_000_000) : null;
const result = data.role === 'producer' ? produce() : consume(histogram);
const gcCount = await gc.stop();
const report: RingBenchReport = {
  ...result, gcEvents: gcCount.events, histogram: histogram === null ? null : histogram.encode(),
};
parentPort?.postMessage(report);
