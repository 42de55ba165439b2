/**
 * The journaler: one consumer of the input ring that makes every record durable before letting the
 * gateway acknowledge it. Per batch (everything published, up to batchMax):
 *
 *   1. frame and checksum each record into the write buffer   (SegmentWriter.append, no allocation)
 *   2. one write()                                             (SegmentWriter.write)
 *   3. fsync mode: one fdatasync                               (group commit)
 *   4. release the batch: the consumer sequence moves on       (= the durable sequence)
 *
 * In batch mode step 3 happens at most every batchIntervalMs (also when the ring goes idle), and in
 * none mode never; there the released sequence means "written", not "on disk". Every record is
 * journaled, read-only ones included (journal_descriptor.ts says why).
 *
 * A storage fault (a full disk, EIO: storage_fault.ts) is a state, not a death: the batch is kept
 * (not released, so nothing in it is acknowledged), the STORAGE_FAULT metric tells the gateway to
 * refuse new writes, and the same records are journaled again every storageRetryMs until the disk
 * takes them. Any other failed write or fdatasync throws out of `run`: the batch is never released;
 * the worker entry reports the failure and exits non-zero.
 */
import { performance } from 'node:perf_hooks';
import { setImmediate as immediate } from 'node:timers/promises';
import { BatchConsumer, HALTED } from '../core/ring/batch_consumer.ts';
import type { Ring } from '../core/ring/ring.ts';
import type { WaitStrategy } from '../core/ring/wait_strategy.ts';
import type { StageStamper } from '../core/stage_stamper.ts';
import { STAMP_SEQUENCE_SPAN } from '../core/stage_stamps_descriptor.ts';
import {
  DURABILITY_CODES, JM_BATCHES, JM_BATCH_BUCKETS, JM_BATCH_RECORDS_LOG2, JM_BATCH_RECORDS_MAX, JM_BYTES_WRITTEN,
  JM_DURABILITY_MODE, JM_DURABLE_SEQUENCE, JM_FSYNC_BUCKETS, JM_FSYNC_COUNT, JM_FSYNC_LAST_US, JM_FSYNC_MAX_US,
  JM_FSYNC_TOTAL_US, JM_FSYNC_US_LOG2, JM_RECORDS, JM_SEGMENTS_CREATED, JM_SLOTS, JM_STATE, JournalerState, log2Bucket,
} from './journal_metrics_descriptor.ts';
import type { JournalOptions } from './journal_options.ts';
import { JournalerSlot, METRICS_BYTES, MetricsLine, metricsIndex } from '../core/metrics_descriptor.ts';
import { SegmentWriter } from './segment_writer.ts';
import { SegmentPreparer } from './segment_preparer.ts';
import { journalDir } from './segment_files.ts';
import { storageFaultOf } from './storage_fault.ts';

/** How often, at most, a busy journaler returns to its event loop (Journaler.run). */
export const JOURNALER_TURN_EVERY_MS = 1000;

export interface JournalerOptions {
  readonly waitStrategy: WaitStrategy;
  /** Most records per batch (and so per fdatasync). */
  readonly batchMax: number;
  /** Detailed journal counters (journal_metrics_descriptor.ts); a private buffer when omitted. */
  readonly metrics?: Float64Array;
  /** The engine's shared counters (core/metrics_descriptor.ts): the JOURNALER line is updated. */
  readonly engineMetrics?: Float64Array;
  /** Called after each fdatasync with its latency in ns (benches record it in a histogram). */
  readonly onFsync?: (latencyNs: number) => void;
  /** Stamps the journaled column of sampled sequences (core/stage_stamper.ts) before each release. */
  readonly journaledStamps?: StageStamper;
}

