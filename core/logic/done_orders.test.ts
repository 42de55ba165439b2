import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { D_ACCOUNT, D_FILLED, D_FLAGS, D_ID, D_PRICE, D_STATUS, D_SYMBOL, DoneOrders } from './done_orders.ts';
import { INDEX_NOT_FOUND } from './id_index.ts';
import { StateArena } from './state_arena.ts';

interface Ended { readonly id: number; readonly price: number; readonly filled: number; readonly account: number; readonly status: number }

describe('DoneOrders', () => {
  it('answers exactly for the last `window` ended orders, with what was recorded, like a list of the newest (property)', () => {
    const ended = fc.record({
      price: fc.integer({ min: 0, max: 2 ** 40 }), filled: fc.integer({ min: 0, max: 1000 }), account: fc.integer({ min: 0, max: 9 }),
      status: fc.integer({ min: 1, max: 3 }),
    });
    fc.assert(fc.property(fc.integer({ min: 1, max: 40 }), fc.array(ended, { maxLength: 400 }), fc.integer({ min: 1, max: 2 ** 40 }), (window, orders, idBase) => {
      const done = new DoneOrders(new StateArena(), window);
      const model: Ended[] = [];
      const src = new Float64Array(3);
      const probe = new Float64Array(1);
      // Ids are sequences: increasing, not every one ends (the step skips some).
      let id = idBase;
      orders.forEach((o, i) => {
        id += 1 + (i % 3);
        src[0] = id;
        src[1] = o.price;
        src[2] = o.filled;
        done.record(src, 0, 1, 2, o.account, 1, 5, o.status);
        model.push({ id, ...o });
        const kept = model.slice(-window);
        expect(done.size).toBe(kept.length);
        for (const m of model) {
          probe[0] = m.id;
          const slot = done.findAt(probe, 0);
          if (!kept.includes(m)) {
            expect(slot).toBe(INDEX_NOT_FOUND);
            continue;
          }
          const at = DoneOrders.base(slot);
          expect([done.doneF[at + D_ID], done.doneF[at + D_PRICE], done.doneF[at + D_FILLED]]).toEqual([m.id, m.price, m.filled]);
          expect([done.doneI[at + D_ACCOUNT], done.doneI[at + D_SYMBOL], done.doneI[at + D_FLAGS], done.doneI[at + D_STATUS]]).toEqual([m.account, 1, 5, m.status]);
        }
        for (const never of [0, idBase, id + 1]) {
          probe[0] = never;
          expect(done.findAt(probe, 0)).toBe(INDEX_NOT_FOUND);
        }
      });
    }), { numRuns: 60 });
  });
});
