/**
 * Claim and publish for several producer threads sharing one ring (Disruptor's multi-producer
 * sequencer). Claiming takes a short spin lock around the shared next-to-claim counter, kept as a full
 * float64 sequence: Atomics has no 64-bit integer without BigInt allocation, and the lock's seq-cst
 * acquire (compareExchange) and release (store) order the plain float64 read and write between them.
 * The claimer also stores the low 32 bits of its last claimed sequence in the cursor.
 *
 * Publication needs no lock and may complete out of order: each producer stores a slot's sequence in
 * the available buffer after writing the record, then bumps the publish signal. Consumers read up to
 * the first slot not yet available (barrier.ts), so a slow producer holds back only what follows it.
 */
import { CLAIM_LOCK_OFFSET, CLAIM_NEXT_OFFSET, wordIndex } from './ring_descriptor.ts';
import { Gating } from './gating.ts';
import type { Ring } from './ring.ts';
import type { WaitStrategy } from './wait_strategy.ts';

/** Failed lock attempts before a claimer starts sleeping briefly (the holder may be descheduled). */
const LOCK_SPINS = 64;
const LOCK_SLEEP_MS = 0.01;

export class MultiProducerSequencer {
  readonly ring: Ring;
  readonly gating: Gating;
  private readonly words: Int32Array;
  private readonly claimNext: Float64Array;
  private readonly lockIndex: number;

  constructor(ring: Ring, gatingConsumers?: readonly number[]) {
    if (!ring.multiProducer) throw new Error('ring was created for one producer: use SingleProducerSequencer');
    this.ring = ring;
    this.gating = new Gating(ring, gatingConsumers);
    this.words = ring.words;
    this.claimNext = new Float64Array(ring.memory, CLAIM_NEXT_OFFSET, 1);
    this.lockIndex = wordIndex(CLAIM_LOCK_OFFSET);
  }

  /** Claims `count` consecutive slots; returns the first full sequence, or -1 when the ring lacks room. */
  tryClaim(count = 1): number {
    this.gating.checkClaimCount(count);
    this.lock();
    const first = this.claimNext[0]; // plain read, ordered by the lock acquire
    const highest = first + count - 1;
    if (!this.gating.canClaim(highest, first - 1)) {
      this.unlock();
      return -1;
    }
    this.claimNext[0] = highest + 1; // plain write, published by the lock release
    Atomics.store(this.words, this.ring.cursor.valueIndex, highest | 0); // seq-cst: consumers bound their scan by it
    this.unlock();
    return first;
  }

  /** Claims `count` slots, waiting with `wait` while the ring is full. */
  claim(count: number, wait: WaitStrategy): number {
    return this.gating.claimWaiting(this, count, wait);
  }

  /**
   * Publishes claimed slots first..last (full sequences). Each available-buffer store is seq-cst: the
   * record written before it is visible to a consumer that loads the sequence there. Then the publish
   * signal moves (seq-cst add) and parked consumers are woken if any.
   */
  publish(first: number, last: number): void {
    const words = this.words;
    const mask = this.ring.mask;
    const base = this.ring.availableIndex;
    for (let s = first; s <= last; s++) Atomics.store(words, base + (s & mask), s | 0);
    const signal = this.ring.publishSignal.valueIndex;
    Atomics.add(words, signal, 1);
    if (Atomics.load(words, signal + 1) !== 0) Atomics.notify(words, signal);
  }

  private lock(): void {
    const words = this.words;
    const index = this.lockIndex;
    for (let attempt = 0; Atomics.compareExchange(words, index, 0, 1) !== 0; attempt++) {
      // Sleep briefly (timed wait on the lock word while it reads 1) so a descheduled holder can run.
      if (attempt >= LOCK_SPINS) Atomics.wait(words, index, 1, LOCK_SLEEP_MS);
    }
  }

  private unlock(): void {
    Atomics.store(this.words, this.lockIndex, 0); // seq-cst release of the claim counter
  }
}
