/**
 * One thread's writer of one column of the stage stamp table (stage_stamps_descriptor.ts). Allocates
 * nothing itself; stamp() reads the clock once, and only when its range holds a sampled sequence.
 */
import {
  HEADER_ORIGIN_MS, HEADER_ROWS, SAMPLE_EVERY, StampColumn, firstSampledFrom, rowBase,
} from './stage_stamps_descriptor.ts';

export class StageStamper {
  readonly table: Float64Array;
  readonly rowMask: number;
  /** Added to this thread's performance.now() to get the main thread's clock. */
  private readonly offsetMs: number;

  constructor(memory: SharedArrayBuffer, private readonly column: StampColumn) {
    if (column === StampColumn.SEQUENCE) throw new RangeError('the sequence column is written at claim, not stamped');
    this.table = new Float64Array(memory);
    const rows = this.table[HEADER_ROWS];
    if (!Number.isInteger(Math.log2(rows))) throw new RangeError(`stage stamps: rows must be a power of two, got ${rows}`);
    this.rowMask = rows - 1;
    this.offsetMs = performance.timeOrigin - this.table[HEADER_ORIGIN_MS];
  }

  /** Now, on the main thread's clock (one clock read). */
  now(): number {
    return performance.now() + this.offsetMs;
  }

  /**
   * Stamps every sampled sequence of the batch with one clock read; does nothing when there is none.
   * `firstInSpan` is the batch's first sequence as `(first % STAMP_SEQUENCE_SPAN) | 0` (a small integer:
   * no boxing at the call), `count` its length.
   */
  stamp(firstInSpan: number, count: number): void {
    const s = firstSampledFrom(firstInSpan);
    if (s < firstInSpan + count) this.write(s, firstInSpan + count - 1, this.now());
  }

  /** Stamps every sampled sequence in first..last with `nowMs`, a main-thread time the caller read. */
  stampWith(first: number, last: number, nowMs: number): void {
    this.write(firstSampledFrom(first), last, nowMs);
  }

  private write(s: number, last: number, nowMs: number): void {
    const table = this.table;
    for (; s <= last; s += SAMPLE_EVERY) table[rowBase(s, this.rowMask) + this.column] = nowMs;
  }
}
