import { describe, expect, it } from 'vitest';
import { OrderType as T, Side, TimeInForce as F } from '../../codec/records/command_descriptor.ts';
import { BalanceResult, OrderResult, PositionResult } from '../../codec/records/result_descriptor.ts';
import { decodeEvents } from '../../codec/records/event_decoder.ts';
import { BufferEventSink } from './event_emitter.ts';
import { createStateMachine } from './state_machine.ts';
import { LogicHarness } from './test_support/logic_harness.ts';
import { ResultCode as R } from '../../codec/result_codes.ts';
import type { CommandSpec, PlaceOrderSpec } from './test_support/command_writer.ts';
import type { ResultView } from './test_support/result_reader.ts';
import { depth, getBalance as bal, limit, market } from './test_support/order_rows.ts';
import { ADMIN, ALICE, balance, BOB, CAROL, PARTIES, type Row, runChecked, runRows, SMALL_CONFIG } from './test_support/scenario_table.ts';
import { QuotaKind } from '../../codec/registry/enum_values.ts';
import { Quota } from './principal_quotas.ts';
import type { LogicStateMachine } from './state_machine.ts';

// Assets: 1 = BASE, 2 = QUOTE. Symbols 1 and 2 both BASE/QUOTE, tick 1, lot 1. Accounts: 100 alice (quote
// only), 101 alice (little quote), 200 bob (base), 300 carol (base and quote).
// Margin of symbol 1: initial 50% (5000 bps), maintenance 25% (2500 bps).
const SETUP: readonly Row[] = [
  ...PARTIES,
  [ALICE, { kind: 'createAccount', accountId: 101 }, R.OK],
  [ADMIN, { kind: 'createSymbol', symbolId: 1, baseAssetId: 1, quoteAssetId: 2, tickSize: 1, lotSize: 1 }, R.OK],
  [ADMIN, { kind: 'createSymbol', symbolId: 2, baseAssetId: 1, quoteAssetId: 2, tickSize: 1, lotSize: 1 }, R.OK],
  [ADMIN, { kind: 'deposit', accountId: 100, assetId: 2, amount: 100_000 }, R.OK],
  [ADMIN, { kind: 'deposit', accountId: 101, assetId: 2, amount: 100 }, R.OK],
  [ADMIN, { kind: 'deposit', accountId: 200, assetId: 1, amount: 1_000 }, R.OK],
  [ADMIN, { kind: 'deposit', accountId: 300, assetId: 1, amount: 1_000 }, R.OK],
  [ADMIN, { kind: 'deposit', accountId: 300, assetId: 2, amount: 100_000 }, R.OK],
  [ADMIN, { kind: 'setMargin', symbolId: 1, initialMarginBps: 5000, maintenanceMarginBps: 2500 }, R.OK],
];
/** A limit order in symbol 2 (the second margin symbol). */
const inSymbol2 = (spec: PlaceOrderSpec): PlaceOrderSpec => ({ ...spec, symbolId: 2 });
const pos = (accountId: number, symbolId = 1): CommandSpec => ({ kind: 'getPosition', accountId, symbolId });
/** GET_POSITION: [short, pending, collateral, reference price, maintenance requirement]. */
const position = (short: number, pending: number, collateral: number, ref: number, maintenance: number) => (r: ResultView) =>
  expect([r.f64(PositionResult.SHORT_QUANTITY), r.f64(PositionResult.PENDING_SHORT_QUANTITY), r.f64(PositionResult.COLLATERAL),
    r.f64(PositionResult.REFERENCE_PRICE), r.f64(PositionResult.MAINTENANCE_REQUIREMENT)]).toEqual([short, pending, collateral, ref, maintenance]);
const order = (filled: number, resting: number) => (r: ResultView) =>
  expect([r.f64(OrderResult.FILLED_QUANTITY), r.f64(OrderResult.RESTING_QUANTITY)]).toEqual([filled, resting]);
const book: CommandSpec = { kind: 'getDepth', symbolId: 1, levels: 10 };


/** A trade at 100 in symbol 1 (carol buys 10 from bob): the reference price exists. */
const FIRST_TRADE: readonly Row[] = [
  [CAROL, limit(300, Side.BUY, 100, 10), R.OK],
  [BOB, limit(200, Side.SELL, 100, 10), R.OK, order(10, 0)],
];
/** Alice is short 10 at 100: 500 locked at the short sale + 1000 proceeds = 1500 collateral. */
const ALICE_SHORT_10: readonly Row[] = [
  [ALICE, limit(100, Side.SELL, 100, 10), R.OK, order(0, 10)],
  [CAROL, limit(300, Side.BUY, 100, 10), R.OK, order(10, 0)],
  [ALICE, pos(100), R.OK, position(10, 0, 1500, 100, 1250)],
];

