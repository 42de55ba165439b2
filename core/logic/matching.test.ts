import { describe, expect, it } from 'vitest';
import { SelfTradePrevention, Side, TimeInForce as F } from '../../codec/records/command_descriptor.ts';
import {
  CancelResult, DepthResult, OrderInfoResult, OrderResult, OrderStatus, RESULT_FLAG_DUPLICATE,
} from '../../codec/records/result_descriptor.ts';
import { ResultCode as R } from '../../codec/result_codes.ts';
import { BOOK_SETUP, depth, limit, market, order } from './test_support/order_rows.ts';
import { LogicHarness } from './test_support/logic_harness.ts';
import { ADMIN, ALICE, balance, BOB, CAROL, type Row, runRows, SMALL_CONFIG } from './test_support/scenario_table.ts';
import { createStateMachine } from './state_machine.ts';

const SETUP = BOOK_SETUP;
const SEQ_AFTER_SETUP = SETUP.length; // order ids are the PLACE_ORDER sequences: SETUP.length + row
const id = (row: number): number => SEQ_AFTER_SETUP + row + 1;

describe('order book scenario table', () => {
  it('symbols and order validation: every rejection', () => {
    runRows([
      ...SETUP,
      [ALICE, { kind: 'createSymbol', symbolId: 2, baseAssetId: 1, quoteAssetId: 2, tickSize: 1, lotSize: 1 }, R.ADMIN_REQUIRED],
      [ADMIN, { kind: 'createSymbol', symbolId: 0, baseAssetId: 1, quoteAssetId: 2, tickSize: 1, lotSize: 1 }, R.ID_MUST_NOT_BE_ZERO],
      [ADMIN, { kind: 'createSymbol', symbolId: 1, baseAssetId: 1, quoteAssetId: 2, tickSize: 1, lotSize: 1 }, R.SYMBOL_EXISTS],
      [ADMIN, { kind: 'createSymbol', symbolId: 2, baseAssetId: 9, quoteAssetId: 2, tickSize: 1, lotSize: 1 }, R.ASSET_NOT_FOUND],
      [ADMIN, { kind: 'createSymbol', symbolId: 2, baseAssetId: 1, quoteAssetId: 9, tickSize: 1, lotSize: 1 }, R.ASSET_NOT_FOUND],
      [ADMIN, { kind: 'createSymbol', symbolId: 2, baseAssetId: 1, quoteAssetId: 1, tickSize: 1, lotSize: 1 }, R.SYMBOL_ASSETS_SAME],
      [ADMIN, { kind: 'createSymbol', symbolId: 2, baseAssetId: 1, quoteAssetId: 2, tickSize: 0, lotSize: 1 }, R.INVALID_PRICE],
      [ADMIN, { kind: 'createSymbol', symbolId: 2, baseAssetId: 1, quoteAssetId: 2, tickSize: 1, lotSize: 0.5 }, R.INVALID_QUANTITY],
      [ADMIN, { kind: 'createSymbol', symbolId: 2, baseAssetId: 2, quoteAssetId: 1, tickSize: 1, lotSize: 1 }, R.OK],
      [ADMIN, { kind: 'createSymbol', symbolId: 3, baseAssetId: 1, quoteAssetId: 2, tickSize: 1, lotSize: 1 }, R.SYMBOLS_FULL],
      [ALICE, { ...limit(100, Side.BUY, 100, 10), symbolId: 9 }, R.SYMBOL_NOT_FOUND],
      [ALICE, limit(999, Side.BUY, 100, 10), R.ACCOUNT_NOT_FOUND],
      [BOB, limit(100, Side.BUY, 100, 10), R.ACCOUNT_NOT_FOUND],
      [ALICE, limit(100, 3, 100, 10), R.INVALID_SIDE],
      [ALICE, { ...limit(100, Side.BUY, 100, 10), orderType: 3 }, R.INVALID_ORDER_TYPE],
      [ALICE, limit(100, Side.BUY, 100, 10, 0), R.INVALID_TIME_IN_FORCE],
      [ALICE, market(100, Side.BUY, 10, F.GTC), R.INVALID_TIME_IN_FORCE],
      [ALICE, limit(100, Side.BUY, 100, 10, F.GTC, 2), R.INVALID_FIELD_VALUE],
      [ALICE, limit(100, Side.BUY, 0, 10), R.INVALID_PRICE],
      [ALICE, limit(100, Side.BUY, 101, 10), R.INVALID_PRICE],
      [ALICE, { ...market(100, Side.BUY, 10), price: 5 }, R.INVALID_PRICE],
      [ALICE, limit(100, Side.BUY, 100, 0), R.INVALID_QUANTITY],
      [ALICE, limit(100, Side.BUY, 100, 15), R.INVALID_QUANTITY],
      [ALICE, limit(100, Side.BUY, 100, 1010), R.INSUFFICIENT_FUNDS],
      [ALICE, limit(100, Side.SELL, 100, 10), R.INSUFFICIENT_FUNDS],
      [BOB, market(200, Side.BUY, 10), R.INSUFFICIENT_FUNDS],
      [ALICE, market(100, Side.BUY, 10), R.NO_LIQUIDITY],
      [BOB, limit(200, Side.SELL, 100, 10, F.FOK), R.FOK_NOT_FILLABLE],
      [ALICE, { kind: 'cancelOrder', symbolId: 9, orderId: 1 }, R.SYMBOL_NOT_FOUND],
      [ALICE, { kind: 'cancelOrder', symbolId: 1, orderId: 1 }, R.ORDER_NOT_FOUND],
      [ALICE, { kind: 'getOrder', symbolId: 1, orderId: 1 }, R.ORDER_NOT_FOUND],
      [ALICE, { kind: 'getDepth', symbolId: 9, levels: 5 }, R.SYMBOL_NOT_FOUND],
      [ALICE, { kind: 'getDepth', symbolId: 1, levels: 0 }, R.INVALID_FIELD_VALUE],
      [ALICE, { kind: 'getDepth', symbolId: 1, levels: 5 }, R.OK, depth([], [])],
    ]);
  });

  it('cancel and amend name the order with its symbol: another listed symbol is ORDER_NOT_FOUND, an unlisted one SYMBOL_NOT_FOUND', () => {
    runRows([
      ...SETUP,
      [ADMIN, { kind: 'createSymbol', symbolId: 2, baseAssetId: 2, quoteAssetId: 1, tickSize: 1, lotSize: 1 }, R.OK],
      /* 1 */ [BOB, limit(200, Side.SELL, 105, 30), R.OK, order(0, 30, OrderStatus.RESTING)],
      // The order rests in symbol 1: named under symbol 2 it is not found, under 9 the symbol is not.
      [BOB, { kind: 'cancelOrder', symbolId: 2, orderId: id(1) }, R.ORDER_NOT_FOUND],
      [BOB, { kind: 'amendOrder', symbolId: 2, orderId: id(1), newQuantity: 10, newPrice: 0 }, R.ORDER_NOT_FOUND],
      [BOB, { kind: 'cancelOrder', symbolId: 9, orderId: id(1) }, R.SYMBOL_NOT_FOUND],
      [BOB, { kind: 'amendOrder', symbolId: 9, orderId: id(1), newQuantity: 10, newPrice: 0 }, R.SYMBOL_NOT_FOUND],
      [BOB, { kind: 'amendOrder', symbolId: 1, orderId: id(1), newQuantity: 10, newPrice: 0 }, R.OK, order(0, 10, OrderStatus.RESTING)],
      [BOB, { kind: 'cancelOrder', symbolId: 1, orderId: id(1) }, R.OK],
    ]);
  });

  it('matching: price-time priority, maker price, partial fills, reservations', () => {
    runRows([
      ...SETUP,
      /* 0 */ [BOB, limit(200, Side.SELL, 105, 30), R.OK, order(0, 30, OrderStatus.RESTING)],
      /* 1 */ [CAROL, limit(300, Side.SELL, 100, 20), R.OK],
      /* 2 */ [BOB, limit(200, Side.SELL, 100, 10), R.OK],
      /* 3 */ [BOB, limit(200, Side.SELL, 110, 10), R.OK],
      /* 4 */ [BOB, { kind: 'getBalance', accountId: 200, assetId: 1 }, R.OK, balance(950, 50)],
      /* 5 */ [ALICE, { kind: 'getDepth', symbolId: 1, levels: 5 }, R.OK, depth([], [[100, 30], [105, 30], [110, 10]])],
      // Alice buys 50 at up to 105: carol's 20 @100 (first in time), bob's 10 @100, then 20 of bob's @105.
      /* 6 */ [ALICE, limit(100, Side.BUY, 105, 50), R.OK, order(50, 0, OrderStatus.FILLED, [[id(1), 100, 20], [id(2), 100, 10], [id(0), 105, 20]])],
      // Paid 20*100 + 10*100 + 20*105 = 5100; the 5*30 price improvement came back.
      /* 7 */ [ALICE, { kind: 'getBalance', accountId: 100, assetId: 2 }, R.OK, balance(94_900, 0)],
      /* 8 */ [ALICE, { kind: 'getBalance', accountId: 100, assetId: 1 }, R.OK, balance(50, 0)],
      /* 9 */ [BOB, { kind: 'getBalance', accountId: 200, assetId: 2 }, R.OK, balance(1000 + 2100, 0)],
      /* 10 */ [BOB, { kind: 'getBalance', accountId: 200, assetId: 1 }, R.OK, balance(950, 20)],
      /* 11 */ [ALICE, { kind: 'getDepth', symbolId: 1, levels: 5 }, R.OK, depth([], [[105, 10], [110, 10]])],
      // A buy that rests reserves price*qty; IOC releases what it did not fill.
      /* 12 */ [ALICE, limit(100, Side.BUY, 95, 40), R.OK, order(0, 40, OrderStatus.RESTING)],
      /* 13 */ [ALICE, { kind: 'getBalance', accountId: 100, assetId: 2 }, R.OK, balance(94_900 - 3800, 3800)],
      /* 14 */ [ALICE, limit(100, Side.BUY, 105, 30, F.IOC), R.OK, order(10, 0, OrderStatus.CANCELLED, [[id(0), 105, 10]])],
      /* 15 */ [ALICE, { kind: 'getBalance', accountId: 100, assetId: 2 }, R.OK, balance(94_900 - 3800 - 1050, 3800)],
      // A sell into the bid at 95, the rest rests at 90 as the new best ask.
      /* 16 */ [CAROL, limit(300, Side.SELL, 90, 60), R.OK, order(40, 20, OrderStatus.RESTING, [[id(12), 95, 40]])],
      /* 17 */ [ALICE, { kind: 'getDepth', symbolId: 1, levels: 1 }, R.OK, depth([], [[90, 20]])],
      /* 18 */ [CAROL, { kind: 'getBalance', accountId: 300, assetId: 2 }, R.OK, balance(100_000 + 2000 + 3800, 0)],
      /* 19 */ [ALICE, { kind: 'getBalance', accountId: 100, assetId: 2 }, R.OK, balance(94_900 - 3800 - 1050, 0)],
      // FOK that can fill: 20 @90 + 10 @110.
      /* 20 */ [ALICE, limit(100, Side.BUY, 110, 30, F.FOK), R.OK, order(30, 0, OrderStatus.FILLED, [[id(16), 90, 20], [id(3), 110, 10]])],
      /* 21 */ [ALICE, { kind: 'getDepth', symbolId: 1, levels: 5 }, R.OK, depth([], [])],
      /* 22 */ [ALICE, market(100, Side.SELL, 10), R.NO_LIQUIDITY],
    ]);
  });

  it('market orders: buys spend only available quote; sells stop when the book runs out', () => {
    runRows([
      ...SETUP,
      [ADMIN, { kind: 'deposit', accountId: 200, assetId: 2, amount: 1_000 }, R.OK],
      /* 1 */ [CAROL, limit(300, Side.SELL, 50, 10), R.OK],
      /* 2 */ [CAROL, limit(300, Side.SELL, 60, 100), R.OK],
      // Bob has 1000 quote: 10 @50 = 500, then 8 more @60 would be 480 but lots are 10: only 500 → stops.
      /* 3 */ [BOB, market(200, Side.BUY, 100), R.OK, order(10, 0, OrderStatus.CANCELLED, [[id(1), 50, 10]])],
      /* 4 */ [BOB, { kind: 'getBalance', accountId: 200, assetId: 2 }, R.OK, balance(500, 0)],
      /* 5 */ [BOB, market(200, Side.BUY, 20, F.FOK), R.FOK_NOT_FILLABLE],
      /* 6 */ [ALICE, market(100, Side.BUY, 200), R.OK, order(100, 0, OrderStatus.CANCELLED, [[id(2), 60, 100]])],
      /* 7 */ [ALICE, limit(100, Side.BUY, 40, 20), R.OK],
      /* 8 */ [CAROL, market(300, Side.SELL, 50), R.OK, order(20, 0, OrderStatus.CANCELLED, [[id(7), 40, 20]])],
      /* 9 */ [CAROL, { kind: 'getBalance', accountId: 300, assetId: 1 }, R.OK, balance(1000 - 10 - 100 - 20, 0)],
    ]);
  });

  it('cancel and amend: reduce keeps priority, a price change loses it and can trade', () => {
    runRows([
      ...SETUP,
      /* 0 */ [BOB, limit(200, Side.SELL, 100, 30), R.OK],
      /* 1 */ [CAROL, limit(300, Side.SELL, 100, 30), R.OK],
      /* 2 */ [ALICE, { kind: 'cancelOrder', symbolId: 1, orderId: id(0) }, R.ORDER_NOT_FOUND],
      /* 3 */ [ALICE, { kind: 'amendOrder', symbolId: 1, orderId: id(0), newPrice: 0, newQuantity: 10 }, R.ORDER_NOT_FOUND],
      /* 4 */ [BOB, { kind: 'amendOrder', symbolId: 9, orderId: id(0), newPrice: 0, newQuantity: 10 }, R.SYMBOL_NOT_FOUND],
      /* 5 */ [BOB, { kind: 'amendOrder', symbolId: 1, orderId: 12345, newPrice: 0, newQuantity: 10 }, R.ORDER_NOT_FOUND],
      /* 6 */ [BOB, { kind: 'amendOrder', symbolId: 1, orderId: id(0), newPrice: 0, newQuantity: 0 }, R.INVALID_AMEND],
      /* 7 */ [BOB, { kind: 'amendOrder', symbolId: 1, orderId: id(0), newPrice: 0, newQuantity: 15 }, R.INVALID_QUANTITY],
      /* 8 */ [BOB, { kind: 'amendOrder', symbolId: 1, orderId: id(0), newPrice: 101, newQuantity: 10 }, R.INVALID_PRICE],
      /* 9 */ [BOB, { kind: 'amendOrder', symbolId: 1, orderId: id(0), newPrice: 0, newQuantity: 2000 }, R.INSUFFICIENT_FUNDS],
      // Reduce: bob keeps first place.
      /* 10 */ [BOB, { kind: 'amendOrder', symbolId: 1, orderId: id(0), newPrice: 0, newQuantity: 20 }, R.OK, order(0, 20, OrderStatus.RESTING)],
      /* 11 */ [BOB, { kind: 'getBalance', accountId: 200, assetId: 1 }, R.OK, balance(980, 20)],
      /* 12 */ [ALICE, limit(100, Side.BUY, 100, 10), R.OK, order(10, 0, OrderStatus.FILLED, [[id(0), 100, 10]])],
      // Increase: bob goes behind carol.
      /* 13 */ [BOB, { kind: 'amendOrder', symbolId: 1, orderId: id(0), newPrice: 0, newQuantity: 40 }, R.OK, order(10, 40, OrderStatus.RESTING)],
      /* 14 */ [ALICE, limit(100, Side.BUY, 100, 10), R.OK, order(10, 0, OrderStatus.FILLED, [[id(1), 100, 10]])],
      /* 15 */ [BOB, { kind: 'getOrder', symbolId: 1, orderId: id(0) }, R.OK, (r) => {
        expect([r.f64(OrderInfoResult.PRICE), r.f64(OrderInfoResult.RESTING_QUANTITY), r.f64(OrderInfoResult.FILLED_QUANTITY),
          r.u8(OrderInfoResult.SIDE_U8), r.f64(OrderInfoResult.ACCOUNT_ID)]).toEqual([100, 40, 10, Side.SELL, 200]);
      }],
      /* 16 */ [ALICE, { kind: 'getOrder', symbolId: 1, orderId: id(0) }, R.ORDER_NOT_FOUND],
      /* 17 */ [ALICE, limit(100, Side.BUY, 90, 20), R.OK],
      // Move bob's sell down to 90: it crosses alice's bid, trades 20 at 90 (the maker's price), rests 20.
      /* 18 */ [BOB, { kind: 'amendOrder', symbolId: 1, orderId: id(0), newPrice: 90, newQuantity: 40 }, R.OK,
        order(30, 20, OrderStatus.RESTING, [[id(17), 90, 20]])],
      /* 19 */ [ALICE, { kind: 'getDepth', symbolId: 1, levels: 5 }, R.OK, depth([], [[90, 20], [100, 20]])],
      /* 20 */ [BOB, { kind: 'cancelOrder', symbolId: 1, orderId: id(0) }, R.OK, (r) => {
        expect([r.f64(CancelResult.ORDER_ID), r.f64(CancelResult.CANCELLED_QUANTITY)]).toEqual([id(0), 20]);
      }],
      /* 21 */ [BOB, { kind: 'cancelOrder', symbolId: 1, orderId: id(0) }, R.ORDER_NOT_FOUND],
      /* 22 */ [BOB, { kind: 'getBalance', accountId: 200, assetId: 1 }, R.OK, balance(1000 - 10 - 20, 0)],
      /* 23 */ [ALICE, { kind: 'getBalance', accountId: 100, assetId: 2 }, R.OK, balance(100_000 - 1000 - 1000 - 1800, 0)],
      /* 24 */ [ALICE, { kind: 'cancelOrder', symbolId: 2, orderId: id(1) }, R.SYMBOL_NOT_FOUND],
    ]);
  });

  it('FOK with self-trade prevention NONE: a fill against the own resting order costs no budget (issue 16 repro)', () => {
    // Exactly the stream: account 10 sells 10 @100, account 20 sells 5 @100, then account 10
    // (1000 quote) market-buys 15 FOK. The own 10 pay 1000 straight back, so all 15 are affordable.
    const rows: Row[] = [
      [ADMIN, { kind: 'createAsset', assetId: 1 }, R.OK],
      [ADMIN, { kind: 'createAsset', assetId: 2 }, R.OK],
      [ADMIN, { kind: 'createSymbol', symbolId: 1, baseAssetId: 1, quoteAssetId: 2, tickSize: 1, lotSize: 1 }, R.OK],
      [ADMIN, { kind: 'createAccount', accountId: 10 }, R.OK],
      [ADMIN, { kind: 'createAccount', accountId: 20 }, R.OK],
      [ADMIN, { kind: 'deposit', accountId: 10, assetId: 1, amount: 10 }, R.OK],
      [ADMIN, { kind: 'deposit', accountId: 10, assetId: 2, amount: 1000 }, R.OK],
      [ADMIN, { kind: 'deposit', accountId: 20, assetId: 1, amount: 5 }, R.OK],
      /* 8 */ [ADMIN, { ...limit(10, Side.SELL, 100, 10), symbolId: 1 }, R.OK],
      /* 9 */ [ADMIN, { ...limit(20, Side.SELL, 100, 5), symbolId: 1 }, R.OK],
      [ADMIN, { ...market(10, Side.BUY, 15, F.FOK) }, R.OK, order(15, 0, OrderStatus.FILLED, [[9, 100, 10], [10, 100, 5]])],
      [ADMIN, { kind: 'getBalance', accountId: 10, assetId: 2 }, R.OK, balance(500, 0)],
      [ADMIN, { kind: 'getBalance', accountId: 10, assetId: 1 }, R.OK, balance(15, 0)],
      [ADMIN, { kind: 'getBalance', accountId: 20, assetId: 2 }, R.OK, balance(500, 0)],
    ];
    runRows(rows);
  });

  it('self-trade prevention cancels the resting order; without it an account can trade with itself', () => {
    runRows([
      ...SETUP,
      [ADMIN, { kind: 'deposit', accountId: 300, assetId: 2, amount: 1 }, R.OK],
      /* 1 */ [CAROL, limit(300, Side.SELL, 100, 10), R.OK],
      /* 2 */ [BOB, limit(200, Side.SELL, 100, 10), R.OK],
      /* 3 */ [CAROL, limit(300, Side.BUY, 100, 20, F.GTC, SelfTradePrevention.CANCEL_RESTING), R.OK,
        order(10, 10, OrderStatus.RESTING, [[id(2), 100, 10]])],
      /* 4 */ [CAROL, { kind: 'getOrder', symbolId: 1, orderId: id(1) }, R.OK, (r) =>
        expect([r.u32(OrderInfoResult.ORDER_STATUS_U32), r.f64(OrderInfoResult.RESTING_QUANTITY)]).toEqual([OrderStatus.CANCELLED, 0])],
      /* 5 */ [CAROL, { kind: 'getBalance', accountId: 300, assetId: 1 }, R.OK, balance(1010, 0)],
      /* 6 */ [CAROL, limit(300, Side.SELL, 100, 10), R.OK, order(10, 0, OrderStatus.FILLED, [[id(3), 100, 10]])],
      /* 7 */ [CAROL, { kind: 'getBalance', accountId: 300, assetId: 2 }, R.OK, balance(100_001 - 1000, 0)],
    ]);
  });

  it('capacity: orders and price levels', () => {
    const rows: Row[] = [...SETUP];
    for (let i = 0; i < 6; i++) rows.push([BOB, limit(200, Side.SELL, 100 + 5 * i, 10), R.OK]);
    rows.push([BOB, limit(200, Side.SELL, 200, 10), R.PRICE_LEVELS_FULL]);
    rows.push([BOB, limit(200, Side.SELL, 100, 10), R.OK]);
    rows.push([BOB, limit(200, Side.SELL, 100, 10), R.OK]);
    rows.push([BOB, limit(200, Side.SELL, 100, 10), R.ORDERS_FULL]);
    rows.push([ALICE, limit(100, Side.BUY, 100, 10, F.IOC), R.OK, order(10, 0, OrderStatus.FILLED)]);
    rows.push([BOB, limit(200, Side.SELL, 100, 10), R.OK]);
    runRows(rows);
  });

  it('a repeated PLACE_ORDER id returns the first result without placing again', () => {
    const h = runRows(SETUP, new LogicHarness(createStateMachine(SMALL_CONFIG)));
    const first = h.run({ ...BOB, idempotencyId: 77 }, limit(200, Side.SELL, 100, 10));
    const again = h.run({ ...BOB, idempotencyId: 77 }, limit(200, Side.SELL, 100, 10));
    expect(again.flags).toBe(RESULT_FLAG_DUPLICATE);
    expect(again.f64(OrderResult.ORDER_ID)).toBe(first.f64(OrderResult.ORDER_ID));
    expect(h.run(ALICE, { kind: 'getDepth', symbolId: 1, levels: 5 }).f64(DepthResult.LEVELS + DepthResult.LEVEL_QUANTITY)).toBe(10);
  });
});

