/** SUBSCRIBE frames come from untrusted clients: every byte string decodes to a request or a reason, never a throw. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AFTER_ALL_OF_COMMAND, decodeSubscribe, encodeSubscribe, SUB_FIXED_BYTES } from './event_frame_descriptor.ts';

describe('SUBSCRIBE frame', () => {
  it('round-trips every valid request', () => {
    fc.assert(fc.property(fc.constantFrom('private', 'all', 'market') as fc.Arbitrary<'private' | 'all' | 'market'>,
      fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })), fc.integer({ min: 0, max: AFTER_ALL_OF_COMMAND }),
      fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), fc.string({ maxLength: 100 }), (stream, afterSequence, afterIndex, symbolId, key) => {
        const request = { stream, afterSequence, afterIndex, symbolId, key };
        expect(decodeSubscribe(encodeSubscribe(request))).toEqual(request);
      }));
  });

  it('answers any other bytes with a reason, never a throw', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      const decoded = decodeSubscribe(bytes);
      if (typeof decoded !== 'string') expect(bytes.byteLength).toBeGreaterThanOrEqual(SUB_FIXED_BYTES);
    }), { numRuns: 2000 });
    const valid = encodeSubscribe({ stream: 'private', afterSequence: 5, afterIndex: 0, symbolId: 0, key: 'k' });
    const cases: [string, (b: Uint8Array) => void, RegExp][] = [
      ['stream 9', (b) => { b[1] = 9; }, /stream must be/],
      ['key length past the end', (b) => { b[2] = 200; }, /key length/],
      ['fractional sequence', (b) => { new DataView(b.buffer).setFloat64(8, 1.5, true); }, /afterSequence/],
      ['type 3', (b) => { b[0] = 3; }, /first frame must be SUBSCRIBE/],
    ];
    for (const [what, corrupt, reason] of cases) {
      const bytes = valid.slice();
      corrupt(bytes);
      expect({ what, reason: decodeSubscribe(bytes) }).toEqual({ what, reason: expect.stringMatching(reason) });
    }
    expect(decodeSubscribe(encodeSubscribe({ stream: 'market', afterSequence: -1, afterIndex: 0, symbolId: 0, key: '' }))).toMatch(/symbolId/);
  });
});
