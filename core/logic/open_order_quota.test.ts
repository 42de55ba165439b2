/**
 * The open-order quota: one slot per resting order and per waiting stop (an OCO pair holds two),
 * charged to the owner of the order's account, given back whenever the order or stop ends. A refusal
 * is OPEN_ORDER_QUOTA_EXCEEDED and changes nothing; other tenants keep trading.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Side, TimeInForce as F } from '../../codec/records/command_descriptor.ts';
import { ResultCode as R } from '../../codec/result_codes.ts';
import type { CommandSpec } from './test_support/command_writer.ts';
import { limit as limitOrder, oco as ocoOrder, stopMarket } from './test_support/order_rows.ts';
import { checkInvariants } from './test_support/invariants.ts';
import { LogicHarness } from './test_support/logic_harness.ts';
import { ADMIN, ALICE, BOB, CAROL, PARTIES, type Row, runRows, SMALL_CONFIG } from './test_support/scenario_table.ts';
import { Quota } from './principal_quotas.ts';
import { createStateMachine, type LogicStateMachine } from './state_machine.ts';

const CONFIG = { ...SMALL_CONFIG, maxOrders: 32, maxPriceLevels: 16, maxStopOrders: 16, quotas: { openOrders: 3 } };
// Assets 1 = BASE, 2 = QUOTE; symbol 1: tick 5, lot 10. Accounts 100 alice, 200 bob, 300 carol.
const SETUP: readonly Row[] = [
  ...PARTIES,
  [ADMIN, { kind: 'createSymbol', symbolId: 1, baseAssetId: 1, quoteAssetId: 2, tickSize: 5, lotSize: 10 }, R.OK],
  ...[100, 200, 300].flatMap((accountId): Row[] => [
    [ADMIN, { kind: 'deposit', accountId, assetId: 1, amount: 10_000 }, R.OK],
    [ADMIN, { kind: 'deposit', accountId, assetId: 2, amount: 1_000_000 }, R.OK],
  ]),
];
const stop = (accountId: number, side: number, stopPrice: number, quantity = 10): CommandSpec => stopMarket(accountId, side, stopPrice, quantity);
const oco = (accountId: number, side: number, price: number, stopPrice: number, quantity = 10): CommandSpec =>
  ocoOrder(accountId, side, price, stopPrice, quantity);
const limit = (accountId: number, side: number, price: number, quantity = 10, timeInForce: number = F.GTC): CommandSpec =>
  limitOrder(accountId, side, price, quantity, timeInForce);

function openOf(machine: LogicStateMachine, principal: number): number {
  return machine.ledger.quotas.usedBy(principal, Quota.OPEN_ORDERS);
}

describe('open-order quota', () => {
  it('charges resting orders, stops and OCO pairs, refuses by name without a trace, and gives back on every ending', () => {
    const machine = createStateMachine(CONFIG);
    const h = new LogicHarness(machine);
    runRows(SETUP, h);
    const seq = SETUP.length + 1;
    const step = (rows: readonly Row[], alice: number): void => {
      runRows(rows, h);
      expect(checkInvariants(machine)).toEqual([]);
      expect(openOf(machine, ALICE.principalId)).toBe(alice);
    };
    step([[ALICE, limit(100, Side.BUY, 50), R.OK]], 1); // order seq
    step([[ALICE, stop(100, Side.BUY, 200), R.OK]], 2); // stop seq + 1
    // An OCO needs two slots: one is left, so it is refused and nothing changes.
    step([[ALICE, oco(100, Side.SELL, 300, 250), R.OPEN_ORDER_QUOTA_EXCEEDED]], 2);
    step([
      // IOC and FOK never rest: no slot needed, even at the limit.
      [ALICE, limit(100, Side.BUY, 55), R.OK], // third slot: seq + 3
      [ALICE, limit(100, Side.BUY, 40), R.OPEN_ORDER_QUOTA_EXCEEDED],
      [ALICE, stop(100, Side.SELL, 5), R.OPEN_ORDER_QUOTA_EXCEEDED],
      [ALICE, limit(100, Side.BUY, 40, 10, F.IOC), R.OK],
      // Another tenant is not affected.
      [BOB, limit(200, Side.BUY, 45), R.OK],
      [BOB, limit(200, Side.BUY, 40), R.OK],
    ], 3);
    // Cancel by id gives a slot back; so does a fill (bob's sell takes alice's best bid).
    step([[ALICE, { kind: 'cancelOrder', symbolId: 1, orderId: seq }, R.OK]], 2);
    step([[BOB, limit(200, Side.SELL, 55, 10, F.IOC), R.OK]], 1);
    // The last trade is 55: a sell OCO's stop leg goes below it.
    step([[ALICE, oco(100, Side.SELL, 300, 50), R.OK]], 3); // limit leg + stop leg
    // A trade at 45 triggers the OCO's stop leg: both legs end, its market sell takes bob's bid at 40.
    step([[CAROL, limit(300, Side.SELL, 45, 10, F.IOC), R.OK]], 1);
    // ...and a trade at 200 or above triggers alice's buy stop (its market order does not rest).
    step([
      [CAROL, limit(300, Side.SELL, 200, 20), R.OK],
      [BOB, limit(200, Side.BUY, 200, 10, F.IOC), R.OK],
    ], 0);
    // Cancel-all (what cancel-on-disconnect sends) gives everything back.
    step([
      [ALICE, limit(100, Side.BUY, 20), R.OK],
      [ALICE, stop(100, Side.BUY, 400), R.OK],
      [ALICE, { kind: 'cancelAllOrders', accountId: 0, symbolId: 0 }, R.OK],
    ], 0);
    // An admin acting for alice is not refused, but the orders count against her.
    step([
      [ALICE, limit(100, Side.BUY, 20), R.OK],
      [ALICE, limit(100, Side.BUY, 25), R.OK],
      [ALICE, limit(100, Side.BUY, 30), R.OK],
      [ADMIN, limit(100, Side.BUY, 35), R.OK],
      [ALICE, limit(100, Side.BUY, 15), R.OPEN_ORDER_QUOTA_EXCEEDED],
    ], 4);
  });

  it('a refused order leaves the state hash exactly as it was', () => {
    const machine = createStateMachine(CONFIG);
    const h = runRows([...SETUP, ...[20, 25, 30].map((p): Row => [ALICE, limit(100, Side.BUY, p), R.OK])], new LogicHarness(machine));
    const before = machine.stateHash();
    for (const spec of [limit(100, Side.BUY, 35), limit(100, Side.SELL, 500), stop(100, Side.BUY, 600), oco(100, Side.SELL, 500, 450)]) {
      expect(h.run(ALICE, spec).code).toBe(R.OPEN_ORDER_QUOTA_EXCEEDED);
    }
    expect(machine.stateHash()).toBe(before);
  });

  it('property: after every command each principal is charged exactly its resting orders + waiting stops', () => {
    const who = [ALICE, BOB, CAROL];
    const commandArb = fc.record({
      who: fc.integer({ min: 0, max: 2 }),
      kind: fc.constantFrom('gtc', 'gtc', 'gtc', 'ioc', 'stop', 'oco', 'cancel', 'amend', 'cancelAll', 'admin'),
      side: fc.constantFrom(Side.BUY, Side.SELL),
      tick: fc.integer({ min: 0, max: 12 }),
      lots: fc.integer({ min: 1, max: 4 }),
      back: fc.integer({ min: 1, max: 12 }),
    });
    let refused = 0;
    fc.assert(fc.property(fc.array(commandArb, { maxLength: 40 }), fc.integer({ min: 1, max: 6 }), (commands, quota) => {
      const machine = createStateMachine({ ...CONFIG, quotas: { openOrders: quota } });
      const h = new LogicHarness(machine);
      runRows(SETUP, h);
      for (const c of commands) {
        const account = 100 * (c.who + 1);
        const price = 60 + 5 * c.tick;
        const quantity = 10 * c.lots;
        const sequence = h.nextSequence;
        let spec: CommandSpec;
        switch (c.kind) {
          case 'gtc': case 'admin': spec = limit(account, c.side, price, quantity); break;
          case 'ioc': spec = limit(account, c.side, price, quantity, F.IOC); break;
          case 'stop': spec = stop(account, c.side, c.side === Side.BUY ? price + 200 : 5 + c.tick, quantity); break;
          case 'oco': spec = c.side === Side.BUY ? oco(account, c.side, price, price + 100, quantity) : oco(account, c.side, price + 100, price, quantity); break;
          case 'cancel': spec = { kind: 'cancelOrder', symbolId: 1, orderId: sequence - c.back }; break;
          case 'amend': spec = { kind: 'amendOrder', symbolId: 1, orderId: sequence - c.back, newQuantity: quantity, newPrice: price }; break;
          default: spec = { kind: 'cancelAllOrders', accountId: 0, symbolId: 0 };
        }
        const code = h.run(c.kind === 'admin' ? ADMIN : who[c.who], spec).code;
        if (code === R.OPEN_ORDER_QUOTA_EXCEEDED) {
          expect(c.kind).not.toBe('admin');
          refused++;
        }
        expect(checkInvariants(machine)).toEqual([]);
      }
      for (const p of who) {
        // An admin's orders may push a principal over its limit; nothing else may.
        if (!commands.some((c) => c.kind === 'admin' && who[c.who] === p)) expect(openOf(machine, p.principalId)).toBeLessThanOrEqual(quota);
      }
    }), { numRuns: 300, seed: 17 });
    expect(refused).toBeGreaterThan(40); // the generator reaches the limit often
  });
});