const E_RECORDS = metricsIndex(MetricsLine.JOURNALER, JournalerSlot.RECORDS_WRITTEN);
const E_BYTES = metricsIndex(MetricsLine.JOURNALER, JournalerSlot.BYTES_WRITTEN);
const E_FSYNC_COUNT = metricsIndex(MetricsLine.JOURNALER, JournalerSlot.FSYNC_COUNT);
const E_FSYNC_US_TOTAL = metricsIndex(MetricsLine.JOURNALER, JournalerSlot.FSYNC_US_TOTAL);
const E_FSYNC_US_LAST = metricsIndex(MetricsLine.JOURNALER, JournalerSlot.FSYNC_US_LAST);
const E_FSYNC_US_MAX = metricsIndex(MetricsLine.JOURNALER, JournalerSlot.FSYNC_US_MAX);
const E_SEGMENTS = metricsIndex(MetricsLine.JOURNALER, JournalerSlot.SEGMENTS_OPENED);
const E_STORAGE_FAULT = metricsIndex(MetricsLine.JOURNALER, JournalerSlot.STORAGE_FAULT);
const E_STORAGE_FAULTS = metricsIndex(MetricsLine.JOURNALER, JournalerSlot.STORAGE_FAULTS);
const E_STORAGE_RETRIES = metricsIndex(MetricsLine.JOURNALER, JournalerSlot.STORAGE_RETRIES);
const E_STORAGE_SINCE = metricsIndex(MetricsLine.JOURNALER, JournalerSlot.STORAGE_UNAVAILABLE_SINCE_MS);

export class Journaler {
  readonly consumer: BatchConsumer;
  readonly writer: SegmentWriter;
  /** Prepares the next segment ahead on its own worker (fsync and batch durability, prepareSegments); null without. */
  readonly preparer: SegmentPreparer | null;
  readonly metrics: Float64Array;
  private readonly engineMetrics: Float64Array;
  private readonly ring: Ring;
  private readonly fsyncEachBatch: boolean;
  private readonly fsyncIntervalMs: number;
  private readonly onFsync: ((latencyNs: number) => void) | undefined;
  private readonly journaledStamps: StageStamper | undefined;
  /** batch mode: when written data first went unsynced (ms), -1 when all is synced. */
  private unsyncedSinceMs = -1;
  private readonly storageRetryMs: number;
  /** Something to Atomics.wait on between retries (nobody ever notifies it). */
  private readonly pause = new Int32Array(new SharedArrayBuffer(4));

  constructor(ring: Ring, consumerIndex: number, journal: JournalOptions, options: JournalerOptions) {
    this.ring = ring;
    this.consumer = new BatchConsumer(ring, consumerIndex, { waitStrategy: options.waitStrategy, batchMax: options.batchMax });
    this.preparer = journal.prepareSegments && journal.durability !== 'none'
      ? new SegmentPreparer(journalDir(journal.dataDir), journal.segmentBytes, journal.storageRetryMs) : null;
    this.writer = new SegmentWriter(journal, this.preparer);
    this.metrics = options.metrics ?? new Float64Array(JM_SLOTS);
    this.engineMetrics = options.engineMetrics ?? new Float64Array(METRICS_BYTES / 8);
    this.onFsync = options.onFsync;
    this.journaledStamps = options.journaledStamps;
    this.fsyncEachBatch = journal.durability === 'fsync';
    this.fsyncIntervalMs = journal.durability === 'batch' ? journal.batchIntervalMs : -1;
    this.storageRetryMs = journal.storageRetryMs;
    this.metrics[JM_DURABILITY_MODE] = DURABILITY_CODES[journal.durability];
    this.metrics[JM_DURABLE_SEQUENCE] = this.consumer.nextSequence - 1;
  }

