import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PrincipalCounts } from './principal_counts.ts';

describe('PrincipalCounts', () => {
  it('refuses a principal at its limit without touching the others, and takes again once one is given back', () => {
    const counts = new PrincipalCounts(2);
    expect(counts.tryTake(7, false)).toBe(true);
    expect(counts.tryTake(7, false)).toBe(true);
    expect(counts.tryTake(7, false)).toBe(false);
    expect(counts.heldBy(7)).toBe(2);
    expect(counts.tryTake(8, false)).toBe(true);
    counts.give(7);
    expect(counts.tryTake(7, false)).toBe(true);
    expect(counts.tryTake(7, false)).toBe(false);
  });

  it('counts an admin but never refuses it', () => {
    const counts = new PrincipalCounts(1);
    for (let i = 0; i < 5; i++) expect(counts.tryTake(1, true)).toBe(true);
    expect(counts.heldBy(1)).toBe(5);
  });

  it('holds, for any sequence of takes and gives, exactly what was taken and not given back, never above the limit', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 4 }),
      fc.array(fc.record({ principal: fc.integer({ min: 1, max: 3 }), take: fc.boolean() }), { maxLength: 200 }),
      (limit, steps) => {
        const counts = new PrincipalCounts(limit);
        const model = new Map<number, number>();
        for (const { principal, take } of steps) {
          const held = model.get(principal) ?? 0;
          if (take) {
            expect(counts.tryTake(principal, false)).toBe(held < limit);
            if (held < limit) model.set(principal, held + 1);
          } else if (held > 0) {
            counts.give(principal);
            model.set(principal, held - 1);
          }
          expect(counts.heldBy(principal)).toBe(model.get(principal) ?? 0);
          expect(counts.heldBy(principal)).toBeLessThanOrEqual(limit);
        }
      },
    ));
  });
});
