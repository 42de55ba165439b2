/**
 * Sequences. Every party keeps the full sequence (an integer up to 2^53 - 1) as a JS number; the
 * shared int32 words carry only its low 32 bits, because Atomics works on int32 without allocating
 * (a BigInt64Array would allocate a BigInt per read). A reader turns a shared word back into a full
 * sequence with `widen(reference, word)`, where `reference` is a full sequence it already holds and
 * knows to be within 2^31 of the true value — always true in a ring, where every counter lies within
 * one capacity (≤ 2^24) of every other.
 */

/** The low 32 bits of a full sequence, as a signed int32 (ToInt32 is exact modulo 2^32 up to 2^53). */
export function low32(full: number): number {
  return full | 0;
}

/**
 * Wrap-aware comparison of two 32-bit sequence words: negative when `a` is before `b`, zero when
 * equal, positive when after. Correct while the two are less than 2^31 apart.
 */
export function compare32(a: number, b: number): number {
  return (a - b) | 0;
}

/** The full sequence whose low 32 bits are `word` and which lies within 2^31 of `reference`. */
export function widen(reference: number, word: number): number {
  return reference + ((word - (reference | 0)) | 0);
}

/**
 * One shared counter: a value word and, right after it, a waiter-count word (ring_descriptor.ts).
 * Owned (written) by exactly one thread; read by any.
 */
export class Sequence {
  readonly words: Int32Array;
  /** i32 index of the value word; the waiter count is at valueIndex + 1. */
  readonly valueIndex: number;

  constructor(words: Int32Array, valueIndex: number) {
    if (valueIndex < 0 || valueIndex + 1 >= words.length) {
      throw new RangeError(`sequence word out of range: valueIndex=${valueIndex}, words=${words.length}`);
    }
    this.words = words;
    this.valueIndex = valueIndex;
  }

  /** The low 32 bits. Atomics.load is sequentially consistent: it acquires everything the writer wrote before its store. */
  load32(): number {
    return Atomics.load(this.words, this.valueIndex);
  }

  /** The full value, widened against `reference`. */
  load(reference: number): number {
    return widen(reference, Atomics.load(this.words, this.valueIndex));
  }

  /**
   * Publishes a new full value. Atomics.store is sequentially consistent: every write made before it
   * (slot contents) is visible to a thread that loads the new value. The waiter count is then loaded
   * (also sequentially consistent); a parked thread raised it before re-checking the value, so either
   * it sees our value or we see its count and wake it — no lost wake-up. No waiter, no notify cost.
   */
  store(full: number): void {
    Atomics.store(this.words, this.valueIndex, full | 0);
    if (Atomics.load(this.words, this.valueIndex + 1) !== 0) Atomics.notify(this.words, this.valueIndex);
  }

  /** Wakes every thread parked on this counter, whatever the waiter count says (used on halt). */
  wakeAll(): void {
    Atomics.notify(this.words, this.valueIndex);
  }

  /** Threads currently parked on this counter (advisory). */
  waiters(): number {
    return Atomics.load(this.words, this.valueIndex + 1);
  }
}
