/** SUBSCRIBE frames come from untrusted clients: every byte string decodes to a request or a reason, never a throw. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeClosing, encodeClosing, AFTER_ALL_OF_COMMAND, decodeDepth, decodeSubscribe, encodeDepth, encodeSubscribe,
  MAX_DEPTH_LEVELS, SubscribeFrame,
} from './event_frame_descriptor.ts';

describe('SUBSCRIBE frame', () => {
  it('round-trips every valid request', () => {
    fc.assert(fc.property(fc.constantFrom('private', 'all', 'market') as fc.Arbitrary<'private' | 'all' | 'market'>,
      fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })), fc.integer({ min: 0, max: AFTER_ALL_OF_COMMAND }),
      fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), fc.string({ maxLength: 100 }), fc.integer({ min: 0, max: MAX_DEPTH_LEVELS }),
      (stream, afterSequence, afterIndex, symbolId, key, depth) => {
        const request = { stream, afterSequence, afterIndex, symbolId, key, depthLevels: stream === 'market' ? depth : 0 };
        expect(decodeSubscribe(encodeSubscribe(request))).toEqual(request);
      }));
  });

  it('answers any other bytes with a reason, never a throw', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      const decoded = decodeSubscribe(bytes);
      if (typeof decoded !== 'string') expect(bytes.byteLength).toBeGreaterThanOrEqual(SubscribeFrame.BYTES);
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
    expect(decodeSubscribe(encodeSubscribe({ stream: 'market', afterSequence: -1, afterIndex: 0, symbolId: 3, key: '', depthLevels: MAX_DEPTH_LEVELS + 1 })))
      .toBe(`depthLevels must be 0 (trades only) .. ${MAX_DEPTH_LEVELS}, got ${MAX_DEPTH_LEVELS + 1}`);
    expect(decodeSubscribe(encodeSubscribe({ stream: 'private', afterSequence: -1, afterIndex: 0, symbolId: 0, key: '', depthLevels: 2 })))
      .toMatch(/depthLevels is for the market stream only/);
  });
});

describe('DEPTH frame', () => {
  it('carries the first N levels of each side, best first', () => {
    const frame = encodeDepth(7, 99, [101, 100, 99], [1, 2, 3], [102], [4], 2);
    expect(decodeDepth(frame)).toEqual({ symbolId: 7, throughSequence: 99, bids: [[101, 1], [100, 2]], asks: [[102, 4]] });
    expect(decodeDepth(frame.subarray(0, frame.byteLength - 1))).toMatch(/DEPTH frame of/);
  });
});

describe('CLOSING frame', () => {
  it('round-trips every code and message; a cut or padded frame is named, never thrown', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffff }), fc.string(), fc.integer({ min: -8, max: 8 }), (code, message, change) => {
      const frame = encodeClosing(code, message);
      expect(decodeClosing(frame)).toEqual({ code, message });
      if (change === 0) return;
      const other = change < 0 ? frame.subarray(0, Math.max(0, frame.byteLength + change)) : Uint8Array.from([...frame, ...new Uint8Array(change)]);
      expect(decodeClosing(other)).toMatch(/^CLOSING frame of \d+ bytes/);
    }));
  });
});