/** Bob asks 5 at 120, 4 at 130, 10 at 140; carol takes the 5 at 120 (the reference becomes 120). */
const ASKS_THEN_120: readonly Row[] = [
  [BOB, limit(200, Side.SELL, 120, 5), R.OK],
  [BOB, limit(200, Side.SELL, 130, 4), R.OK],
  [BOB, limit(200, Side.SELL, 140, 10), R.OK],
  [CAROL, limit(300, Side.BUY, 120, 5), R.OK, order(5, 0)],
];

/** Alice: short 10, collateral 1500: below maintenance once 1500 × 10000 < 10 × ref × 12500, i.e. ref > 120. */
const LIQUIDATION: readonly Row[] = [
    ...SETUP, ...FIRST_TRADE, ...ALICE_SHORT_10,
    ...ASKS_THEN_120,
    [ALICE, pos(100), R.OK, position(10, 0, 1500, 120, 1500)],
    // Carol's buy at 130 makes the reference 130: Alice's market buy-to-cover takes 0 at 130 (carol took it) and 10 at 140.
    [CAROL, limit(300, Side.BUY, 130, 4), R.OK, order(4, 0)],
    [ALICE, pos(100), R.OK, position(0, 0, 0, 140, 0)],
    // 99 500 + 1500 collateral released − 1400 paid.
    [ALICE, bal(100, 2), R.OK, balance(99_600, 0)],
    [ALICE, book, R.OK, depth([], [])],
];

describe('margin: setMargin, getPosition and the short-sale rungs', () => {
  it('validation: every rejection, and a refused short changes nothing', () => {
    runChecked([
      ...SETUP,
      [ALICE, { kind: 'setMargin', symbolId: 1, initialMarginBps: 5000, maintenanceMarginBps: 2500 }, R.ADMIN_REQUIRED],
      [ADMIN, { kind: 'setMargin', symbolId: 9, initialMarginBps: 5000, maintenanceMarginBps: 2500 }, R.SYMBOL_NOT_FOUND],
      [ADMIN, { kind: 'setMargin', symbolId: 1, initialMarginBps: 5000, maintenanceMarginBps: 0 }, R.INVALID_MARGIN],
      [ADMIN, { kind: 'setMargin', symbolId: 1, initialMarginBps: 0, maintenanceMarginBps: 10 }, R.INVALID_MARGIN],
      [ADMIN, { kind: 'setMargin', symbolId: 1, initialMarginBps: 2000, maintenanceMarginBps: 2500 }, R.INVALID_MARGIN],
      [ADMIN, { kind: 'setMargin', symbolId: 1, initialMarginBps: 100_001, maintenanceMarginBps: 2500 }, R.INVALID_MARGIN],
      // Only the gateway's translation keeps fields integral: the logic refuses a fraction itself.
      [ADMIN, { kind: 'setMargin', symbolId: 1, initialMarginBps: 5000.5, maintenanceMarginBps: 2500 }, R.INVALID_MARGIN],
      [ADMIN, { kind: 'setMargin', symbolId: 1, initialMarginBps: 100_000, maintenanceMarginBps: 100_000 }, R.OK],
      [ADMIN, { kind: 'setMargin', symbolId: 1, initialMarginBps: 5000, maintenanceMarginBps: 2500 }, R.OK],
      // Before the first trade there is no reference price.
      [ALICE, limit(100, Side.SELL, 100, 10), R.NO_REFERENCE_PRICE],
      ...FIRST_TRADE,
      // Symbol 2 has no margin: a sell without the base is refused as it always was.
      [ALICE, inSymbol2(limit(100, Side.SELL, 100, 10)), R.INSUFFICIENT_FUNDS],
      // 101 has 100 of quote: a short of 10 at reference 100 needs 500.
      [ALICE, limit(101, Side.SELL, 100, 10), R.INSUFFICIENT_MARGIN],
      [ALICE, bal(101, 2), R.OK, balance(100, 0)],
      [ALICE, limit(101, Side.SELL, 100, 2), R.OK, order(0, 2)],
      [ALICE, pos(101), R.OK, position(0, 2, 100, 100, 0)],
      [ALICE, pos(200), R.ACCOUNT_NOT_FOUND],
      [BOB, pos(200, 9), R.SYMBOL_NOT_FOUND],
      [ALICE, pos(200, 9), R.SYMBOL_NOT_FOUND], // the symbol first (acting_lookup.ts): nothing learnt about account 200
      [BOB, pos(200), R.OK, position(0, 0, 0, 100, 0)],
      // 101 holds a position on BASE through symbol 1: none through symbol 2 (margin set there too).
      [ADMIN, { kind: 'setMargin', symbolId: 2, initialMarginBps: 5000, maintenanceMarginBps: 2500 }, R.OK],
      [CAROL, inSymbol2(limit(300, Side.BUY, 100, 1)), R.OK],
      [BOB, inSymbol2(limit(200, Side.SELL, 100, 1)), R.OK, order(1, 0)],
      [ALICE, inSymbol2(limit(101, Side.SELL, 100, 1)), R.SHORT_IN_OTHER_SYMBOL],
      [ADMIN, { kind: 'setMargin', symbolId: 1, initialMarginBps: 0, maintenanceMarginBps: 0 }, R.MARGIN_IN_USE],
      // Cancelling the working short closes the position: its collateral comes back.
      [ALICE, { kind: 'cancelOrder', symbolId: 1, orderId: SETUP.length + 16 }, R.OK],
      [ALICE, pos(101), R.OK, position(0, 0, 0, 100, 0)],
      [ALICE, bal(101, 2), R.OK, balance(100, 0)],
      [ADMIN, { kind: 'setMargin', symbolId: 1, initialMarginBps: 0, maintenanceMarginBps: 0 }, R.OK],
    ]);
  });

  it('no free position slot: POSITIONS_FULL', () => {
    runChecked([
      ...SETUP, ...FIRST_TRADE,
      [ALICE, limit(100, Side.SELL, 120, 1), R.OK],
      [ALICE, limit(101, Side.SELL, 120, 1), R.POSITIONS_FULL],
    ], { ...SMALL_CONFIG, maxPositions: 1 });
  });
});