  /**
   * Journals until the ring is halted and drained; closes the segment (synced unless none). Returns to
   * the event loop at most about once per JOURNALER_TURN_EVERY_MS while records keep coming, and once
   * after it has gone idle: that is where this thread's GC events reach its metrics line
   * (core/thread_gc_counter.ts). An idle journaler that has had its turn waits without a deadline.
   */
  async run(): Promise<void> {
    this.metrics[JM_STATE] = JournalerState.RUNNING;
    try {
      let lastTurnMs = performance.now();
      let turnOwed = false; // records were journaled since the last turn
      for (;;) {
        const untilTurnMs = turnOwed ? Math.max(0, JOURNALER_TURN_EVERY_MS - (performance.now() - lastTurnMs)) : Infinity;
        const count = this.step(untilTurnMs);
        if (count === HALTED) break;
        if (count > 0) turnOwed = true;
        if (turnOwed && performance.now() - lastTurnMs >= JOURNALER_TURN_EVERY_MS) {
          await immediate();
          lastTurnMs = performance.now();
          turnOwed = false;
        }
      }
      this.writer.close();
      this.metrics[JM_STATE] = JournalerState.STOPPED;
    } catch (error) {
      this.metrics[JM_STATE] = JournalerState.FAILED;
      throw error;
    } finally {
      this.preparer?.close();
    }
  }

  /**
   * Waits (at most waitMs, and in batch mode no longer than the next sync is due) for one batch and
   * journals it; returns its record count, 0 after an idle wait, or HALTED.
   */
  step(waitMs = Infinity): number {
    const consumer = this.consumer;
    const syncInMs = this.unsyncedSinceMs < 0 ? Infinity : this.fsyncIntervalMs - (performance.now() - this.unsyncedSinceMs);
    const count = consumer.waitFor(Math.max(0, Math.min(waitMs, syncInMs)));
    if (count === HALTED) return HALTED;
    if (count === 0) {
      if (this.unsyncedSinceMs >= 0 && performance.now() - this.unsyncedSinceMs >= this.fsyncIntervalMs) this.syncIdle();
      return 0;
    }
    const writer = this.writer;
    const first = consumer.nextSequence;
    const bytesBefore = writer.bytesWritten; // append writes out a full buffer or a rolled segment itself
    try {
      this.journalBatch(first, count);
    } catch (error) {
      const fault = storageFaultOf(error);
      if (fault === 0) throw error;
      this.retryBatch(first, count, fault, error as Error);
    }
    const m = this.metrics;
    // The batch is written: count it before releasing it, so whoever sees its results (a client, a
    // test reading engine.metrics()) also sees it in recordsWritten / bytesWritten.
    m[JM_BATCHES]++;
    m[JM_RECORDS] += count;
    m[JM_BYTES_WRITTEN] += writer.bytesWritten - bytesBefore;
    m[JM_SEGMENTS_CREATED] = writer.segmentsCreated;
    if (count > m[JM_BATCH_RECORDS_MAX]) m[JM_BATCH_RECORDS_MAX] = count;
    m[JM_BATCH_RECORDS_LOG2 + log2Bucket(count, JM_BATCH_BUCKETS)]++;
    const e = this.engineMetrics;
    e[E_RECORDS] = m[JM_RECORDS];
    e[E_BYTES] = m[JM_BYTES_WRITTEN];
    e[E_SEGMENTS] = writer.segmentsCreated;
    writer.markDurable();
    this.journaledStamps?.stamp((first % STAMP_SEQUENCE_SPAN) | 0, count);
    consumer.release(count); // the durable sequence moves only now
    m[JM_DURABLE_SEQUENCE] = first + count - 1;
    return count;
  }

  /** Appends records first..first+count-1 from the ring, writes them, and syncs as the mode asks. Throws on I/O errors. */
  private journalBatch(first: number, count: number): void {
    const buffer = this.ring.buffer;
    const writer = this.writer;
    const consumer = this.consumer;
    for (let i = 0; i < count; i++) writer.append(buffer, consumer.slotBase(first + i));
    writer.write();
    if (this.fsyncEachBatch) {
      this.syncNow();
    } else if (this.fsyncIntervalMs > 0) {
      const now = performance.now(); // one clock read per batch
      if (this.unsyncedSinceMs < 0) this.unsyncedSinceMs = now;
      else if (now - this.unsyncedSinceMs >= this.fsyncIntervalMs) this.syncNow();
    }
  }