describe('a refused order leaves no trace', () => {
  it('creates no balance cells and changes no hash when it is rejected late in its ladder', () => {
    const h = runRows(SETUP, new LogicHarness(createStateMachine(SMALL_CONFIG)));
    h.run(ADMIN, { kind: 'createAccount', accountId: 400, ownerPrincipalId: 40 });
    const machine = h.machine as ReturnType<typeof createStateMachine>;
    const cells = machine.ledger.cellCount;
    const hash = machine.stateHash();
    expect(h.run({ principalId: 40 }, limit(400, Side.BUY, 100, 10)).code).toBe(R.INSUFFICIENT_FUNDS);
    expect(h.run({ principalId: 40 }, limit(400, Side.SELL, 100, 10)).code).toBe(R.INSUFFICIENT_FUNDS);
    expect(h.run({ principalId: 40 }, market(400, Side.BUY, 10)).code).toBe(R.INSUFFICIENT_FUNDS);
    expect(machine.ledger.cellCount).toBe(cells);
    expect(machine.stateHash()).toBe(hash);
    // Funded, the same order creates the cells it needs and rests.
    h.run(ADMIN, { kind: 'deposit', accountId: 400, assetId: 2, amount: 1000 });
    expect(h.run({ principalId: 40 }, limit(400, Side.BUY, 100, 10)).code).toBe(R.OK);
    expect(machine.ledger.cellCount).toBe(cells + 2);
  });
});
