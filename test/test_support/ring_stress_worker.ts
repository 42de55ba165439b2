/**
 * Worker entry for the ring stress tests: a producer (single or one of several) or a consumer.
 * Producers check the slot stamps before reusing a slot; consumers check every record and that they
 * see each sequence once, in order. Each reports { role, count, errors, firstError, ... } and exits.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { BatchConsumer, HALTED } from '../../core/ring/batch_consumer.ts';
import { MultiProducerSequencer } from '../../core/ring/multi_producer_sequencer.ts';
import { Ring } from '../../core/ring/ring.ts';
import { SingleProducerSequencer } from '../../core/ring/single_producer_sequencer.ts';
import { createWaitStrategy, type WaitStrategyName } from '../../core/ring/wait_strategy.ts';
import { checkStressRecord, recordProducer, recordProducerCounter, writeStressRecord } from './ring_stress_payload.ts';

export interface StressWorkerData {
  readonly role: 'producer' | 'consumer';
  readonly ringMemory: SharedArrayBuffer;
  readonly stampsMemory: SharedArrayBuffer;
  /** Shared i32 control words: [0] stop request (producers stop claiming when set). */
  readonly controlMemory: SharedArrayBuffer;
  readonly index: number;
  readonly producerCount: number;
  readonly events: number;
  readonly batchMax: number;
  readonly waitStrategy: WaitStrategyName;
}

export interface StressReport {
  readonly role: 'producer' | 'consumer';
  readonly index: number;
  readonly count: number;
  readonly errors: number;
  readonly firstError: string;
  readonly firstSequence: number;
  readonly lastSequence: number;
}

const data = workerData as StressWorkerData;
const ring = new Ring(data.ringMemory);
const stamps = new Float64Array(data.stampsMemory);
const control = new Int32Array(data.controlMemory);
const wait = createWaitStrategy(data.waitStrategy);
const buf = ring.buffer;
const capacity = ring.capacity;
const mask = ring.mask;
let errors = 0;
let firstError = '';

function fail(message: string): void {
  if (errors++ === 0) firstError = message;
}

/** Every consumer has read the slot's previous occupant (s - capacity): else we would overwrite it unread. */
function checkStamps(sequence: number): void {
  const slot = sequence & mask;
  for (let c = 0; c < ring.consumerCount; c++) {
    const stamp = stamps[c * capacity + slot];
    if (stamp !== sequence - capacity) fail(`producer ${data.index}: slot ${slot} for ${sequence} but consumer ${c} last read ${stamp}`);
  }
}

/** Tells the harness this producer is running (its stop timer starts then, not at thread start-up). */
function announceStart(): void {
  Atomics.add(control, 1, 1);
  Atomics.notify(control, 1);
}

function runSingleProducer(): StressReport {
  const producer = new SingleProducerSequencer(ring);
  const first = producer.lastClaimed + 1;
  let produced = 0;
  let batch = 1;
  announceStart();
  while (produced < data.events && Atomics.load(control, 0) === 0) {
    // Vary the batch 1..batchMax so both per-event and batched publication are exercised.
    const count = Math.min(batch, data.events - produced);
    const start = producer.claim(count, wait);
    for (let i = 0; i < count; i++) {
      const s = start + i;
      checkStamps(s);
      writeStressRecord(buf, ring.slotBase(s), s, 0, produced + i);
    }
    producer.publish();
    produced += count;
    batch = batch >= data.batchMax ? 1 : Math.min(data.batchMax, batch * 2 + 1);
  }
  return { role: 'producer', index: data.index, count: produced, errors, firstError, firstSequence: first, lastSequence: producer.lastPublished };
}

function runMultiProducer(): StressReport {
  const producer = new MultiProducerSequencer(ring);
  let produced = 0;
  let batch = 1 + data.index;
  let firstSeen = -1;
  let lastSeen = -1;
  announceStart();
  while (produced < data.events && Atomics.load(control, 0) === 0) {
    const count = Math.min(batch, data.events - produced);
    const start = producer.claim(count, wait);
    if (firstSeen < 0) firstSeen = start;
    if (start <= lastSeen) fail(`producer ${data.index}: claim ${start} not after its previous ${lastSeen}`);
    for (let i = 0; i < count; i++) {
      const s = start + i;
      checkStamps(s);
      writeStressRecord(buf, ring.slotBase(s), s, data.index, produced + i);
    }
    producer.publish(start, start + count - 1);
    lastSeen = start + count - 1;
    produced += count;
    batch = batch >= data.batchMax ? 1 : Math.min(data.batchMax, batch + 3);
  }
  return { role: 'producer', index: data.index, count: produced, errors, firstError, firstSequence: firstSeen, lastSequence: lastSeen };
}

function runConsumer(): StressReport {
  const consumer = new BatchConsumer(ring, data.index, { waitStrategy: wait, batchMax: data.batchMax });
  const first = consumer.nextSequence;
  const producerCounters = new Float64Array(Math.max(1, data.producerCount)).fill(-1);
  let expected = first;
  let count = 0;
  for (;;) {
    const n = consumer.waitFor();
    if (n === HALTED) break;
    if (n <= 0 || n > data.batchMax) fail(`consumer ${data.index}: batch of ${n}`);
    for (let i = 0; i < n; i++) {
      const s = consumer.nextSequence + i;
      if (s !== expected) fail(`consumer ${data.index}: got ${s}, expected ${expected}`);
      expected = s + 1;
      const base = consumer.slotBase(s);
      const reason = checkStressRecord(buf, base, s);
      if (reason !== 0) fail(`consumer ${data.index}: record ${s} damaged (reason ${reason})`);
      const p = recordProducer(buf, base);
      const pc = recordProducerCounter(buf, base);
      if (p >= producerCounters.length || pc !== producerCounters[p] + 1) {
        fail(`consumer ${data.index}: producer ${p} counter ${pc} after ${producerCounters[p]} at ${s}`);
      } else {
        producerCounters[p] = pc;
      }
      // Re-check after the reads: a producer overwriting this slot mid-read would show here.
      if (checkStressRecord(buf, base, s) !== 0) fail(`consumer ${data.index}: record ${s} changed while read`);
      stamps[data.index * capacity + (s & mask)] = s;
    }
    consumer.release(n);
    count += n;
  }
  return { role: 'consumer', index: data.index, count, errors, firstError, firstSequence: first, lastSequence: expected - 1 };
}

const report = data.role === 'consumer' ? runConsumer()
  : data.producerCount > 1 || ring.multiProducer ? runMultiProducer() : runSingleProducer();
parentPort?.postMessage(report);
