/**
 * Stage stamps: when each stage of the pipeline finished with a sampled command. One SharedArrayBuffer
 * of float64; a header, then one 64-byte row per sampled sequence in flight. Every SAMPLE_EVERY-th
 * sequence (sequence % SAMPLE_EVERY === 0) is sampled; its row is (sequence / SAMPLE_EVERY) & rowMask.
 * Each column has one writer thread; the main thread reads a row once the result is released.
 *
 *   float64  field                  writer       when
 *   header
 *   0        originMs               engine       performance.timeOrigin of the main thread (epoch ms)
 *   1        rows                   engine       rows in the table (a power of two)
 *   2..7     spare
 *   row r at HEADER_F64 + r * ROW_F64
 *   +0       sequence               main thread  at claim: the sequence that owns the row now
 *   +1       receivedMs             main thread  at claim: when its input chunk arrived (NaN: unknown)
 *   +2       publishedMs            main thread  when its batch was published into the input ring
 *   +3       appliedMs              logic        after applying its batch, before publishing the results
 *   +4       journaledMs            journaler    after writing (and fdatasync) of its batch, before release
 *   +5       replicatedMs           replicator   before releasing it (sent, or acknowledged in sync mode)
 *   +6..7    spare
 *
 * Times are milliseconds on the main thread's clock: a worker's StageStamper reads the monotonic clock
 * without allocating (core/monotonic_clock.ts; performance.now() would box a heap number) and adds the
 * offset to the main thread's performance.now(). Each writer reads the clock once per batch and only when
 * the batch holds a sampled sequence: one read per SAMPLE_EVERY commands at most.
 * Ordering: a writer stores its column before the Atomics store that publishes its sequence (ring
 * cursor or consumer sequence); the main thread reads the row after observing the released sequence
 * through those same words, so it sees every column of a released command.
 * The table holds more rows than sequences can be in flight (input + output ring capacity), so a row is
 * never reused before its result is released; the sequence column guards it anyway.
 */
import { layoutAssertion } from '../codec/layout_assertion.ts';
export const SAMPLE_EVERY = 64;
/**
 * Writer threads pass sequences reduced modulo this span, as int32 (`(sequence % STAMP_SEQUENCE_SPAN) | 0`):
 * a number beyond the small-integer range passed to a call V8 does not inline is boxed into a new heap
 * number, and sequences pass 2^31 in a long-lived engine. The span is a multiple of rows × SAMPLE_EVERY,
 * so a reduced sequence keeps its row and whether it is sampled.
 */
export const STAMP_SEQUENCE_SPAN = 2 ** 30;
export const HEADER_F64 = 8;
export const ROW_F64 = 8;

export const HEADER_ORIGIN_MS = 0;
export const HEADER_ROWS = 1;

/** Column of each stamp within a row. */
export const StampColumn = {
  SEQUENCE: 0, RECEIVED_MS: 1, PUBLISHED_MS: 2, APPLIED_MS: 3, JOURNALED_MS: 4, REPLICATED_MS: 5,
} as const;
export type StampColumn = (typeof StampColumn)[keyof typeof StampColumn];

/** A stamp table for up to `sequencesInFlightMax` sequences in flight, with the main thread's clock origin. */
export function createStageStampsMemory(sequencesInFlightMax: number, originMs: number): SharedArrayBuffer {
  if (!Number.isInteger(sequencesInFlightMax) || sequencesInFlightMax < 1) {
    throw new RangeError(`sequencesInFlightMax must be a positive integer, got ${sequencesInFlightMax}`);
  }
  const rows = 2 ** Math.ceil(Math.log2(Math.ceil(sequencesInFlightMax / SAMPLE_EVERY) + 1));
  if (rows * SAMPLE_EVERY > STAMP_SEQUENCE_SPAN) throw new RangeError(`sequencesInFlightMax must be below ${STAMP_SEQUENCE_SPAN / 2}, got ${sequencesInFlightMax}`);
  const memory = new SharedArrayBuffer((HEADER_F64 + rows * ROW_F64) * 8);
  const table = new Float64Array(memory);
  table[HEADER_ORIGIN_MS] = originMs;
  table[HEADER_ROWS] = rows;
  for (let r = 0; r < rows; r++) table[HEADER_F64 + r * ROW_F64 + StampColumn.SEQUENCE] = -1;
  return memory;
}

/** The first sampled sequence ≥ `sequence`. */
export function firstSampledFrom(sequence: number): number {
  const rest = sequence % SAMPLE_EVERY;
  return rest === 0 ? sequence : sequence + SAMPLE_EVERY - rest;
}

/** True when `sequence` is sampled. */
export function isSampled(sequence: number): boolean {
  return sequence % SAMPLE_EVERY === 0;
}

/**
 * Float64 index of the row of sampled `sequence`. `& rowMask` keeps the low bits of the row number
 * (ToInt32 wraps modulo 2^32, which keeps them) for sequences past 2^31 too.
 */
export function rowBase(sequence: number, rowMask: number): number {
  return HEADER_F64 + ((sequence / SAMPLE_EVERY) & rowMask) * ROW_F64;
}

// ---- load-time checks -------------------------------------------------------------------------------
const assertLayout = layoutAssertion('stage stamps layout');
assertLayout(Number.isInteger(Math.log2(SAMPLE_EVERY)), 'SAMPLE_EVERY must be a power of two');
assertLayout(ROW_F64 * 8 === 64, 'a row is one 64-byte line');
for (const column of Object.values(StampColumn)) assertLayout(column >= 0 && column < ROW_F64, 'columns must fit a row');
assertLayout(HEADER_ROWS < HEADER_F64 && HEADER_ORIGIN_MS < HEADER_F64, 'header fields must fit the header');
