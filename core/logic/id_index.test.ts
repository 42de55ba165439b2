import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { IdIndex, INDEX_NOT_FOUND } from './id_index.ts';
import { StateArena } from './state_arena.ts';

describe('IdIndex', () => {
  it('findId / findIdAt: id 0 means none and is never found; other ids find their tag-0 value', () => {
    const index = new IdIndex(new StateArena(), 't', 8);
    expect(index.insert(7, 0, 3)).toBe(true);
    expect(index.insert(2 ** 40 + 7, 0, 5)).toBe(true);
    expect(index.insert(9, 1, 6)).toBe(true); // another tag: not an id lookup
    expect(index.findId(7)).toBe(3);
    expect(index.findIdAt(new Float64Array([0, 2 ** 40 + 7]), 1)).toBe(5);
    expect(index.findId(9)).toBe(INDEX_NOT_FOUND);
    expect(index.findId(0)).toBe(INDEX_NOT_FOUND);
    expect(index.findIdAt(new Float64Array([0]), 0)).toBe(INDEX_NOT_FOUND);
  });

  it('behaves like a Map under random inserts and removes (property)', () => {
    const op = fc.record({
      remove: fc.boolean(),
      key: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.constantFrom(2 ** 32, 2 ** 32 + 1, 2 ** 53 - 1, 2 ** 40 + 7)),
      tag: fc.integer({ min: 0, max: 3 }),
    });
    fc.assert(fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
      const index = new IdIndex(new StateArena(), 't', 24);
      const model = new Map<string, number>();
      ops.forEach(({ remove, key, tag }, i) => {
        const k = `${key}/${tag}`;
        if (remove) {
          expect(index.remove(key, tag)).toBe(model.get(k) ?? INDEX_NOT_FOUND);
          model.delete(k);
        } else if (!model.has(k)) {
          const stored = index.insert(key, tag, i);
          expect(stored).toBe(model.size < 24);
          if (stored) model.set(k, i);
        }
        expect(index.size).toBe(model.size);
      });
      for (let key = 1; key <= 40; key++) {
        for (let tag = 0; tag <= 3; tag++) expect(index.get(key, tag)).toBe(model.get(`${key}/${tag}`) ?? INDEX_NOT_FOUND);
      }
      for (const key of [2 ** 32, 2 ** 32 + 1, 2 ** 53 - 1, 2 ** 40 + 7]) {
        for (let tag = 0; tag <= 3; tag++) expect(index.get(key, tag)).toBe(model.get(`${key}/${tag}`) ?? INDEX_NOT_FOUND);
      }
    }), { numRuns: 300 });
  });

  it('refuses key 0 and a duplicate insert loudly (programmer errors)', () => {
    const index = new IdIndex(new StateArena(), 't', 4);
    expect(() => index.insert(0, 0, 1)).toThrow(/key 0/);
    index.insert(5, 0, 1);
    expect(() => index.insert(5, 0, 2)).toThrow(/twice/);
  });
});
