/**
 * FOK is IOC with a veto: on any book, a FOK order fills iff the same order as IOC would fill its whole
 * quantity, and then both leave exactly the same state; otherwise FOK is refused and changes nothing.
 * Checked on random books that mix the taker's own orders with others', with and without self-trade
 * prevention, for limit and market orders of both sides, with tight quote budgets.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OrderType, Side, TimeInForce } from '../../codec/records/command_descriptor.ts';
import { OrderResult, OrderStatus } from '../../codec/records/result_descriptor.ts';
import { ResultCode as R } from '../../codec/result_codes.ts';
import type { PlaceOrderSpec } from './test_support/command_writer.ts';
import { LogicHarness } from './test_support/logic_harness.ts';
import { createStateMachine, DEFAULT_LOGIC_CONFIG } from './state_machine.ts';

const CONFIG = { ...DEFAULT_LOGIC_CONFIG, maxStopOrders: 64, doneOrderWindow: 64, maxAssets: 2, maxAccounts: 4, maxBalances: 8, maxPendingTransfers: 1, maxItems: 1, maxEvents: 1,
  maxSeats: 1, maxSymbols: 1, maxOrders: 64, maxPriceLevels: 32, idempotencyWindow: 1 };
const ADMIN = { principalId: 1, admin: true };

const restingArb = fc.record({
  account: fc.constantFrom(1, 1, 2, 3),
  side: fc.constantFrom(Side.BUY, Side.SELL),
  tick: fc.integer({ min: 0, max: 6 }),
  lots: fc.integer({ min: 1, max: 6 }),
});
const takerArb = fc.record({
  account: fc.constantFrom(1, 1, 2, 3),
  side: fc.constantFrom(Side.BUY, Side.BUY, Side.SELL),
  market: fc.constantFrom(true, true, false),
  tick: fc.integer({ min: 0, max: 6 }),
  lots: fc.integer({ min: 1, max: 20 }),
  selfTrade: fc.constantFrom(0, 1),
  quote: fc.integer({ min: 1, max: 3000 }),
});

describe('FOK fills iff IOC fills everything', () => {
  it('holds on random books, and both leave the same state when they fill', () => {
    let fokFilled = 0;
    let fokRefused = 0;
    fc.assert(fc.property(fc.array(restingArb, { maxLength: 14 }), takerArb, (resting, taker) => {
      const machine = createStateMachine(CONFIG);
      const h = new LogicHarness(machine);
      h.run(ADMIN, { kind: 'createAsset', assetId: 1 });
      h.run(ADMIN, { kind: 'createAsset', assetId: 2 });
      h.run(ADMIN, { kind: 'createSymbol', symbolId: 1, baseAssetId: 1, quoteAssetId: 2, tickSize: 5, lotSize: 10 });
      for (const account of [1, 2, 3]) {
        h.run(ADMIN, { kind: 'createAccount', accountId: account, ownerPrincipalId: 10 * account });
        h.run(ADMIN, { kind: 'deposit', accountId: account, assetId: 1, amount: 1000 });
        h.run(ADMIN, { kind: 'deposit', accountId: account, assetId: 2, amount: account === taker.account ? taker.quote : 100_000 });
      }
      for (const o of resting) {
        // Bids at 60..90, asks at 80..110: a random book may be crossed at placement, then it trades.
        const price = (o.side === Side.BUY ? 60 : 80) + 5 * o.tick;
        h.run({ principalId: 10 * o.account }, { kind: 'placeOrder', symbolId: 1, accountId: o.account, price, quantity: 10 * o.lots,
          side: o.side, orderType: OrderType.LIMIT, timeInForce: TimeInForce.GTC });
      }
      const spec = (timeInForce: number): PlaceOrderSpec => ({
        kind: 'placeOrder', symbolId: 1, accountId: taker.account, price: taker.market ? 0 : 75 + 5 * taker.tick,
        quantity: 10 * taker.lots, side: taker.side, orderType: taker.market ? OrderType.MARKET : OrderType.LIMIT, timeInForce,
        selfTrade: taker.selfTrade,
      });
      const twin = createStateMachine(CONFIG);
      twin.importState(machine.exportState());
      const twinHarness = new LogicHarness(twin);
      twinHarness.nextSequence = h.nextSequence;
      const before = machine.stateHash();
      const who = { principalId: 10 * taker.account };
      const fok = h.run(who, spec(TimeInForce.FOK));
      const ioc = twinHarness.run(who, spec(TimeInForce.IOC));
      if (ioc.code !== R.OK) {
        // Refused for another reason (funds, no liquidity): FOK is refused for the same reason.
        expect(fok.code).toBe(ioc.code);
        return;
      }
      const iocFilledAll = ioc.f64(OrderResult.FILLED_QUANTITY) === 10 * taker.lots;
      if (iocFilledAll) {
        fokFilled++;
        expect(fok.code).toBe(R.OK);
        expect(fok.u32(OrderResult.ORDER_STATUS_U32)).toBe(OrderStatus.FILLED);
        // Equal state, except that the done window remembers each order's own time in force.
        const differing = (a: typeof machine, b: typeof machine): string[] => {
          const theirs = b.exportState();
          return a.exportState().filter((x, k) => x.name !== 'done.flags' && Buffer.compare(x.bytes, theirs[k].bytes) !== 0).map((x) => x.name);
        };
        expect(differing(machine, twin)).toEqual([]);
      } else {
        fokRefused++;
        expect(fok.code).toBe(R.FOK_NOT_FILLABLE);
        expect(machine.stateHash()).toBe(before);
      }
    }), { numRuns: 1000, seed: 16 });
    // The generator must exercise both outcomes often.
    expect(fokFilled).toBeGreaterThan(50);
    expect(fokRefused).toBeGreaterThan(50);
  });
});
