import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EVT_RECORD_BYTES } from '../codec/records/event_descriptor.ts';
import type { RecordBuffer } from '../codec/records/record_buffer.ts';
import { filledEventRecords } from '../codec/test_support/filled_event_records.ts';
import { EventRetention } from './event_retention.ts';

const records = (fill: Uint8Array, count: number): RecordBuffer => filledEventRecords(fill, count, 1);

function state(r: EventRetention): unknown {
  return { start: r.start, end: r.end, released: r.released, boundary: [r.boundarySequence, r.boundaryIndex], bytes: Buffer.from(r.buffer.bytes).toString('hex') };
}

describe('EventRetention.appendRun', () => {
  it('leaves the window exactly as append() of each record would, across wraps and evictions', () => {
    fc.assert(fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.constantFrom(2, 4, 8, 16),
      fc.array(fc.integer({ min: 0, max: 16 }), { minLength: 1, maxLength: 30 }),
      (fill, capacity, runs) => {
        const total = runs.reduce((a, b) => a + b, 0);
        const src = records(fill, total);
        const one = new EventRetention(capacity, 0);
        const bulk = new EventRetention(capacity, 0);
        let at = 0;
        for (const wanted of runs) {
          const n = Math.min(wanted, one.room);
          for (let i = 0; i < n; i++) one.append(src, (at + i) * EVT_RECORD_BYTES);
          bulk.appendRun(src, at * EVT_RECORD_BYTES, n);
          at += n;
          expect(state(bulk)).toEqual(state(one));
          // Release all but the last command's events, as the feed does once they are durable.
          const through = one.end > 0 ? one.sequenceAt(one.end - 1) - 1 : 0;
          one.releaseThrough(through);
          bulk.releaseThrough(through);
        }
      },
    ), { numRuns: 300 });
  });

  it('refuses to evict an unreleased event', () => {
    const r = new EventRetention(4, 0);
    const src = records(new Uint8Array([7]), 6);
    r.appendRun(src, 0, 4);
    expect(() => r.appendRun(src, 4 * EVT_RECORD_BYTES, 1)).toThrow(/unreleased/);
  });
});
