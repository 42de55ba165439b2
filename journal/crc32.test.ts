import { describe, it, expect } from 'vitest';
import { crc32 as zlibCrc32 } from 'node:zlib';
import fc from 'fast-check';
import { createRecordBuffer } from '../codec/records/record_buffer.ts';
import { copyWithCrc32Aligned, crc32Aligned, crc32Bytes } from './crc32.ts';

describe('crc32', () => {
  it('matches node:zlib crc32 on known strings', () => {
    const text = new TextEncoder().encode('123456789');
    expect(crc32Bytes(text)).toBe(0xcbf43926);
    expect(crc32Bytes(text)).toBe(zlibCrc32(text));
  });

  it('slice-by-8 over aligned ranges equals zlib on random data', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 700 }), fc.nat(16), (data, pad) => {
        const start = (pad & ~7);
        const lengthBytes = data.length & ~7;
        const buf = createRecordBuffer(new ArrayBuffer(start + ((data.length + 7) & ~7) + 8));
        buf.bytes.set(data, start);
        const expected = zlibCrc32(data.subarray(0, lengthBytes));
        expect(crc32Aligned(buf, start, lengthBytes)).toBe(expected);
        expect(crc32Bytes(buf.bytes, start, start + lengthBytes)).toBe(expected);
      }),
    );
  });

  it('copy-and-checksum copies the bytes exactly and returns the same CRC as zlib', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 512 }), fc.nat(8), fc.nat(8), (data, s, d) => {
        const lengthBytes = data.length & ~7;
        const src = createRecordBuffer(new ArrayBuffer(1024));
        const dst = createRecordBuffer(new ArrayBuffer(1024));
        const srcStart = s * 8;
        const dstStart = d * 8;
        src.bytes.set(data.subarray(0, lengthBytes), srcStart);
        const crc = copyWithCrc32Aligned(src, srcStart, dst, dstStart, lengthBytes);
        expect(crc).toBe(zlibCrc32(data.subarray(0, lengthBytes)));
        expect(Array.from(dst.bytes.subarray(dstStart, dstStart + lengthBytes))).toEqual(Array.from(data.subarray(0, lengthBytes)));
        expect(dst.bytes[dstStart + lengthBytes]).toBe(0);
      }),
    );
  });

  it('detects every single-bit flip in a record-sized range', () => {
    const buf = createRecordBuffer(new ArrayBuffer(96));
    for (let i = 0; i < 96; i++) buf.bytes[i] = (i * 37) & 0xff;
    const good = crc32Aligned(buf, 0, 96);
    for (let bit = 0; bit < 96 * 8; bit++) {
      buf.bytes[bit >>> 3] ^= 1 << (bit & 7);
      expect(crc32Aligned(buf, 0, 96)).not.toBe(good);
      buf.bytes[bit >>> 3] ^= 1 << (bit & 7);
    }
  });

  it('refuses unaligned ranges loudly', () => {
    const buf = createRecordBuffer(new ArrayBuffer(16));
    expect(() => crc32Aligned(buf, 4, 8)).toThrow(/multiples of 8/);
  });
});
