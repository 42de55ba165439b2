/** Event records for tests of code that moves records without reading their bodies (retention, frame building). */
import { EvtHeader, EVT_RECORD_BYTES } from '../records/event_descriptor.ts';
import { createRecordBuffer, type RecordBuffer } from '../records/record_buffer.ts';

/**
 * `count` records filled with `fill` repeated (arbitrary bytes: NaN-shaped words included), the k-th
 * with (sequence, index) = (firstSequence + k >> 1, k & 1): two events per command, in order.
 */
export function filledEventRecords(fill: Uint8Array, count: number, firstSequence: number): RecordBuffer {
  const buf = createRecordBuffer(new ArrayBuffer(count * EVT_RECORD_BYTES));
  for (let i = 0; i < buf.bytes.byteLength; i++) buf.bytes[i] = fill[i % fill.length] as number;
  for (let k = 0; k < count; k++) {
    buf.f64[(k * EVT_RECORD_BYTES + EvtHeader.SEQUENCE) >>> 3] = firstSequence + (k >> 1);
    buf.u32[(k * EVT_RECORD_BYTES + EvtHeader.INDEX) >>> 2] = k & 1;
  }
  return buf;
}