describe('margin: short sales, covers and liquidation', () => {
  it('a short sale borrows the base, a buy covers it, collateral pays the cover, the position closes', () => {
    runChecked([
      ...SETUP, ...FIRST_TRADE, ...ALICE_SHORT_10,
      [CAROL, bal(300, 1), R.OK, balance(1020, 0)],
      [ALICE, bal(100, 2), R.OK, balance(99_500, 1500)],
      [ALICE, bal(100, 1), R.OK, balance(0, 0)],
      // Alice buys 4 back at 90: the base repays the short; 360 of collateral goes back to available.
      [BOB, limit(200, Side.SELL, 90, 4), R.OK],
      [ALICE, limit(100, Side.BUY, 90, 4), R.OK, order(4, 0)],
      [ALICE, pos(100), R.OK, position(6, 0, 1140, 90, 675)],
      [ALICE, bal(100, 2), R.OK, balance(99_500, 1140)],
      [ALICE, bal(100, 1), R.OK, balance(0, 0)],
      // A buy for more than the short: 6 cover, 4 land in available; the position closes.
      [BOB, limit(200, Side.SELL, 80, 10), R.OK],
      [ALICE, market(100, Side.BUY, 10), R.OK, order(10, 0)],
      [ALICE, pos(100), R.OK, position(0, 0, 0, 80, 0)],
      [ALICE, bal(100, 1), R.OK, balance(4, 0)],
      // 100 000 − 360 − 800 paid + 1000 proceeds: a profit of 160 on the short (sold at 100, covered at 90 and 80).
      [ALICE, bal(100, 2), R.OK, balance(99_840, 0)],
    ]);
  });

  it('amend: down releases pending, up needs margin for the increase, a price move matches as a short', () => {
    const shortId = SETUP.length + FIRST_TRADE.length + 1;
    runChecked([
      ...SETUP, ...FIRST_TRADE,
      [ALICE, limit(101, Side.SELL, 120, 2), R.OK],
      [ALICE, pos(101), R.OK, position(0, 2, 100, 100, 0)],
      [ALICE, { kind: 'amendOrder', symbolId: 1, orderId: shortId, newPrice: 0, newQuantity: 3 }, R.INSUFFICIENT_MARGIN],
      [ALICE, { kind: 'amendOrder', symbolId: 1, orderId: shortId, newPrice: 0, newQuantity: 1 }, R.OK, order(0, 1)],
      [ALICE, pos(101), R.OK, position(0, 1, 100, 100, 0)],
      [CAROL, limit(300, Side.BUY, 105, 5), R.OK],
      // Moved to 105 it meets carol's bid: the short fills at 105.
      [ALICE, { kind: 'amendOrder', symbolId: 1, orderId: shortId, newPrice: 105, newQuantity: 1 }, R.OK, order(1, 0)],
      [ALICE, pos(101), R.OK, position(1, 0, 205, 105, 132)],
    ]);
  });

  it('a trade that moves the price below maintenance liquidates in the same command, covering at market', () => {
    runChecked(LIQUIDATION);
  });

  it('a liquidation the book cannot cover leaves the position open and locked; the next trade finishes it', () => {
    runChecked([
      ...SETUP, ...FIRST_TRADE, ...ALICE_SHORT_10,
      [BOB, limit(200, Side.SELL, 200, 3), R.OK],
      // Carol takes every ask at 200: Alice is below maintenance and nothing is left to buy.
      [CAROL, limit(300, Side.BUY, 200, 3), R.OK, order(3, 0)],
      // Collateral = what a short sale would lock for 10 at 200: 1000 + 2000 = ... ceil(10 × 200 × 0.5) + 10 × 200 = 3000.
      [ALICE, pos(100), R.OK, position(10, 0, 3000, 200, 2500)],
      [ALICE, bal(100, 2), R.OK, balance(98_000, 3000)],
      // Asks come back; the next trade checks again: 3000 × 10000 >= 10 × 210 × 12500? 3e7 >= 2.625e7: healthy.
      [BOB, limit(200, Side.SELL, 210, 20), R.OK],
      [CAROL, limit(300, Side.BUY, 210, 1), R.OK, order(1, 0)],
      [ALICE, pos(100), R.OK, position(10, 0, 3000, 210, 2625)],
      // At 250 it is not: 3e7 < 10 × 250 × 12500 = 3.125e7. The book covers it this time.
      [BOB, limit(200, Side.SELL, 250, 1), R.OK],
      [BOB, { kind: 'cancelOrder', symbolId: 1, orderId: SETUP.length + FIRST_TRADE.length + ALICE_SHORT_10.length + 5 }, R.OK],
      [BOB, limit(200, Side.SELL, 260, 20), R.OK],
      [CAROL, limit(300, Side.BUY, 250, 1), R.OK, order(1, 0)],
      [ALICE, pos(100), R.OK, position(0, 0, 0, 260, 0)],
      [ALICE, bal(100, 2), R.OK, balance(98_000 + 3000 - 2600, 0)],
    ]);
  });

  it('cascade: a liquidation triggers a stop, whose trade liquidates the next position, in open order', () => {
    // Alice (first) short 10 with 1500; carol's second account 301 short 10 with more collateral.
    runChecked([
      ...SETUP, ...FIRST_TRADE, ...ALICE_SHORT_10,
      [CAROL, { kind: 'createAccount', accountId: 301 }, R.OK],
      [ADMIN, { kind: 'deposit', accountId: 301, assetId: 2, amount: 700 }, R.OK],
      [CAROL, limit(301, Side.SELL, 100, 10), R.OK],
      [CAROL, limit(300, Side.BUY, 100, 10), R.OK, order(10, 0)],
      // 301: collateral 500 + 1000 = 1500, like Alice's: both are below maintenance above 120.
      [CAROL, pos(301), R.OK, position(10, 0, 1500, 100, 1250)],
      // Bob: a buy stop at 135 for 5 (he holds quote from his sales).
      [BOB, { kind: 'placeStopOrder', symbolId: 1, accountId: 200, price: 0, quantity: 5, stopPrice: 135, side: Side.BUY,
        orderType: T.STOP_MARKET, timeInForce: F.IOC }, R.OK],
      [ADMIN, { kind: 'deposit', accountId: 300, assetId: 1, amount: 100 }, R.OK],
      [CAROL, limit(300, Side.SELL, 125, 1), R.OK],
      [CAROL, limit(300, Side.SELL, 135, 10), R.OK],
      [CAROL, limit(300, Side.SELL, 150, 40), R.OK],
      // Bob buys 1 at 125: reference 125, both positions below maintenance. Alice (opened first) is
      // liquidated first: 10 at 135 → bob's stop triggers (135) and buys 5 at 150 → 301 is liquidated: 10 at 150.
      [BOB, limit(200, Side.BUY, 125, 1), R.OK, order(1, 0)],
      [ALICE, pos(100), R.OK, position(0, 0, 0, 150, 0)],
      [CAROL, pos(301), R.OK, position(0, 0, 0, 150, 0)],
      [ALICE, bal(100, 2), R.OK, balance(99_500 + 1500 - 1350, 0)],
      [CAROL, bal(301, 2), R.OK, balance(700 - 500 + 1500 - 1500, 0)],
      [BOB, bal(200, 1), R.OK, balance(1000 - 10 + 1 + 5, 0)],
      [ALICE, book, R.OK, depth([], [[150, 25]])],
    ]);
  });
});

