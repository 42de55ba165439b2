/**
 * The monotonic clock (uv_hrtime: what performance.now() reads) without allocating. Every other read
 * allocates in Node 20: performance.now() returns a fresh heap number, process.hrtime() an array,
 * Number(process.hrtime.bigint()) a BigInt first. Here the bigint from hrtime's own array goes straight
 * into a BigUint64Array, which optimized code does without materializing it (5M reads in a loop: 0 GC
 * events, against 82 with performance.now()), and is read back as two uint32 words.
 *
 * The time is written into a Float64Array, never returned: a double returned from a call, or passed to
 * one, that V8 does not inline is boxed into a heap number (measured on the logic thread: a helper that
 * returned the time, inlined into applyBatch, allocated 16 bytes per read again). Interpreted code
 * (a function not yet optimized) still allocates; the hot callers are optimized.
 */
import { endianness } from 'node:os';

const TWO_POW_32 = 2 ** 32;
/** Index of the high and low uint32 word of a uint64 on this machine. */
const HIGH_WORD = endianness() === 'LE' ? 1 : 0;
const LOW_WORD = 1 - HIGH_WORD;
const hrtimeNs = process.hrtime.bigint;

export class MonotonicClock {
  private readonly ns = new BigUint64Array(1);
  private readonly words = new Uint32Array(this.ns.buffer);

  /** Writes now, in milliseconds since an arbitrary origin (the same in every thread), into out[index]. */
  readMsInto(out: Float64Array, index: number): void {
    this.ns[0] = hrtimeNs();
    const words = this.words;
    out[index] = (words[HIGH_WORD] * TWO_POW_32 + words[LOW_WORD]) / 1e6;
  }
}
