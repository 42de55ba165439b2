import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EVT_RECORD_BYTES } from '../codec/records/event_descriptor.ts';
import type { RecordBuffer } from '../codec/records/record_buffer.ts';
import { filledEventRecords } from '../codec/test_support/filled_event_records.ts';
import { BLANK_NONE } from './event_blanking.ts';
import { EventFrameBuilder } from './event_frame_builder.ts';

const records = (fill: Uint8Array, count: number): RecordBuffer => filledEventRecords(fill, count, 100);

/** Frames of the records [0, count), staged by `stage`, as the hub takes them (full frames through lastSequence - 1). */
function frames(builder: EventFrameBuilder, count: number, stage: (from: number, to: number) => void, runs: readonly number[]): Buffer[] {
  const out: Buffer[] = [];
  let p = 0;
  for (let r = 0; p < count; r++) {
    if (builder.full) out.push(builder.take(builder.lastSequence - 1));
    const n = Math.min(count - p, builder.room, runs[r % runs.length] as number);
    stage(p, p + n);
    p += n;
  }
  out.push(builder.take(999));
  return out;
}

describe('EventFrameBuilder.addRun', () => {
  it('stages a run of records exactly as add() one by one would: same frames, same last position', () => {
    fc.assert(fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 7 }),
      fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 5 }),
      (bytes, count, maxRecords, runs) => {
        const src = records(bytes, count);
        const one = new EventFrameBuilder(maxRecords);
        const bulk = new EventFrameBuilder(maxRecords);
        const byOne = frames(one, count, (from, to) => { for (let i = from; i < to; i++) one.add(src, i * EVT_RECORD_BYTES, BLANK_NONE); }, [1]);
        const byRun = frames(bulk, count, (from, to) => bulk.addRun(src, from * EVT_RECORD_BYTES, to - from), runs);
        expect(byRun.map((f) => f.toString('hex'))).toEqual(byOne.map((f) => f.toString('hex')));
        expect([bulk.lastSequence, bulk.lastIndex]).toEqual([one.lastSequence, one.lastIndex]);
      },
    ), { numRuns: 200 });
  });

  it('refuses a run larger than the room left, and stages nothing for an empty one', () => {
    const src = records(new Uint8Array([1, 2, 3]), 4);
    const builder = new EventFrameBuilder(3);
    builder.addRun(src, 0, 0);
    expect(builder.count).toBe(0);
    builder.addRun(src, 0, 2);
    expect(builder.room).toBe(1);
    expect(() => builder.addRun(src, 2 * EVT_RECORD_BYTES, 2)).toThrow(RangeError);
    expect(builder.count).toBe(2);
  });
});
