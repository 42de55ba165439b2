import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { median, medianOrNull, medianRun, repeatRuns } from './median.ts';

describe('median', () => {
  it('takes the middle value of an odd count and the mean of the middle two of an even count', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });

  it('does not reorder its input', () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
  });

  it('refuses an empty list and non-finite values', () => {
    expect(() => median([])).toThrow(/empty/);
    expect(() => median([1, Number.NaN])).toThrow(/not finite/);
    expect(medianOrNull([])).toBeNull();
  });

  it('lies between the minimum and the maximum, with as many values on each side', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: -1e6, max: 1e6 }), { minLength: 1 }), (values) => {
      const m = median(values);
      expect(m).toBeGreaterThanOrEqual(Math.min(...values));
      expect(m).toBeLessThanOrEqual(Math.max(...values));
      const below = values.filter((v) => v < m).length;
      const above = values.filter((v) => v > m).length;
      expect(below).toBeLessThanOrEqual(values.length / 2);
      expect(above).toBeLessThanOrEqual(values.length / 2);
    }));
  });
});

describe('medianRun', () => {
  it('returns the whole run whose key is the median (lower middle for an even count)', () => {
    const runs = [{ t: 30, id: 'a' }, { t: 10, id: 'b' }, { t: 20, id: 'c' }, { t: 40, id: 'd' }];
    expect(medianRun(runs, (r) => r.t).id).toBe('c');
    expect(medianRun(runs.slice(0, 3), (r) => r.t).id).toBe('c');
  });
});

describe('repeatRuns', () => {
  it('runs in sequence and validates the count', async () => {
    const seen: number[] = [];
    const out = await repeatRuns(3, async (i) => { seen.push(i); return i * 2; });
    expect(out).toEqual([0, 2, 4]);
    expect(seen).toEqual([0, 1, 2]);
    await expect(repeatRuns(0, () => 1)).rejects.toThrow(/runs must be/);
  });
});
