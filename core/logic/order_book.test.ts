import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { OrderType, Side, TimeInForce } from '../../codec/records/command_descriptor.ts';
import { ResultCode as R } from '../../codec/result_codes.ts';
import { checkInvariants } from './test_support/invariants.ts';
import { LogicHarness } from './test_support/logic_harness.ts';
import { NONE, LEVEL_F64, LEVEL_I32, L_NEXT, L_PRICE } from './order_layout.ts';
import { createStateMachine, DEFAULT_LOGIC_CONFIG } from './state_machine.ts';
import { SMALL_CONFIG } from './test_support/scenario_table.ts';

const ADMIN = { principalId: 1, admin: true };
const OWNER = { principalId: 5 };

/** The prices of one side's levels, walking the sorted level list from the best end. */
function sidePrices(h: LogicHarness, side: number): number[] {
  const machine = h.machine as ReturnType<typeof createStateMachine>;
  const book = machine.book;
  const prices: number[] = [];
  for (let l = book.bestLevel[side - 1]; l !== NONE; l = book.levelI[l * LEVEL_I32 + L_NEXT]) prices.push(book.levelF[l * LEVEL_F64 + L_PRICE]);
  return prices;
}

describe('order book level index', () => {
  it('keeps every side sorted for dense and sparse prices, inserted and removed in any order (property)', () => {
    fc.assert(fc.property(
      fc.array(fc.record({
        price: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 1_000_000 })), cancel: fc.nat({ max: 3 }), buy: fc.boolean(),
      }),
        { minLength: 1, maxLength: 400 }),
      (ops) => {
        const h = new LogicHarness(createStateMachine({ ...DEFAULT_LOGIC_CONFIG, maxStopOrders: 64, doneOrderWindow: 64, maxAccounts: 8, maxBalances: 16, maxOrders: 512, maxPriceLevels: 512 }));
        h.run(ADMIN, { kind: 'createAsset', assetId: 1 });
        h.run(ADMIN, { kind: 'createAsset', assetId: 2 });
        h.run(ADMIN, { kind: 'createSymbol', symbolId: 1, baseAssetId: 1, quoteAssetId: 2, tickSize: 1, lotSize: 1 });
        h.run(OWNER, { kind: 'createAccount', accountId: 1 });
        h.run(ADMIN, { kind: 'deposit', accountId: 1, assetId: 1, amount: 1e9 });
        h.run(ADMIN, { kind: 'deposit', accountId: 1, assetId: 2, amount: 1e15 });
        const resting: number[] = [];
        const priceOf = new Map<number, [number, number]>();
        for (const { price, cancel, buy } of ops) {
          // Sells sit far above buys: nothing crosses and every price makes or joins a level.
          const side = buy ? Side.BUY : Side.SELL;
          const at = buy ? price : price + 2_000_000;
          const placed = h.run(OWNER, { kind: 'placeOrder', symbolId: 1, accountId: 1, price: at, quantity: 1, side, orderType: OrderType.LIMIT, timeInForce: TimeInForce.GTC });
          expect(placed.code).toBe(R.OK);
          resting.push(placed.inputSequence);
          priceOf.set(placed.inputSequence, [side, at]);
          if (cancel === 0) {
            const victim = resting.splice(price % resting.length, 1)[0];
            expect(h.run(OWNER, { kind: 'cancelOrder', symbolId: 1, orderId: victim }).code).toBe(R.OK);
          }
        }
        const expected = (side: number): number[] => [...new Set(resting.map((id) => priceOf.get(id) as [number, number])
          .filter(([s]) => s === side).map(([, p]) => p))].sort((a, b) => (side === Side.BUY ? b - a : a - b));
        expect(sidePrices(h, Side.SELL)).toEqual(expected(Side.SELL));
        expect(sidePrices(h, Side.BUY)).toEqual(expected(Side.BUY));
        expect(checkInvariants(h.machine as ReturnType<typeof createStateMachine>)).toEqual([]);
      },
    ), { numRuns: 60 });
  });
});

describe('order book symbol lookup', () => {
  it('answers like the symbol index for any sequence of lookups, whatever symbol it found last (property)', () => {
    fc.assert(fc.property(
      fc.uniqueArray(fc.integer({ min: 1, max: 2 ** 40 }), { minLength: 0, maxLength: 12 }),
      fc.array(fc.oneof(fc.nat({ max: 11 }), fc.constant(-1), fc.constant(-2)), { maxLength: 60 }),
      (ids, picks) => {
        const book = (createStateMachine({ ...SMALL_CONFIG, maxSymbols: 16 }) as ReturnType<typeof createStateMachine>).book;
        const key = new Float64Array(1);
        for (const id of ids) {
          key[0] = id;
          book.addSymbol(key, 0, 0, 1);
        }
        for (const pick of picks) {
          // An id that is listed, one that is not (never listed, or 0).
          key[0] = pick >= 0 ? (ids[pick] ?? 2 ** 41 + pick) : pick === -1 ? 0 : 2 ** 42;
          expect(book.symbolAt(key, 0)).toBe(book.symbolIndex.findIdAt(key, 0));
        }
      },
    ), { numRuns: 200 });
  });
});
