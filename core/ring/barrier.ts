/**
 * A barrier: what a consumer may read. It lists the upstream sequences the consumer waits on — the
 * ring's publication (cursor, or the available buffer for several producers) plus, for a later stage,
 * the consumers before it. The highest readable sequence is the minimum over them all.
 */
import type { Ring } from './ring.ts';
import type { Sequence } from './sequence.ts';
import { widen } from './sequence.ts';
import type { WaitStrategy } from './wait_strategy.ts';

/** waitFor's answer when the ring is halted and this consumer has read everything it ever will. */
export const BARRIER_HALTED = -2;
/** Idle steps between deadline checks are cheap; a clock read allocates, so only check after spinning. */
const DEADLINE_CHECK_AFTER_STEPS = 256;

export class SequenceBarrier {
  readonly ring: Ring;
  readonly upstream: readonly Sequence[];
  private readonly words: Int32Array;
  private readonly signalIndex: number;
  // Set by available(): the word that held the consumer back, and the value it read there.
  private laggingIndex = -1;
  private laggingObserved = 0;
  /** Set by look(): the publication signal's value before the scan. */
  private signalObserved = 0;

  /** `upstreamConsumers`: indexes of the ring consumers this one must stay behind (none for a first stage). */
  constructor(ring: Ring, upstreamConsumers: readonly number[] = []) {
    for (const index of upstreamConsumers) {
      if (!Number.isInteger(index) || index < 0 || index >= ring.consumerCount) {
        throw new RangeError(`barrier upstream consumer must be 0..${ring.consumerCount - 1}: got ${index}`);
      }
    }
    this.ring = ring;
    this.upstream = upstreamConsumers.map((index) => ring.consumers[index]);
    this.words = ring.words;
    this.signalIndex = ring.signalSequence().valueIndex;
  }

  /**
   * The highest full sequence readable now, at most `limit`, given `lastConsumed` (the caller's last
   * consumed full sequence, used to widen the shared words). Returns lastConsumed when nothing is new.
   */
  available(lastConsumed: number, limit: number): number {
    const ring = this.ring;
    const words = this.words;
    let hi = limit;
    this.laggingIndex = -1;
    for (let i = 0; i < this.upstream.length; i++) {
      const seq = this.upstream[i];
      const observed = Atomics.load(words, seq.valueIndex); // seq-cst load: acquires the upstream's work
      const full = widen(lastConsumed, observed);
      if (full < hi) {
        hi = full;
        this.laggingIndex = seq.valueIndex;
        this.laggingObserved = observed;
      }
    }
    const cursor = widen(lastConsumed, Atomics.load(words, ring.cursor.valueIndex)); // acquires slot contents
    if (!ring.multiProducer) {
      if (cursor < hi) {
        hi = cursor;
        this.laggingIndex = -1;
      }
      return hi;
    }
    // Several producers: the cursor is the last *claimed* sequence; a slot is published once the
    // available buffer carries its sequence (stored with a seq-cst Atomics.store after the record).
    if (cursor < hi) hi = cursor;
    const mask = ring.mask;
    const base = ring.availableIndex;
    let s = lastConsumed + 1;
    while (s <= hi && Atomics.load(words, base + (s & mask)) === (s | 0)) s++;
    if (s - 1 < hi) this.laggingIndex = -1;
    return s - 1;
  }

  /**
   * Waits until something past `lastConsumed` is readable (returns the highest readable, ≤ limit), the
   * ring is halted with nothing left for this consumer (BARRIER_HALTED), or `timeoutMs` passes
   * (returns lastConsumed). Reads the clock only when a finite timeout is given and the wait is long.
   */
  waitFor(lastConsumed: number, limit: number, wait: WaitStrategy, timeoutMs: number = Infinity): number {
    if (timeoutMs === Infinity) return this.waitSteps(lastConsumed, limit, wait, Infinity);
    let deadline = -1;
    let blockMsMax = timeoutMs;
    for (let step = 0; ; step++) {
      const seen = this.look(lastConsumed, limit);
      if (seen !== lastConsumed) return seen;
      if (step >= DEADLINE_CHECK_AFTER_STEPS && step % wait.stepsPerClockCheck === 0) {
        const now = performance.now();
        if (deadline < 0) deadline = now + timeoutMs;
        else if (now >= deadline) return lastConsumed;
        blockMsMax = deadline - now;
      } else if (timeoutMs <= 0) {
        return lastConsumed;
      }
      this.idleOnce(wait, step, blockMsMax);
    }
  }

  /**
   * waitFor without a deadline that also returns lastConsumed once the strategy counts the thread as
   * idle (`stepsBeforeIdle`: spin_park's park), or `stepsAfterIdle` idle steps later (spin_park: each a
   * park of at most PARK_MAX_MS), without reading the clock.
   */
  waitUntilIdle(lastConsumed: number, limit: number, wait: WaitStrategy, stepsAfterIdle = 0): number {
    return this.waitSteps(lastConsumed, limit, wait, wait.stepsBeforeIdle + stepsAfterIdle);
  }

  /**
   * Waits for at most `stepsMax` idle steps, with no deadline: no clock and no computed double passed to
   * the strategy (a double computed for Atomics.wait is boxed into a heap number at every call), so it
   * allocates nothing.
   */
  private waitSteps(lastConsumed: number, limit: number, wait: WaitStrategy, stepsMax: number): number {
    for (let step = 0; step < stepsMax; step++) {
      const seen = this.look(lastConsumed, limit);
      if (seen !== lastConsumed) return seen;
      this.idleOnce(wait, step, Infinity); // a parking strategy parks until notified
    }
    // One look after the last step: a park ended by the publish it waited for has its records ready (the
    // logic thread's one bounded park after idle would otherwise count as a whole idle second).
    return this.look(lastConsumed, limit);
  }

  /**
   * One look: the highest readable past lastConsumed, BARRIER_HALTED when the ring is halted with nothing
   * left for this consumer, or lastConsumed; remembers the word to idle on (idleOnce).
   */
  private look(lastConsumed: number, limit: number): number {
    const words = this.words;
    const halted = Atomics.load(words, this.ring.haltIndex) !== 0; // read before the data: see halt()
    this.signalObserved = Atomics.load(words, this.signalIndex); // read before scanning: no lost wake-up
    const hi = this.available(lastConsumed, limit);
    if (hi > lastConsumed) return hi;
    if (halted && widen(lastConsumed, Atomics.load(words, this.ring.cursor.valueIndex)) <= lastConsumed) return BARRIER_HALTED;
    return lastConsumed;
  }

  /** One idle step on the word that held the last look back (an upstream consumer, or the publication signal). */
  private idleOnce(wait: WaitStrategy, step: number, blockMsMax: number): void {
    if (this.laggingIndex >= 0) wait.idle(this.words, this.laggingIndex, this.laggingObserved, step, blockMsMax);
    else wait.idle(this.words, this.signalIndex, this.signalObserved, step, blockMsMax);
  }
}
