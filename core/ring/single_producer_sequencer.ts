/**
 * Claim and publish for the ring's one producer thread. Claims are plain arithmetic on the producer's
 * own full sequence; only publish touches shared memory (one seq-cst store of the cursor, plus a notify
 * when a consumer is parked). Claim several slots, fill them, publish once: that is producer batching.
 */
import { Gating } from './gating.ts';
import type { Ring } from './ring.ts';
import type { WaitStrategy } from './wait_strategy.ts';

export class SingleProducerSequencer {
  readonly ring: Ring;
  readonly gating: Gating;
  /** Full sequence of the last slot claimed (first sequence - 1 before any claim). */
  lastClaimed: number;
  /** Full sequence of the last slot published. */
  lastPublished: number;

  constructor(ring: Ring, gatingConsumers?: readonly number[]) {
    if (ring.multiProducer) throw new Error('ring was created for several producers: use MultiProducerSequencer');
    this.ring = ring;
    this.gating = new Gating(ring, gatingConsumers);
    this.lastClaimed = ring.cursor.load(ring.firstSequence - 1);
    this.lastPublished = this.lastClaimed;
  }

  /** Claims the next `count` slots; returns the first full sequence, or -1 when the ring lacks room. */
  tryClaim(count = 1): number {
    this.gating.checkClaimCount(count);
    const highest = this.lastClaimed + count;
    if (!this.gating.canClaim(highest, this.lastPublished)) return -1;
    const first = this.lastClaimed + 1;
    this.lastClaimed = highest;
    return first;
  }

  /** Claims `count` slots, waiting with `wait` while the ring is full. Returns the first full sequence. */
  claim(count: number, wait: WaitStrategy): number {
    return this.gating.claimWaiting(this, count, wait);
  }

  /** Slots free for claiming, as of the cached (possibly stale, hence conservative) consumer minimum. */
  remainingCapacity(): number {
    return this.ring.capacity - (this.lastClaimed - this.gating.refresh(this.lastPublished));
  }

  /**
   * Publishes every slot claimed so far. Sequence.store is a seq-cst store: all record bytes written
   * before it are visible to a consumer that reads the new cursor.
   */
  publish(): void {
    if (this.lastClaimed === this.lastPublished) return;
    this.lastPublished = this.lastClaimed;
    this.ring.cursor.store(this.lastPublished);
  }
}
