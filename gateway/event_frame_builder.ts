/**
 * Builds EVENTS frames (codec/wire/event_frame_descriptor.ts) for the event hub, ready to write: each
 * frame is one fresh buffer that starts with TCP's 4-byte length prefix, so the same bytes go to every
 * subscriber of a stream (TCP writes them as they are, WebSocket sends them past the prefix) and are
 * never changed after. Records are staged in one reusable scratch area (one builder per hub, used
 * synchronously), then copied once per frame: no allocation per event nor per subscriber. A run of
 * consecutive records sent unchanged (the `all` stream) is staged with one memory copy (addRun), not
 * record by record.
 *
 * Blanking (what a receiver must not see of a fill): event_blanking.ts.
 */
import * as eventDescriptorModule from '../codec/records/event_descriptor.ts';
import * as blankingModule from './event_blanking.ts';
import type { RecordBuffer } from '../codec/records/record_buffer.ts';
import { EventsFrame, EventFrameType } from '../codec/wire/event_frame_descriptor.ts';

// Module-local copies: V8 folds a module's own constants into optimized code, not imported bindings
// (core/logic/order_layout.ts says why); add() runs once per record per subscriber group.
const {
  EvtHeader, EVT_RECORD_BYTES, FillBody,
} = eventDescriptorModule;
const { BLANK_NONE, BLANK_MAKER, BLANK_TAKER, BLANK_PUBLIC } = blankingModule;


/** Bytes of the length prefix every built frame starts with (u32 LE: the frame's length after it). */
export const PREFIX_BYTES = 4;
const U32_PER_RECORD = EVT_RECORD_BYTES / 4;

export class EventFrameBuilder {
  private readonly scratch: Uint8Array;
  private readonly scratchU32: Uint32Array;
  private readonly scratchView: DataView;
  /** Records staged. */
  count = 0;
  /** (sequence, index) of the last record staged. */
  lastSequence = 0;
  lastIndex = 0;

  constructor(readonly maxRecords: number) {
    this.scratch = new Uint8Array(maxRecords * EVT_RECORD_BYTES);
    this.scratchU32 = new Uint32Array(this.scratch.buffer);
    this.scratchView = new DataView(this.scratch.buffer);
  }

  get full(): boolean {
    return this.count === this.maxRecords;
  }

  /** Stages the record at byte `at` of `src` (the caller took a full builder's frame first). */
  add(src: RecordBuffer, at: number, blank: number): void {
    const to = this.count * EVT_RECORD_BYTES;
    // u32 moves, not f64: no bit pattern is ever read as a NaN and rewritten.
    const s = src.u32;
    const d = this.scratchU32;
    for (let i = 0, si = at >>> 2, di = to >>> 2; i < U32_PER_RECORD; i++) d[di + i] = s[si + i];
    if (blank !== BLANK_NONE) {
      const out = this.scratchView;
      if (blank === BLANK_MAKER || blank === BLANK_PUBLIC) {
        out.setFloat64(to + FillBody.MAKER_ORDER_ID, 0, true);
        out.setFloat64(to + FillBody.MAKER_ACCOUNT_ID, 0, true);
        out.setUint32(to + EvtHeader.COUNTERPARTY_PRINCIPAL_ID, 0, true);
      }
      if (blank === BLANK_TAKER || blank === BLANK_PUBLIC) {
        out.setFloat64(to + FillBody.TAKER_ORDER_ID, 0, true);
        out.setFloat64(to + FillBody.TAKER_ACCOUNT_ID, 0, true);
        out.setUint32(to + EvtHeader.PRINCIPAL_ID, 0, true);
      }
    }
    this.count++;
    this.lastSequence = src.f64[(at + EvtHeader.SEQUENCE) >>> 3];
    this.lastIndex = src.u32[(at + EvtHeader.INDEX) >>> 2];
  }

  /** Room left before the builder is full. */
  get room(): number {
    return this.maxRecords - this.count;
  }

  /**
   * Stages `count` consecutive records from byte `at` of `src`, unblanked, with one copy: the same
   * staging as add(src, at + i × EVT_RECORD_BYTES, BLANK_NONE) for each (byte copies never rewrite a
   * NaN-shaped word). The caller keeps count ≤ room.
   */
  addRun(src: RecordBuffer, at: number, count: number): void {
    if (count <= 0) return;
    if (count > this.room) throw new RangeError(`addRun: ${count} records do not fit the ${this.room} left`);
    this.scratch.set(src.bytes.subarray(at, at + count * EVT_RECORD_BYTES), this.count * EVT_RECORD_BYTES);
    this.count += count;
    const last = at + (count - 1) * EVT_RECORD_BYTES;
    this.lastSequence = src.f64[(last + EvtHeader.SEQUENCE) >>> 3];
    this.lastIndex = src.u32[(last + EvtHeader.INDEX) >>> 2];
  }

  /**
   * The staged records as one prefixed EVENTS frame, complete through `throughSequence`; the builder
   * is empty after. A full builder's frame is complete only through the command before its last
   * event's (more events of that command may follow): pass lastSequence - 1.
   */
  take(throughSequence: number): Buffer {
    const bytes = this.count * EVT_RECORD_BYTES;
    const frame = eventsHeader(this.count, throughSequence, bytes);
    frame.set(this.scratch.subarray(0, bytes), PREFIX_BYTES + EventsFrame.BYTES);
    this.count = 0;
    return frame;
  }
}

/** A prefixed EVENTS frame's header with room for `recordBytes` after it (an empty one: progress). */
export function eventsHeader(count: number, throughSequence: number, recordBytes = 0): Buffer {
  const frame = Buffer.allocUnsafe(PREFIX_BYTES + EventsFrame.BYTES + recordBytes);
  frame.writeUInt32LE(EventsFrame.BYTES + recordBytes, 0);
  frame.fill(0, PREFIX_BYTES, PREFIX_BYTES + EventsFrame.BYTES);
  frame.writeUInt8(EventFrameType.EVENTS, PREFIX_BYTES);
  frame.writeUInt32LE(count, PREFIX_BYTES + EventsFrame.COUNT);
  frame.writeDoubleLE(throughSequence, PREFIX_BYTES + EventsFrame.THROUGH_SEQUENCE);
  return frame;
}

/** Any frame (SUBSCRIBED, CLOSING...) with the length prefix before it. */
export function prefixed(frame: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(PREFIX_BYTES + frame.byteLength);
  out.writeUInt32LE(frame.byteLength, 0);
  out.set(frame, PREFIX_BYTES);
  return out;
}
