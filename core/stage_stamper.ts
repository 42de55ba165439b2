/**
 * One thread's writer of one column of the stage stamp table (stage_stamps_descriptor.ts). Allocates
 * nothing itself; stamp() reads the clock once, and only when its range holds a sampled sequence.
 */
import {
  HEADER_F64, HEADER_ORIGIN_MS, HEADER_ROWS, ROW_F64, SAMPLE_EVERY, STAMP_SEQUENCE_SPAN, StampColumn,
} from './stage_stamps_descriptor.ts';

const SAMPLE_MASK = SAMPLE_EVERY - 1;
const SAMPLE_SHIFT = Math.log2(SAMPLE_EVERY);

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
   * no boxing at the call), `count` its length. Only int32 arithmetic from here on, in code of its own:
   * sharing a helper with the main thread (which passes full sequences) would give it double feedback,
   * and a double returned from a call is boxed.
   */
  stamp(firstInSpan: number, count: number): void {
    const s = (firstInSpan + SAMPLE_MASK) & ~SAMPLE_MASK; // the first sampled sequence ≥ firstInSpan
    if (s < firstInSpan + count) this.write(s, firstInSpan + count, this.now());
  }

  /** stamp() with a time the caller read and a full sequence range first..last (tests, tools). */
  stampWith(first: number, last: number, nowMs: number): void {
    const firstInSpan = (first % STAMP_SEQUENCE_SPAN) | 0;
    const s = (firstInSpan + SAMPLE_MASK) & ~SAMPLE_MASK;
    this.write(s, firstInSpan + (last - first) + 1, nowMs);
  }

  /** Stamps sampled sequences s, s + SAMPLE_EVERY, ... below `end` (all reduced into the span). */
  private write(s: number, end: number, nowMs: number): void {
    const table = this.table;
    for (; s < end; s += SAMPLE_EVERY) table[HEADER_F64 + ((s >>> SAMPLE_SHIFT) & this.rowMask) * ROW_F64 + this.column] = nowMs;
  }
}
