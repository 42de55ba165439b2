/**
 * One thread's writer of one column of the stage stamp table (stage_stamps_descriptor.ts). Allocates
 * nothing: stamp() reads the clock once, and only when its range holds a sampled sequence.
 *
 * The clock is core/monotonic_clock.ts (no allocation), turned into the main thread's performance.now()
 * by one offset taken at construction (both read uv_hrtime).
 */
import { MonotonicClock } from './monotonic_clock.ts';
import {
  HEADER_F64, HEADER_ORIGIN_MS, HEADER_ROWS, ROW_F64, SAMPLE_EVERY, STAMP_SEQUENCE_SPAN, StampColumn,
} from './stage_stamps_descriptor.ts';

const SAMPLE_MASK = SAMPLE_EVERY - 1;
const SAMPLE_SHIFT = Math.log2(SAMPLE_EVERY);
const OFFSET_READS = 8;
const OFFSET_GAP_MS_ENOUGH = 0.005;

export class StageStamper {
  readonly table: Float64Array;
  readonly rowMask: number;
  /** Added to hrtime in ms to get the main thread's performance.now(). */
  private readonly offsetMs: number;
  private readonly clock = new MonotonicClock();
  /** The last clock read (ms): a typed array slot, so the time never crosses a call as a double. */
  private readonly readMs = new Float64Array(1);

  constructor(memory: SharedArrayBuffer, private readonly column: StampColumn) {
    if (column === StampColumn.SEQUENCE) throw new RangeError('the sequence column is written at claim, not stamped');
    this.table = new Float64Array(memory);
    const rows = this.table[HEADER_ROWS];
    if (!Number.isInteger(Math.log2(rows))) throw new RangeError(`stage stamps: rows must be a power of two, got ${rows}`);
    this.rowMask = rows - 1;
    // The main thread's now = this thread's performance.now() + (its timeOrigin - the main thread's),
    // read between two hrtime reads: the offset is off by half their gap at most; the tightest of a few.
    let offsetMs = 0;
    let gapMs = Infinity;
    for (let i = 0; i < OFFSET_READS && gapMs > OFFSET_GAP_MS_ENOUGH; i++) {
      const before = this.hrtimeMs();
      const mainNowMs = performance.now() + performance.timeOrigin - this.table[HEADER_ORIGIN_MS];
      const after = this.hrtimeMs();
      if (after - before < gapMs) {
        gapMs = after - before;
        offsetMs = mainNowMs - (before + after) / 2;
      }
    }
    this.offsetMs = offsetMs;
  }

  private hrtimeMs(): number {
    this.clock.readMsInto(this.readMs, 0);
    return this.readMs[0];
  }

  /**
   * Stamps every sampled sequence of the batch with one clock read; does nothing when there is none.
   * `firstInSpan` is the batch's first sequence as `(first % STAMP_SEQUENCE_SPAN) | 0` (a small integer:
   * no boxing at the call), `count` its length. Only int32 arithmetic from here on, in code of its own:
   * sharing a helper with the main thread (which passes full sequences) would give it double feedback.
   */
  stamp(firstInSpan: number, count: number): void {
    const s = (firstInSpan + SAMPLE_MASK) & ~SAMPLE_MASK; // the first sampled sequence ≥ firstInSpan
    if (s < firstInSpan + count) this.stampNow(s, firstInSpan + count);
  }

  /**
   * Reads the clock and stamps s, s + SAMPLE_EVERY, ... below `end`. The time stays a local of this one
   * function (monotonic_clock.ts says why).
   */
  private stampNow(s: number, end: number): void {
    this.clock.readMsInto(this.readMs, 0);
    const nowMs = this.readMs[0] + this.offsetMs;
    const table = this.table;
    for (; s < end; s += SAMPLE_EVERY) table[HEADER_F64 + ((s >>> SAMPLE_SHIFT) & this.rowMask) * ROW_F64 + this.column] = nowMs;
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