  /**
   * Storage is unavailable: keep the batch (unreleased, so unacknowledged) and journal it again every
   * storageRetryMs from the last durable point until the disk takes it. Gives up only when the engine
   * stops meanwhile: then the batch was never acknowledged and the error says which sequences.
   */
  private retryBatch(first: number, count: number, fault: number, error: Error): void {
    this.enterFault(fault);
    let last = error;
    for (;;) {
      Atomics.wait(this.pause, 0, 0, this.storageRetryMs);
      if (this.ring.isHalted()) {
        throw new Error(
          `storage unavailable (${last.message}) when the engine stopped: sequences ${first}..${first + count - 1} ` +
            'were applied but never journaled, and never acknowledged', { cause: last },
        );
      }
      this.engineMetrics[E_STORAGE_RETRIES]++;
      try {
        this.writer.rewind();
        this.journalBatch(first, count);
        break;
      } catch (again) {
        if (storageFaultOf(again) === 0) throw again;
        last = again as Error;
      }
    }
    this.leaveFault();
  }

  /** batch mode, ring idle: fdatasync what was written (already acknowledged as written); retried while storage fails. */
  private syncIdle(): void {
    for (;;) {
      try {
        this.syncNow();
        break;
      } catch (error) {
        const fault = storageFaultOf(error);
        if (fault === 0 || this.ring.isHalted()) throw error;
        this.enterFault(fault);
        this.engineMetrics[E_STORAGE_RETRIES]++;
        Atomics.wait(this.pause, 0, 0, this.storageRetryMs);
      }
    }
    this.leaveFault();
  }

  private enterFault(fault: number): void {
    const e = this.engineMetrics;
    if (e[E_STORAGE_FAULT] !== 0) return;
    e[E_STORAGE_FAULTS]++;
    e[E_STORAGE_SINCE] = Date.now();
    e[E_STORAGE_FAULT] = fault; // last: whoever sees the fault also sees its counters
    // Wake whoever waits on the durable sequence (the release gate): it does not move while storage
    // is unavailable, and the gate must look again to serve reads and hold writes.
    this.consumer.sequence.wakeAll();
  }

  private leaveFault(): void {
    const e = this.engineMetrics;
    if (e[E_STORAGE_FAULT] === 0) return;
    e[E_STORAGE_FAULT] = 0;
    e[E_STORAGE_SINCE] = 0;
  }

  private syncNow(): void {
    const started = performance.now();
    this.writer.sync();
    const elapsedMs = performance.now() - started;
    if (this.onFsync !== undefined) this.onFsync(elapsedMs * 1e6);
    const us = Math.round(elapsedMs * 1000);
    this.unsyncedSinceMs = -1;
    const m = this.metrics;
    m[JM_FSYNC_COUNT]++;
    m[JM_FSYNC_TOTAL_US] += us;
    m[JM_FSYNC_LAST_US] = us;
    if (us > m[JM_FSYNC_MAX_US]) m[JM_FSYNC_MAX_US] = us;
    m[JM_FSYNC_US_LOG2 + log2Bucket(us, JM_FSYNC_BUCKETS)]++;
    const e = this.engineMetrics;
    e[E_FSYNC_COUNT] = m[JM_FSYNC_COUNT];
    e[E_FSYNC_US_TOTAL] = m[JM_FSYNC_TOTAL_US];
    e[E_FSYNC_US_LAST] = us;
    e[E_FSYNC_US_MAX] = m[JM_FSYNC_MAX_US];
  }
}

/** The line the engine prints at start (and /metrics labels): what "durable" means here. */
export function describeJournal(options: JournalOptions): string {
  const meaning = options.durability === 'fsync' ? 'acknowledged after fdatasync of each batch'
    : options.durability === 'batch' ? `acknowledged after write; fdatasync at most every ${options.batchIntervalMs} ms`
      : 'acknowledged after write; never fsynced (a machine crash can lose acknowledged commands)';
  return `journal: durability=${options.durability} (${meaning}), dataDir=${options.dataDir}, ` +
    `segmentBytes=${options.segmentBytes}`;
}
