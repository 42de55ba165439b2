import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { INDEX_NOT_FOUND } from './id_index.ts';
import { RING_INDEX_GENERATIONS, RingIdIndex } from './ring_id_index.ts';
import { StateArena } from './state_arena.ts';

/** Distinct non-zero keys, small and beyond 32 bits, in a random order. */
const uniqueKeys = fc.uniqueArray(fc.oneof(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 2 ** 21 }).map((k) => 2 ** 32 + k)), { maxLength: 600 });

describe('RingIdIndex', () => {
  it('sizes: 8 generations, one table more than a window spans plus one being cleared, 2+ buckets per insert', () => {
    const index = new RingIdIndex(new StateArena(), 't', 65536);
    expect(index.generation).toBe(65536 / RING_INDEX_GENERATIONS);
    expect(index.tables).toBe(RING_INDEX_GENERATIONS + 2);
    expect(index.buckets).toBe(2 * index.generation);
    const small = new RingIdIndex(new StateArena(), 't', 3);
    expect([small.generation, small.tables, small.buckets]).toEqual([1, 5, 2]);
    expect(() => new RingIdIndex(new StateArena(), 't', 0)).toThrow(/window must be an integer >= 1/);
  });

  it('finds the slot of every key among the last `window` inserts; older keys are absent or keep their own slot; others are absent (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 70 }), uniqueKeys, fc.array(fc.integer({ min: 1, max: 5000 }), { maxLength: 20 }), (window, keys, probes) => {
      const index = new RingIdIndex(new StateArena(), 't', window);
      const src = new Float64Array(1);
      const slotOf = new Map<number, number>();
      keys.forEach((key, i) => {
        src[0] = key;
        index.insertAt(src, 0, i % window);
        slotOf.set(key, i % window);
        // The last `window` keys: exactly their slot. Any older one: absent, or its own (stale) slot.
        keys.slice(0, i + 1).forEach((k, j) => {
          src[0] = k;
          const found = index.getAt(src, 0);
          if (j > i - window) expect(found).toBe(j % window);
          else expect([INDEX_NOT_FOUND, j % window]).toContain(found);
        });
      });
      for (const key of [0, ...probes]) {
        if (slotOf.has(key)) continue;
        src[0] = key;
        expect(index.getAt(src, 0)).toBe(INDEX_NOT_FOUND);
      }
    }), { numRuns: 60 });
  });

  it('forgets every key once enough newer keys went in (its table was cleared), so the tables never fill', () => {
    for (const window of [1, 3, 16, 100]) {
      const index = new RingIdIndex(new StateArena(), 't', window);
      const src = new Float64Array(1);
      const total = 5000;
      for (let key = 1; key <= total; key++) {
        src[0] = key;
        index.insertAt(src, 0, key % window);
      }
      // Keys of generations whose table has been cleared since (at most `tables` generations are kept).
      for (let key = 1; key <= total - index.tables * index.generation; key++) {
        src[0] = key;
        expect(index.getAt(src, 0)).toBe(INDEX_NOT_FOUND);
      }
      for (let key = total - window + 1; key <= total; key++) {
        src[0] = key;
        expect(index.getAt(src, 0)).toBe(key % window);
      }
    }
  });

  it('refuses key 0 and a key inserted twice in one generation (programmer errors)', () => {
    const index = new RingIdIndex(new StateArena(), 't', 64);
    const src = new Float64Array([0, 5]);
    expect(() => index.insertAt(src, 0, 1)).toThrow(/key 0/);
    index.insertAt(src, 1, 1);
    expect(() => index.insertAt(src, 1, 2)).toThrow(/inserted twice/);
    expect(index.getAt(src, 0)).toBe(INDEX_NOT_FOUND);
  });
});
