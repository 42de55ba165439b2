import { describe, expect, it } from 'vitest';
import { bytes, F64, fixedLayout, TAIL, U16, U32, U8 } from './fixed_layout.ts';

describe('fixedLayout', () => {
  it('lays fields out in order from the start offset, BYTES where the last one ends', () => {
    const layout = fixedLayout('example', { LENGTH: U32, TYPE: U16, FLAGS: U16, SEQUENCE: F64, BODY: TAIL });
    expect(layout).toEqual({ LENGTH: 0, TYPE: 4, FLAGS: 6, SEQUENCE: 8, BODY: 16, BYTES: 16 });
    expect(fixedLayout('after a header', { SEQUENCE: F64 }, 8)).toEqual({ SEQUENCE: 8, BYTES: 16 });
    expect(Object.isFrozen(layout)).toBe(true);
  });

  it('aligns a blob to the largest power of two dividing its size, up to 8', () => {
    expect(fixedLayout('blobs', { TYPE: U8, PAD: bytes(3), COUNT: U32, NONCE: bytes(32), CRC: U32 }).CRC).toBe(40);
    expect(() => fixedLayout('blob', { TYPE: U8, NONCE: bytes(32) })).toThrow('blob: NONCE at 1 is not 8-byte aligned');
  });

  it('refuses a misaligned field, a field after the TAIL, a field named BYTES and an empty blob', () => {
    expect(() => fixedLayout('bad', { TYPE: U8, SEQUENCE: F64 })).toThrow('bad: SEQUENCE at 1 is not 8-byte aligned');
    expect(() => fixedLayout('bad', { TYPE: U16, LENGTH: U32 })).toThrow('bad: LENGTH at 2 is not 4-byte aligned');
    expect(() => fixedLayout('bad', { TYPE: U32, BODY: TAIL })).toThrow('bad: BODY at 4 is not 8-byte aligned');
    expect(() => fixedLayout('bad', { BODY: TAIL, CRC: U32 })).toThrow('bad: CRC follows the TAIL BODY');
    expect(() => fixedLayout('bad', { BYTES: U32 })).toThrow('bad: BYTES is the layout\'s size, not a field name');
    expect(() => bytes(0)).toThrow('fixed layout: blob of 0 bytes');
  });
});
