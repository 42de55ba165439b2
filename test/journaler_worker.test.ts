import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { spawnWorker } from '../core/spawn_worker.ts';
import { Ring, createRingMemory } from '../core/ring/ring.ts';
import { SingleProducerSequencer } from '../core/ring/single_producer_sequencer.ts';
import { createWaitStrategy } from '../core/ring/wait_strategy.ts';
import { validateJournalOptions, type Durability } from '../journal/journal_options.ts';
import { createJournalMetricsMemory, JM_BYTES_WRITTEN, JM_DURABLE_SEQUENCE, JM_FSYNC_COUNT, JM_RECORDS, JM_STATE, JournalerState } from '../journal/journal_metrics_descriptor.ts';
import type { WorkerReport } from '../core/engine_worker_protocol.ts';
import { createMetricsMemory, metricsIndex, MetricsLine, JournalerSlot, ThreadSlot } from '../core/metrics_descriptor.ts';
import { recoverState } from '../replay/recovery.ts';
import { freshStateMachine, TEST_WORKLOAD } from '../journal/test_support/journal_fixture.ts';
import { writeWorkloadRecord } from '../journal/test_support/ledger_workload.ts';
import { createRecordBuffer } from '../codec/records/record_buffer.ts';
import { RES_MAX_RECORD_BYTES } from '../codec/records/result_descriptor.ts';
import { FIRST_SEQUENCE } from '../codec/records/command_descriptor.ts';

/** A new engine's journal: sequence 0 is the empty state, the first command is FIRST_SEQUENCE. */
const F = FIRST_SEQUENCE;
/** A file name's 20-digit sequence, as segment files are named. */
const named = (sequence: number): string => String(sequence).padStart(20, '0');

let dataDir = '';
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'ringline-journaler-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

const WORKER_URL = new URL('../journal/journaler_worker.ts', import.meta.url);

interface Started {
  ring: Ring; worker: Worker; metrics: Float64Array; engineMetrics: Float64Array; messages: WorkerReport[];
  errors: Error[]; exited: Promise<number>;
}

function startJournaler(durability: Durability, segmentBytes?: number): Started {
  const inputRingMemory = createRingMemory({ capacity: 1024, consumerCount: 1, firstSequence: F });
  const journalMetricsMemory = createJournalMetricsMemory();
  const metricsMemory = createMetricsMemory();
  const worker = spawnWorker(WORKER_URL, {
    inputRingMemory, consumerIndex: 0, waitStrategy: 'spin_park', batchMax: 256, firstSequence: F,
    journal: validateJournalOptions({ dataDir, durability, batchIntervalMs: 2, ...(segmentBytes === undefined ? {} : { segmentBytes }) }),
    metricsMemory, journalMetricsMemory,
  });
  const messages: WorkerReport[] = [];
  const errors: Error[] = [];
  worker.on('message', (m: WorkerReport) => messages.push(m));
  worker.on('error', (error) => errors.push(error));
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
  return {
    ring: new Ring(inputRingMemory), worker, metrics: new Float64Array(journalMetricsMemory),
    engineMetrics: new Float64Array(metricsMemory), messages, errors, exited,
  };
}

describe.each(['fsync', 'batch', 'none'] as const)('journaler worker (%s)', (durability) => {
  it('journals every published record; its consumer sequence is the durable sequence; replay matches', async () => {
    const { ring, metrics, engineMetrics, messages, exited } = startJournaler(durability);
    const producer = new SingleProducerSequencer(ring);
    const wait = createWaitStrategy('spin_yield');
    const live = freshStateMachine();
    const out = createRecordBuffer(new ArrayBuffer(RES_MAX_RECORD_BYTES));
    const total = 5000;
    for (let s = 0; s < total;) {
      const n = Math.min(1 + (s % 97), total - s);
      const first = producer.claim(n, wait);
      for (let i = 0; i < n; i++) {
        const base = ring.slotBase(first + i);
        writeWorkloadRecord(TEST_WORKLOAD, ring.buffer, base, first + i, F);
        live.apply(ring.buffer, base, out, 0);
      }
      producer.publish();
      s += n;
    }
    ring.halt();
    expect(await exited).toBe(0);
    expect(messages).toEqual([{ type: 'ready', lastSequence: F - 1 }, { type: 'stopped' }]);
    expect(engineMetrics[metricsIndex(MetricsLine.JOURNALER, JournalerSlot.RECORDS_WRITTEN)]).toBe(total);
    expect(ring.consumers[0].load(0)).toBe(F + total - 1);
    expect(metrics[JM_DURABLE_SEQUENCE]).toBe(F + total - 1);
    expect(metrics[JM_RECORDS]).toBe(total);
    expect(metrics[JM_STATE]).toBe(JournalerState.STOPPED);
    if (durability === 'fsync') {
      expect(metrics[JM_FSYNC_COUNT]).toBeGreaterThan(0);
      expect(engineMetrics[metricsIndex(MetricsLine.JOURNALER, JournalerSlot.FSYNC_COUNT)]).toBe(metrics[JM_FSYNC_COUNT]);
    }
    if (durability === 'none') expect(metrics[JM_FSYNC_COUNT]).toBe(0);

    const sm = freshStateMachine();
    const report = recoverState(sm, { dataDir, repair: false });
    expect(report).toMatchObject({ lastSequence: F + total - 1, replayedCount: total, warnings: [] });
    expect(sm.stateHash()).toBe(live.stateHash());
  });
});

