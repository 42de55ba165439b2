import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MAX_EXACT, multipleAt } from './apply_context.ts';

/** Positive safe integers, weighted towards both ends of the range and towards multiples. */
const safe = fc.oneof(
  fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: MAX_EXACT }), fc.integer({ min: MAX_EXACT - 100_000, max: MAX_EXACT }),
  fc.integer({ min: 0, max: 30 }).map((e) => 2 ** e * 3),
);

describe('multipleAt', () => {
  it('answers exactly as `%` for positive safe integers, multiples and near-multiples included (property)', () => {
    const src = new Float64Array(1);
    const steps = new Float64Array(1);
    const check = (x: number, m: number): void => {
      src[0] = x;
      steps[0] = m;
      expect(multipleAt(src, 0, steps, 0)).toBe(x % m === 0);
    };
    fc.assert(fc.property(safe, safe, fc.integer({ min: -2, max: 2 }), (a, m, nudge) => {
      check(a, m);
      // k × m and its neighbours, where rounding of the quotient matters most.
      const k = Math.floor(MAX_EXACT / m);
      for (const x of [k * m + nudge, Math.floor(a / m) * m + nudge, m + nudge]) if (x >= 1 && x <= MAX_EXACT) check(x, m);
    }), { numRuns: 5000 });
    for (const [x, m] of [[MAX_EXACT, MAX_EXACT - 1], [MAX_EXACT - 1, MAX_EXACT - 2], [MAX_EXACT, 3], [MAX_EXACT - 1, 2], [2 ** 52 + 1, 2], [1, 1], [7, 8]]) check(x, m);
  });
});
