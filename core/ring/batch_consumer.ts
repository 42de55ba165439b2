/**
 * One consumer of a ring: takes everything published up to the cursor in one batch (bounded by
 * `batchMax`), and tells the producer what it has finished with `release`. Its sequence in the ring
 * IS its progress: the journaler releases only after fdatasync, so its sequence is the durable one.
 *
 * Usage in a worker (zero allocation per record):
 *
 *   const ring = new Ring(workerData.ringMemory);
 *   const consumer = new BatchConsumer(ring, workerData.consumerIndex, {
 *     waitStrategy: createWaitStrategy(workerData.waitStrategy), batchMax: 1024 });
 *   for (;;) {
 *     const count = consumer.waitFor();              // > 0 records; 0 timed out; HALTED: drained, stop
 *     if (count === HALTED) break;
 *     for (let i = 0; i < count; i++) {
 *       const sequence = consumer.nextSequence + i;
 *       const base = consumer.slotBase(sequence);     // record at ring.buffer, base
 *       ...
 *     }
 *     consumer.release(count);                       // only once the batch is done (durable)
 *   }
 */
import { BARRIER_HALTED, SequenceBarrier } from './barrier.ts';
import type { Ring } from './ring.ts';
import type { Sequence } from './sequence.ts';
import type { WaitStrategy } from './wait_strategy.ts';

/** waitFor's answer when the producer halted the ring and this consumer has drained it. */
export const HALTED = -1;

export interface BatchConsumerOptions {
  readonly waitStrategy: WaitStrategy;
  /** Most records in one batch (≥ 1). */
  readonly batchMax: number;
  /** Consumers this one must stay behind (a later pipeline stage); none by default. */
  readonly upstreamConsumers?: readonly number[];
}

export class BatchConsumer {
  readonly ring: Ring;
  readonly consumerIndex: number;
  readonly sequence: Sequence;
  readonly barrier: SequenceBarrier;
  readonly waitStrategy: WaitStrategy;
  readonly batchMax: number;
  /** Full sequence of the first record not yet released. */
  nextSequence: number;

  constructor(ring: Ring, consumerIndex: number, options: BatchConsumerOptions) {
    if (!Number.isInteger(consumerIndex) || consumerIndex < 0 || consumerIndex >= ring.consumerCount) {
      throw new RangeError(`consumerIndex must be 0..${ring.consumerCount - 1}: got ${consumerIndex}`);
    }
    if (!Number.isInteger(options.batchMax) || options.batchMax < 1) {
      throw new RangeError(`batchMax must be an integer >= 1: got ${options.batchMax}`);
    }
    this.ring = ring;
    this.consumerIndex = consumerIndex;
    this.sequence = ring.consumers[consumerIndex];
    this.barrier = new SequenceBarrier(ring, options.upstreamConsumers ?? []);
    this.waitStrategy = options.waitStrategy;
    this.batchMax = options.batchMax;
    // A consumer starts where the ring's shared word says it is (the ring's first sequence at creation).
    this.nextSequence = this.sequence.load(ring.firstSequence - 1) + 1;
  }

  /** Records readable now without waiting (0 when none). */
  poll(): number {
    const last = this.nextSequence - 1;
    return this.barrier.available(last, last + this.batchMax) - last;
  }

  /** Waits for a batch: the count of readable records (≥ 1), 0 after `timeoutMs`, or HALTED. */
  waitFor(timeoutMs: number = Infinity): number {
    const last = this.nextSequence - 1;
    const hi = this.barrier.waitFor(last, last + this.batchMax, this.waitStrategy, timeoutMs);
    return hi === BARRIER_HALTED ? HALTED : hi - last;
  }

  /**
   * waitFor without a clock: 0 once the wait strategy counts this thread as idle (spin_park: where it
   * would park) instead of after a timeout, or `stepsAfterIdle` idle steps after that (spin_park: parks
   * of at most PARK_MAX_MS each). Allocates nothing, where a timeout reads the clock.
   */
  waitUntilIdle(stepsAfterIdle = 0): number {
    const last = this.nextSequence - 1;
    const hi = this.barrier.waitUntilIdle(last, last + this.batchMax, this.waitStrategy, stepsAfterIdle);
    return hi === BARRIER_HALTED ? HALTED : hi - last;
  }

  /** Byte offset in ring.buffer of the record with full sequence `sequence`. */
  slotBase(sequence: number): number {
    return this.ring.slotBase(sequence);
  }

  /** Marks the next `count` records consumed: the producer may reuse their slots. Wakes a parked producer. */
  release(count: number): void {
    this.nextSequence += count;
    this.sequence.store(this.nextSequence - 1);
  }
}
