import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Sequence, compare32, low32, widen } from './sequence.ts';

const EDGES = [0, 1, 2 ** 31 - 1, 2 ** 31, 2 ** 31 + 1, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 53 - 2 ** 33];

describe('sequence arithmetic', () => {
  it('low32 wraps modulo 2^32 into a signed int32', () => {
    expect(low32(2 ** 31 - 1)).toBe(2 ** 31 - 1);
    expect(low32(2 ** 31)).toBe(-(2 ** 31));
    expect(low32(2 ** 32 - 1)).toBe(-1);
    expect(low32(2 ** 32)).toBe(0);
    expect(low32(2 ** 32 + 5)).toBe(5);
    expect(low32(-1)).toBe(-1);
  });

  it('compare32 orders sequences across the 2^31 and 2^32 wraps', () => {
    for (const edge of EDGES) {
      for (const delta of [1, 2, 1000, 2 ** 24, 2 ** 31 - 1]) {
        const a = low32(edge + delta);
        const b = low32(edge);
        expect(compare32(a, b), `edge ${edge} + ${delta}`).toBeGreaterThan(0);
        expect(compare32(b, a), `edge ${edge} + ${delta}`).toBeLessThan(0);
        expect(compare32(a, a)).toBe(0);
      }
    }
  });

  it('widen recovers the full sequence from its low 32 bits near every edge, both directions', () => {
    for (const edge of EDGES) {
      for (const delta of [-(2 ** 31) + 1, -(2 ** 24), -1, 0, 1, 2 ** 24, 2 ** 31 - 1]) {
        const actual = edge + delta;
        if (actual < -1) continue;
        expect(widen(edge, low32(actual)), `edge ${edge} delta ${delta}`).toBe(actual);
      }
    }
  });

  it('widen is exact for any reference and any value within 2^31 of it (property)', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 2 ** 53 - 2 ** 32 }),
      fc.integer({ min: -(2 ** 31) + 1, max: 2 ** 31 - 1 }),
      (reference, delta) => widen(reference, low32(reference + delta)) === reference + delta,
    ));
  });
});

describe('Sequence', () => {
  it('stores the low 32 bits and loads the full value against a reference', () => {
    const words = new Int32Array(new SharedArrayBuffer(64));
    const sequence = new Sequence(words, 4);
    sequence.store(2 ** 32 + 7);
    expect(words[4]).toBe(7);
    expect(sequence.load32()).toBe(7);
    expect(sequence.load(2 ** 32)).toBe(2 ** 32 + 7);
    sequence.store(2 ** 32 - 1);
    expect(sequence.load(2 ** 32 + 3)).toBe(2 ** 32 - 1);
  });

  it('rejects a word index without room for its waiter count', () => {
    const words = new Int32Array(new SharedArrayBuffer(16));
    expect(() => new Sequence(words, 3)).toThrow(/sequence word out of range: valueIndex=3/);
  });
});