describe('journaler worker failure', () => {
  it('a failed segment create stops it loudly: error naming the file, non-zero exit, nothing released', async () => {
    // A file already holding the name of the segment the journaler must create: open('wx') fails.
    mkdirSync(join(dataDir, 'journal'), { recursive: true });
    writeFileSync(join(dataDir, 'journal', `${named(F)}.journal`), 'in the way');
    const { ring, metrics, errors, exited } = startJournaler('fsync');
    const producer = new SingleProducerSequencer(ring);
    const first = producer.claim(3, createWaitStrategy('spin_yield'));
    for (let i = 0; i < 3; i++) writeWorkloadRecord(TEST_WORKLOAD, ring.buffer, ring.slotBase(first + i), first + i, F);
    producer.publish();
    expect(await exited).not.toBe(0);
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toMatch(new RegExp(`journaler stopped: EEXIST.*${named(F)}\\.journal.*nothing after the last durable sequence was acknowledged`));
    expect(ring.consumers[0].load(0)).toBe(F - 1);
    expect(metrics[JM_STATE]).toBe(JournalerState.FAILED);
    expect(metrics[JM_DURABLE_SEQUENCE]).toBe(F - 1);
  });
});

describe('journaler counters', () => {
  it('counts its own thread\'s GC events while it keeps journaling (it returns to its event loop while busy)', async () => {
    const { ring, engineMetrics, exited } = startJournaler('none');
    const producer = new SingleProducerSequencer(ring);
    const wait = createWaitStrategy('spin_yield');
    const gcEvents = metricsIndex(MetricsLine.JOURNALER, ThreadSlot.GC_EVENTS);
    // One record per batch, so the journaler does the most work per record, until a collection of its
    // thread shows up in its line. The bound only turns a journaler that never counts into a failure.
    let published = 0;
    while (engineMetrics[gcEvents] === 0 && published < 3_000_000) {
      const first = producer.claim(1, wait);
      writeWorkloadRecord(TEST_WORKLOAD, ring.buffer, ring.slotBase(first), first, F);
      producer.publish();
      published++;
      while (ring.consumers[0].load(0) < first) { // spin: the journaler runs on the other core
      }
    }
    ring.halt();
    expect(await exited).toBe(0);
    expect(engineMetrics[gcEvents]).toBeGreaterThan(0);
    expect(engineMetrics[metricsIndex(MetricsLine.JOURNALER, ThreadSlot.GC_PAUSE_MS)]).toBeGreaterThan(0);
  }, 120_000);


  it('counts every byte written, including segment headers and pieces written when the buffer fills', async () => {
    const { ring, metrics, engineMetrics, exited } = startJournaler('none', 64 * 1024); // rolls inside batches
    const producer = new SingleProducerSequencer(ring);
    const wait = createWaitStrategy('spin_yield');
    for (let s = 0; s < 3000; s += 100) {
      const first = producer.claim(100, wait);
      for (let i = 0; i < 100; i++) writeWorkloadRecord(TEST_WORKLOAD, ring.buffer, ring.slotBase(first + i), first + i, F);
      producer.publish();
    }
    ring.halt();
    expect(await exited).toBe(0);
    const { statSync } = await import('node:fs');
    const { listSegments } = await import('../journal/segment_files.ts');
    const onDisk = listSegments(dataDir).reduce((sum, s) => sum + statSync(s.path).size, 0);
    expect(listSegments(dataDir).length).toBeGreaterThan(2);
    expect(metrics[JM_BYTES_WRITTEN]).toBe(onDisk);
    expect(engineMetrics[metricsIndex(MetricsLine.JOURNALER, JournalerSlot.BYTES_WRITTEN)]).toBe(onDisk);
  });
});
