import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { DECODE_DONE, DECODE_STOPPED, FrameDecoder, encodeFrame, type FrameSink } from './frame_decoder.ts';
import { ResultCode } from '../codec/result_codes.ts';

class Collect implements FrameSink {
  frames: number[][] = [];
  budget = Infinity;
  onFrame(bytes: Uint8Array, start: number, length: number): boolean {
    if (this.budget <= 0) return false;
    this.budget--;
    this.frames.push([...bytes.subarray(start, start + length)]);
    return true;
  }
}

function split(stream: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let prev = 0;
  for (const p of [...points, stream.length]) {
    chunks.push(stream.subarray(prev, p));
    prev = p;
  }
  return chunks;
}

describe('FrameDecoder', () => {
  it('recovers every frame in order however the stream is cut into chunks', () => {
    fc.assert(fc.property(
      fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { maxLength: 30 }),
      fc.array(fc.nat(), { maxLength: 40 }),
      (payloads, cuts) => {
        const stream = Buffer.concat(payloads.map(encodeFrame));
        const decoder = new FrameDecoder(300);
        const sink = new Collect();
        for (const chunk of split(stream, cuts)) expect(decoder.push(chunk, sink)).toBe(DECODE_DONE);
        expect(sink.frames).toEqual(payloads.map((p) => [...p]));
        expect(decoder.pendingBytes).toBe(0);
      },
    ));
  });

  it('keeps declined frames and hands them over on drain, in order', () => {
    fc.assert(fc.property(
      fc.array(fc.uint8Array({ minLength: 1, maxLength: 50 }), { minLength: 1, maxLength: 20 }),
      fc.array(fc.nat(), { maxLength: 10 }),
      fc.nat({ max: 5 }),
      (payloads, cuts, budget) => {
        const decoder = new FrameDecoder(64);
        const sink = new Collect();
        sink.budget = budget;
        for (const chunk of split(Buffer.concat(payloads.map(encodeFrame)), cuts)) decoder.push(chunk, sink);
        let guard = 0;
        while (decoder.pendingBytes > 0 && guard++ < 100) {
          sink.budget = budget + 1;
          decoder.drain(sink);
        }
        expect(sink.frames).toEqual(payloads.map((p) => [...p]));
      },
    ));
  });

  it('reports DECODE_STOPPED when the sink declines', () => {
    const decoder = new FrameDecoder(64);
    const sink = new Collect();
    sink.budget = 1;
    const status = decoder.push(Buffer.concat([encodeFrame(Uint8Array.of(1)), encodeFrame(Uint8Array.of(2))]), sink);
    expect(status).toBe(DECODE_STOPPED);
    expect(sink.frames).toEqual([[1]]);
    expect(decoder.pendingBytes).toBe(5);
  });

  it('rejects a zero length and an oversize length with their codes', () => {
    const sink = new Collect();
    expect(new FrameDecoder(64).push(Buffer.from([0, 0, 0, 0, 9]), sink)).toBe(ResultCode.MALFORMED_FRAME);
    expect(new FrameDecoder(64).push(Buffer.from([65, 0, 0, 0]), sink)).toBe(ResultCode.FRAME_TOO_LARGE);
    expect(new FrameDecoder(64).push(Buffer.from([0xff, 0xff, 0xff, 0xff]), sink)).toBe(ResultCode.FRAME_TOO_LARGE);
    expect(sink.frames).toEqual([]);
  });
});
