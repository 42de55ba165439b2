/**
 * Idempotency per principal: the first result of every mutating command that carries a non-zero
 * idempotencyId is remembered under (principal, idempotencyId). A repeat returns that stored result
 * with RESULT_FLAG_DUPLICATE (its own sequence, session and correlation id in the header) and changes
 * nothing. The window is a ring of `idempotencyWindow` entries shared by all principals: when it is
 * full the oldest id is forgotten, and a repeat of a forgotten id is applied as a new command.
 *
 * A stored result keeps at most STORED_RESULT_BYTES: an order result listing more fills than fit is
 * stored with fewer fills listed and RESULT_FLAG_FILLS_TRUNCATED (fillCount stays the total).
 */
import {
  CMD_CORRELATION_ID_OFFSET, CMD_SEQUENCE_OFFSET, CMD_SESSION_ID_OFFSET,
} from '../../codec/records/command_descriptor.ts';
import type { RecordBuffer } from '../../codec/records/record_buffer.ts';
import {
  OrderResult, RES_CORRELATION_ID_OFFSET, RES_FLAGS_OFFSET, RES_INPUT_SEQUENCE_OFFSET, RES_LENGTH_OFFSET,
  RES_SESSION_ID_OFFSET, RESULT_FLAG_DUPLICATE, RESULT_FLAG_FILLS_TRUNCATED,
} from '../../codec/records/result_descriptor.ts';
import { IdIndex, INDEX_NOT_FOUND } from './id_index.ts';
import type { StateArena } from './state_arena.ts';

export const STORED_RESULT_BYTES = 128;
const STORED_RESULT_WORDS = STORED_RESULT_BYTES >>> 3;
/** Longest order result that fits a stored slot: the fixed part plus whole fills. */
const STORED_ORDER_RESULT_BYTES =
  OrderResult.FIXED_BYTES +
  Math.floor((STORED_RESULT_BYTES - OrderResult.FIXED_BYTES) / OrderResult.FILL_BYTES) * OrderResult.FILL_BYTES;

export class Idempotency {
  private readonly ids: Float64Array;
  private readonly principals: Uint32Array;
  private readonly results: Float64Array;
  /** The same memory as `results`, for patching u32 header fields of a stored result. */
  private readonly resultWords: Uint32Array;
  /** [0] total entries ever stored (the next slot is total % window). */
  private readonly counter: Float64Array;
  private readonly index: IdIndex;
  readonly window: number;
  /**
   * counter[0] % window without a float modulo per command: the slot that follows `nextTotal` entries.
   * Not state: when counter[0] differs (a snapshot was imported) the slot is computed again.
   */
  private nextTotal = 0;
  private nextSlot = 0;

  constructor(arena: StateArena, window: number) {
    this.window = window;
    this.ids = arena.f64('idempotency.ids', window);
    this.principals = arena.u32('idempotency.principals', window);
    this.results = arena.f64('idempotency.results', window * STORED_RESULT_WORDS);
    this.resultWords = new Uint32Array(this.results.buffer, 0, window * STORED_RESULT_WORDS * 2);
    this.counter = arena.f64('idempotency.counter', 1);
    this.index = new IdIndex(arena, 'idempotency.index', window);
  }

  /** Slot of the stored result for (principal, src[at]), or -1. */
  findAt(principal: number, src: Float64Array, at: number): number {
    return this.index.getAt(src, at, principal);
  }

  /** The ring slot of the entry stored after `total` entries: total % window. */
  private slotAfter(total: number): number {
    if (total !== this.nextTotal) {
      this.nextTotal = total;
      this.nextSlot = (total % this.window) | 0;
    }
    return this.nextSlot;
  }

  /**
   * Writes the stored result of `slot` at outBase as the answer to the command now being applied,
   * patching the header fields that belong to the new command; returns its length.
   */
  replay(slot: number, cmd: RecordBuffer, cmdBase: number, out: RecordBuffer, outBase: number): number {
    const o = outBase >>> 3;
    const s = slot * STORED_RESULT_WORDS;
    const f64 = out.f64;
    for (let i = 0; i < STORED_RESULT_WORDS; i++) f64[o + i] = this.results[s + i];
    const length = out.u32[(outBase + RES_LENGTH_OFFSET) >>> 2];
    f64[(outBase + RES_INPUT_SEQUENCE_OFFSET) >>> 3] = cmd.f64[(cmdBase + CMD_SEQUENCE_OFFSET) >>> 3];
    out.u32[(outBase + RES_SESSION_ID_OFFSET) >>> 2] = cmd.u32[(cmdBase + CMD_SESSION_ID_OFFSET) >>> 2];
    f64[(outBase + RES_CORRELATION_ID_OFFSET) >>> 3] = cmd.f64[(cmdBase + CMD_CORRELATION_ID_OFFSET) >>> 3];
    out.u32[(outBase + RES_FLAGS_OFFSET) >>> 2] |= RESULT_FLAG_DUPLICATE;
    return length;
  }

  /** Remembers the result record at outBase (already complete) as the first result of (principal, src[at]). */
  remember(principal: number, src: Float64Array, at: number, out: RecordBuffer, outBase: number): void {
    const total = this.counter[0];
    const slot = this.slotAfter(total);
    if (this.ids[slot] !== 0) this.index.removeAt(this.ids, slot, this.principals[slot]);
    this.ids[slot] = src[at];
    this.principals[slot] = principal;
    if (!this.index.insertAt(src, at, principal, slot)) throw new Error('idempotency index full: ring and index disagree');
    const s = slot * STORED_RESULT_WORDS;
    const o = outBase >>> 3;
    const f64 = out.f64;
    const length = out.u32[(outBase + RES_LENGTH_OFFSET) >>> 2];
    // Copy only the record: bytes after it in the output slot are left over from older results and
    // differ between a live run and a replay, so they must not reach the state (or its hash).
    const words = length < STORED_RESULT_BYTES ? length >>> 3 : STORED_RESULT_WORDS;
    for (let i = 0; i < words; i++) this.results[s + i] = f64[o + i];
    for (let i = words; i < STORED_RESULT_WORDS; i++) this.results[s + i] = 0;
    if (length > STORED_RESULT_BYTES) {
      // Only order results (fills listed) can be longer than a stored slot: list fewer fills.
      const w = s * 2;
      for (let i = STORED_ORDER_RESULT_BYTES >>> 3; i < STORED_RESULT_WORDS; i++) this.results[s + i] = 0;
      this.resultWords[w + (RES_LENGTH_OFFSET >>> 2)] = STORED_ORDER_RESULT_BYTES;
      this.resultWords[w + (RES_FLAGS_OFFSET >>> 2)] |= RESULT_FLAG_FILLS_TRUNCATED;
    }
    this.counter[0] = total + 1;
    this.nextTotal = total + 1;
    this.nextSlot = slot + 1 === this.window ? 0 : slot + 1;
  }

  /** For tests and invariants: whether (principal, id) is still inside the window. */
  remembers(principal: number, idempotencyId: number): boolean {
    return this.index.get(idempotencyId, principal) !== INDEX_NOT_FOUND;
  }
}