describe('margin and the open-order quota', () => {
  it('a resting short sale holds one slot; a liquidation needs none and gives back the own asks it cancels', () => {
    const aliceOpen = (h: LogicHarness): number => (h.machine as LogicStateMachine).ledger.quotas.usedBy(ALICE.principalId, Quota.OPEN_ORDERS);
    const h = runChecked([
      ...SETUP, ...FIRST_TRADE,
      [ADMIN, { kind: 'setQuota', principalId: ALICE.principalId, quota: QuotaKind.OPEN_ORDERS, limit: 1 }, R.OK],
      ...ALICE_SHORT_10,
      // A second short sale of 1 at 135 rests: Alice's one slot. Lock: ceil(11 × 100 × 0.5) + 10 × 100 − 1500 = 50.
      [ALICE, limit(100, Side.SELL, 135, 1), R.OK, order(0, 1)],
      [ALICE, pos(100), R.OK, position(10, 1, 1550, 100, 1250)],
      // Any other resting order of hers, a short sale or not, is refused by the quota and changes nothing;
      // an IOC short sale needs no slot (nothing to meet at 150: it ends unfilled, its pending released).
      [ALICE, limit(101, Side.SELL, 136, 1), R.OPEN_ORDER_QUOTA_EXCEEDED],
      [ALICE, limit(101, Side.BUY, 90, 1), R.OPEN_ORDER_QUOTA_EXCEEDED],
      [ALICE, limit(101, Side.SELL, 150, 1, F.IOC), R.OK, order(0, 0)],
      [ALICE, pos(101), R.OK, position(0, 0, 0, 100, 0)],
    ]);
    expect(aliceOpen(h)).toBe(1);
    // Carol's buy at 130 puts Alice below maintenance (1550 × 10000 < 10 × 130 × 12500) with her quota full:
    // the engine's market buy-to-cover rests nothing, so it is not refused; it cancels her own ask at 135
    // (self-trade CANCEL_RESTING: the slot comes back) and buys 10 at 140.
    runRows([
      ...ASKS_THEN_120,
      [ALICE, pos(100), R.OK, position(10, 1, 1550, 120, 1500)],
      [CAROL, limit(300, Side.BUY, 130, 4), R.OK, order(4, 0)],
      [ALICE, pos(100), R.OK, position(0, 0, 0, 140, 0)],
      [ALICE, book, R.OK, depth([], [])],
    ], h, { checked: true });
    expect(aliceOpen(h)).toBe(0);
  });
});

