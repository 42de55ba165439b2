/**
 * The main thread's window of recent event records, in (sequence, index) order: what subscribers read
 * from. A circular store of `capacityEvents` records (EVT_RECORD_BYTES each, copied off the events
 * ring), addressed by position: a number that counts every event appended since start, never reused.
 *
 *   start ≤ released ≤ end:  [start, released) may be sent to subscribers (their commands are durable),
 *   [released, end) wait for durability. Only released records are evicted, oldest first, to make room.
 *
 * What the window covers: every event after `boundary` — the last evicted event, or before any
 * eviction, everything of the commands after the sequence recovered at start. A resume position at or
 * after the boundary is served from here; an older one needs the journal (replay/event_replay.ts).
 */
import { EvtHeader, EVT_RECORD_BYTES, isAfterPosition } from '../codec/records/event_descriptor.ts';
import type { RecordBuffer } from '../codec/records/record_buffer.ts';
import { createRecordBuffer } from '../codec/records/record_buffer.ts';

/** Index meaning "every event of the command": (s, ALL_OF_COMMAND) is the position after all of s. */
export const ALL_OF_COMMAND = 0xffffffff;
/** Records are copied as u32 words: a float64 copy could rewrite a NaN-shaped word of packed integers. */
const U32_PER_RECORD = EVT_RECORD_BYTES / 4;

export class EventRetention {
  readonly buffer: RecordBuffer;
  readonly capacityEvents: number;
  private readonly mask: number;
  start = 0;
  released = 0;
  end = 0;
  /** Every event after (boundarySequence, boundaryIndex) is here or still to come. */
  boundarySequence: number;
  boundaryIndex = ALL_OF_COMMAND;

  constructor(capacityEvents: number, readonly recoveredSequence: number) {
    if (!Number.isInteger(capacityEvents) || capacityEvents < 2 || (capacityEvents & (capacityEvents - 1)) !== 0) {
      throw new RangeError(`event retention capacityEvents must be a power of two >= 2: got ${capacityEvents}`);
    }
    this.capacityEvents = capacityEvents;
    this.mask = capacityEvents - 1;
    this.buffer = createRecordBuffer(new ArrayBuffer(capacityEvents * EVT_RECORD_BYTES));
    this.boundarySequence = recoveredSequence;
  }

  /**
   * Fills the empty window with events rebuilt at start-up (the recovery replay), all released (their
   * commands are in the journal): every event after (boundarySequence, boundaryIndex) is now here.
   */
  prefill(records: ArrayBuffer, count: number, boundarySequence: number, boundaryIndex: number): void {
    if (this.end !== 0) throw new Error('event retention: prefill of a window already in use');
    const src = createRecordBuffer(records);
    const kept = Math.min(count, this.capacityEvents);
    for (let i = count - kept; i < count; i++) this.append(src, i * EVT_RECORD_BYTES);
    if (kept < count) {
      this.boundarySequence = src.f64[((count - kept - 1) * EVT_RECORD_BYTES + EvtHeader.SEQUENCE) >>> 3];
      this.boundaryIndex = src.u32[((count - kept - 1) * EVT_RECORD_BYTES + EvtHeader.INDEX) >>> 2];
    } else {
      this.boundarySequence = boundarySequence;
      this.boundaryIndex = boundaryIndex;
    }
    this.released = this.end;
  }

  /** Byte offset in `buffer` of the record at `position` (which must lie in [start, end)). */
  base(position: number): number {
    return (position & this.mask) * EVT_RECORD_BYTES;
  }

  sequenceAt(position: number): number {
    return this.buffer.f64[(this.base(position) + EvtHeader.SEQUENCE) >>> 3];
  }

  indexAt(position: number): number {
    return this.buffer.u32[(this.base(position) + EvtHeader.INDEX) >>> 2];
  }

  /** Records that can be appended now (evicting released ones). */
  get room(): number {
    return this.capacityEvents - (this.end - this.released);
  }

  /** Copies one record from `src` at byte `at`; the caller checked room > 0. */
  append(src: RecordBuffer, at: number): void {
    if (this.end - this.start === this.capacityEvents) this.evictOldest();
    const from = at >>> 2;
    const to = this.base(this.end) >>> 2;
    const s = src.u32;
    const d = this.buffer.u32;
    for (let i = 0; i < U32_PER_RECORD; i++) d[to + i] = s[from + i];
    this.end++;
  }

  /**
   * Copies `count` consecutive records from byte `at` of `src` (the caller checked room ≥ count): the
   * same as append() of each, with one memory copy per contiguous stretch of the window instead of a
   * word loop per record (byte copies never rewrite a NaN-shaped word either).
   */
  appendRun(src: RecordBuffer, at: number, count: number): void {
    const evict = this.end + count - this.start - this.capacityEvents;
    if (evict > 0) {
      if (this.start + evict > this.released) throw new Error('event retention: evicting an unreleased event (caller must check room)');
      this.start += evict;
      this.boundarySequence = this.sequenceAt(this.start - 1);
      this.boundaryIndex = this.indexAt(this.start - 1);
    }
    let done = 0;
    while (done < count) {
      const slot = (this.end + done) & this.mask;
      const n = Math.min(count - done, this.capacityEvents - slot);
      const from = at + done * EVT_RECORD_BYTES;
      this.buffer.bytes.set(src.bytes.subarray(from, from + n * EVT_RECORD_BYTES), slot * EVT_RECORD_BYTES);
      done += n;
    }
    this.end += count;
  }

  /** Marks every record with sequence ≤ `sequence` releasable; returns how many became so. */
  releaseThrough(sequence: number): number {
    const before = this.released;
    while (this.released < this.end && this.sequenceAt(this.released) <= sequence) this.released++;
    return this.released - before;
  }

  /** True when every event after (sequence, index) can be read from here (now or once released). */
  covers(sequence: number, index: number): boolean {
    return !isAfterPosition(this.boundarySequence, this.boundaryIndex, sequence, index);
  }

  /** The first position in [start, end) whose event comes after (sequence, index); `end` when none. */
  positionAfter(sequence: number, index: number): number {
    let lo = this.start;
    let hi = this.end;
    while (lo < hi) {
      const mid = lo + Math.floor((hi - lo) / 2);
      if (isAfterPosition(this.sequenceAt(mid), this.indexAt(mid), sequence, index)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  private evictOldest(): void {
    if (this.start >= this.released) throw new Error('event retention: evicting an unreleased event (caller must check room)');
    this.boundarySequence = this.sequenceAt(this.start);
    this.boundaryIndex = this.indexAt(this.start);
    this.start++;
  }
}
