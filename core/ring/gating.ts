/**
 * The producer's view of its gating consumers: the minimum of their sequences, cached. A producer may
 * claim sequence s only when s - capacity ≤ that minimum (the slot's previous record was passed by
 * every consumer). The cache is refreshed only when a claim would fail against it, so while the
 * consumers keep up the producer touches no consumer cache line.
 */
import type { Ring } from './ring.ts';
import type { Sequence } from './sequence.ts';
import { widen } from './sequence.ts';
import type { WaitStrategy } from './wait_strategy.ts';

export class Gating {
  readonly ring: Ring;
  readonly consumers: readonly Sequence[];
  /** Minimum full consumer sequence when last read. */
  cachedMinimum: number;
  private laggingIndex = 0;
  private laggingObserved = 0;

  constructor(ring: Ring, gatingConsumers?: readonly number[]) {
    const indexes = gatingConsumers ?? Array.from({ length: ring.consumerCount }, (_, i) => i);
    if (indexes.length === 0) throw new RangeError('a producer needs at least one gating consumer');
    for (const index of indexes) {
      if (!Number.isInteger(index) || index < 0 || index >= ring.consumerCount) {
        throw new RangeError(`gating consumer must be 0..${ring.consumerCount - 1}: got ${index}`);
      }
    }
    this.ring = ring;
    this.consumers = indexes.map((i) => ring.consumers[i]);
    this.cachedMinimum = ring.firstSequence - 1;
    this.laggingIndex = this.consumers[0].valueIndex;
  }

  /** True when full sequence `highest` may be claimed; re-reads the consumers only if the cache says no. */
  canClaim(highest: number, reference: number): boolean {
    const wrapPoint = highest - this.ring.capacity;
    if (wrapPoint <= this.cachedMinimum) return true;
    return wrapPoint <= this.refresh(reference);
  }

  /** Re-reads every gating consumer (seq-cst loads: they acquire what each consumer did before releasing). */
  refresh(reference: number): number {
    const words = this.ring.words;
    let minimum = Infinity;
    for (let i = 0; i < this.consumers.length; i++) {
      const index = this.consumers[i].valueIndex;
      const observed = Atomics.load(words, index);
      const full = widen(reference, observed);
      if (full < minimum) {
        minimum = full;
        this.laggingIndex = index;
        this.laggingObserved = observed;
      }
    }
    this.cachedMinimum = minimum;
    return minimum;
  }

  /** One idle step on the consumer that held the last refresh back (its release notifies a parked producer). */
  idle(wait: WaitStrategy, step: number): void {
    wait.idle(this.ring.words, this.laggingIndex, this.laggingObserved, step, Infinity);
  }

  /** Throws on a claim of more slots than the ring has (a programming error). */
  checkClaimCount(count: number): void {
    if (count < 1 || count > this.ring.capacity) throw new RangeError(`claim count must be 1..${this.ring.capacity}: got ${count}`);
  }

  /**
   * Claims `count` slots from `sequencer`, idling with `wait` on the lagging consumer while the ring is
   * full. Returns the first full sequence.
   */
  claimWaiting(sequencer: { tryClaim(count: number): number }, count: number, wait: WaitStrategy): number {
    for (let step = 0; ; step++) {
      const first = sequencer.tryClaim(count);
      if (first >= 0) return first;
      this.idle(wait, step);
    }
  }
}