describe('margin and events', () => {
  it('every balance a short sale, its collateral, a cover or a liquidation moves is reported: after each row, the last BALANCE_CHANGED of each balance equals the ledger', () => {
    const machine = createStateMachine(SMALL_CONFIG);
    const sink = new BufferEventSink(4096);
    machine.events.sink = sink;
    const harness = new LogicHarness(machine);
    const reported = new Map<string, [number, number]>();
    for (const row of LIQUIDATION) {
      runRows([row], harness);
      for (const e of decodeEvents(sink.records())) if (e.kind === 'balance_changed') reported.set(`${e.accountId}/${e.assetId}`, [e.available, e.reserved]);
      sink.count = 0;
      for (const accountId of [100, 101, 200, 300]) {
        for (const assetId of [1, 2]) {
          const r = harness.run(ADMIN, { kind: 'getBalance', accountId, assetId });
          if (r.code !== R.OK) continue;
          const key = `${accountId}/${assetId}`;
          expect(reported.get(key) ?? [0, 0], `${key} after ${JSON.stringify(row[1])}`).toEqual([r.f64(BalanceResult.AVAILABLE), r.f64(BalanceResult.RESERVED)]);
        }
      }
    }
    expect(reported.get('100/2')).toEqual([99_600, 0]);
  });
});
