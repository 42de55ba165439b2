import { describe, expect, it } from 'vitest';
import { OrderType as T, Side, TimeInForce as F } from '../../codec/records/command_descriptor.ts';
import { CancelAllResult, CancelResult, DepthResult, OrderStatus } from '../../codec/records/result_descriptor.ts';
import { ResultCode as R } from '../../codec/result_codes.ts';
import {
  BOOK_SETUP, getBalance as bal, getOrder as get, limit, oco, order, orderInfo as info, stopLimit, stopMarket,
} from './test_support/order_rows.ts';
import type { ResultView } from './test_support/result_reader.ts';
import { ADMIN, ALICE, balance, BOB, CAROL, type Row, runChecked, SMALL_CONFIG } from './test_support/scenario_table.ts';

const SETUP = BOOK_SETUP;
const id = (row: number): number => SETUP.length + row + 1;
const depth = (bids: number, asks: number) => (r: ResultView) =>
  expect([r.u32(DepthResult.BID_LEVELS_U32), r.u32(DepthResult.ASK_LEVELS_U32)]).toEqual([bids, asks]);

describe('stop orders', () => {
  it('validation: every rejection', () => {
    runChecked([
      ...SETUP,
      /* 0 */ [CAROL, limit(300, Side.BUY, 100, 10), R.OK],
      /* 1 */ [BOB, limit(200, Side.SELL, 100, 10), R.OK],
      // The last trade is now 100.
      [ALICE, { ...stopMarket(100, Side.BUY, 110, 10), symbolId: 9 }, R.SYMBOL_NOT_FOUND],
      [ALICE, stopMarket(999, Side.BUY, 110, 10), R.ACCOUNT_NOT_FOUND],
      [BOB, stopMarket(100, Side.BUY, 110, 10), R.ACCOUNT_NOT_FOUND],
      [ALICE, stopMarket(100, 3, 110, 10), R.INVALID_SIDE],
      [ALICE, { ...stopMarket(100, Side.BUY, 110, 10), orderType: T.LIMIT }, R.INVALID_ORDER_TYPE],
      [ALICE, stopMarket(100, Side.BUY, 110, 10, F.GTC), R.INVALID_TIME_IN_FORCE],
      [ALICE, stopLimit(100, Side.BUY, 110, 115, 10, 0), R.INVALID_TIME_IN_FORCE],
      [ALICE, { ...stopLimit(100, Side.BUY, 110, 115, 10), selfTrade: 2 }, R.INVALID_FIELD_VALUE],
      [ALICE, { ...stopMarket(100, Side.BUY, 110, 10), price: 5 }, R.INVALID_PRICE],
      [ALICE, stopLimit(100, Side.BUY, 110, 0, 10), R.INVALID_PRICE],
      [ALICE, stopLimit(100, Side.BUY, 110, 112, 10), R.INVALID_PRICE],
      [ALICE, stopLimit(100, Side.BUY, 110, 115, 15), R.INVALID_QUANTITY],
      [ALICE, stopLimit(100, Side.BUY, 111, 115, 10), R.INVALID_STOP_PRICE],
      [ALICE, stopLimit(100, Side.BUY, 0, 115, 10), R.INVALID_STOP_PRICE],
      // A buy stop must be above the last trade, a sell stop below it.
      [ALICE, stopLimit(100, Side.BUY, 100, 115, 10), R.INVALID_STOP_PRICE],
      [BOB, stopMarket(200, Side.SELL, 100, 10), R.INVALID_STOP_PRICE],
      [ALICE, stopLimit(100, Side.BUY, 110, 115, 1000), R.INSUFFICIENT_FUNDS],
      // A stop-market buy reserves stopPrice × quantity.
      [ALICE, stopMarket(100, Side.BUY, 10_010, 10), R.INSUFFICIENT_FUNDS],
      [BOB, stopMarket(200, Side.SELL, 95, 1000), R.INSUFFICIENT_FUNDS],
      [ALICE, stopMarket(100, Side.BUY, 10_000, 10), R.OK, order(0, 10, OrderStatus.PENDING)],
      [ALICE, bal(100, 2), R.OK, balance(0, 100_000)],
    ]);
  });

  it('a trade triggers stops; a triggered stop trades and cascades into the next, all in one command', () => {
    runChecked([
      ...SETUP,
      /* 0 */ [CAROL, limit(300, Side.BUY, 95, 10), R.OK],
      /* 1 */ [CAROL, limit(300, Side.BUY, 90, 20), R.OK],
      /* 2 */ [BOB, stopMarket(200, Side.SELL, 95, 10), R.OK, order(0, 10, OrderStatus.PENDING)],
      /* 3 */ [BOB, stopLimit(200, Side.SELL, 90, 90, 10), R.OK, order(0, 10, OrderStatus.PENDING)],
      /* 4 */ [BOB, bal(200, 1), R.OK, balance(980, 20)],
      /* 5 */ [ALICE, get(id(2)), R.ORDER_NOT_FOUND],
      /* 6 */ [BOB, get(id(2)), R.OK, info(0, 10, 0, T.STOP_MARKET, OrderStatus.PENDING)],
      /* 7 */ [BOB, get(id(3)), R.OK, info(90, 10, 0, T.STOP_LIMIT, OrderStatus.PENDING)],
      // Bob sells 10 @95 into carol's bid: the trade at 95 triggers the stop at 95, whose market sell
      // trades at 90, which triggers the stop at 90. Only the command's own fill is listed.
      /* 8 */ [BOB, limit(200, Side.SELL, 95, 10), R.OK, order(10, 0, OrderStatus.FILLED, [[id(0), 95, 10]])],
      /* 9 */ [BOB, get(id(2)), R.OK, info(0, 0, 10, T.STOP_MARKET, OrderStatus.FILLED)],
      /* 10 */ [BOB, get(id(3)), R.OK, info(90, 0, 10, T.STOP_LIMIT, OrderStatus.FILLED)],
      /* 11 */ [BOB, get(id(8)), R.OK, info(95, 0, 10, T.LIMIT, OrderStatus.FILLED)],
      /* 12 */ [ALICE, { kind: 'getDepth', symbolId: 1, levels: 5 }, R.OK, depth(0, 0)],
      /* 13 */ [BOB, bal(200, 1), R.OK, balance(970, 0)],
      /* 14 */ [BOB, bal(200, 2), R.OK, balance(950 + 900 + 900, 0)],
      /* 15 */ [CAROL, bal(300, 1), R.OK, balance(1030, 0)],
      // The last trade is 90 now: a sell stop at 90 would trigger at once.
      /* 16 */ [BOB, stopMarket(200, Side.SELL, 90, 10), R.INVALID_STOP_PRICE],
    ]);
  });

  it('a triggered stop-limit that does not fill rests as STOP_LIMIT; stop-market with no liquidity ends cancelled', () => {
    runChecked([
      ...SETUP,
      /* 0 */ [ALICE, stopLimit(100, Side.BUY, 105, 105, 20), R.OK],
      /* 1 */ [ALICE, stopMarket(100, Side.BUY, 110, 10), R.OK],
      /* 2 */ [ALICE, bal(100, 2), R.OK, balance(100_000 - 2100 - 1100, 3200)],
      /* 3 */ [BOB, limit(200, Side.SELL, 110, 10), R.OK],
      /* 4 */ [CAROL, limit(300, Side.BUY, 110, 10), R.OK, order(10, 0, OrderStatus.FILLED)],
      // The trade at 110 triggered both: the stop-limit (105, lower stop first) finds no ask at or
      // below 105 and rests; the stop-market finds no ask at all and ends cancelled.
      /* 5 */ [ALICE, get(id(0)), R.OK, info(105, 20, 0, T.STOP_LIMIT, OrderStatus.RESTING)],
      /* 6 */ [ALICE, get(id(1)), R.OK, info(0, 0, 0, T.STOP_MARKET, OrderStatus.CANCELLED)],
      /* 7 */ [ALICE, bal(100, 2), R.OK, balance(100_000 - 2100, 2100)],
      /* 8 */ [ALICE, { kind: 'cancelOrder', symbolId: 1, orderId: id(0) }, R.OK],
      /* 9 */ [ALICE, get(id(0)), R.OK, info(105, 0, 0, T.STOP_LIMIT, OrderStatus.CANCELLED)],
    ]);
  });

  it('cancel and amend an untriggered stop: reservations follow, the stop keeps its trigger', () => {
    runChecked([
      ...SETUP,
      /* 0 */ [ALICE, stopLimit(100, Side.BUY, 110, 115, 20), R.OK],
      /* 1 */ [ALICE, bal(100, 2), R.OK, balance(100_000 - 2300, 2300)],
      /* 2 */ [BOB, { kind: 'amendOrder', symbolId: 1, orderId: id(0), newPrice: 0, newQuantity: 10 }, R.ORDER_NOT_FOUND],
      /* 3 */ [ALICE, { kind: 'amendOrder', symbolId: 1, orderId: id(0), newPrice: 0, newQuantity: 0 }, R.INVALID_AMEND],
      /* 4 */ [ALICE, { kind: 'amendOrder', symbolId: 1, orderId: id(0), newPrice: 112, newQuantity: 10 }, R.INVALID_PRICE],
      /* 5 */ [ALICE, { kind: 'amendOrder', symbolId: 1, orderId: id(0), newPrice: 0, newQuantity: 10_000 }, R.INSUFFICIENT_FUNDS],
      /* 6 */ [ALICE, { kind: 'amendOrder', symbolId: 1, orderId: id(0), newPrice: 0, newQuantity: 10 }, R.OK, order(0, 10, OrderStatus.PENDING)],
      /* 7 */ [ALICE, bal(100, 2), R.OK, balance(100_000 - 1150, 1150)],
      /* 8 */ [ALICE, { kind: 'amendOrder', symbolId: 1, orderId: id(0), newPrice: 120, newQuantity: 10 }, R.OK],
      /* 9 */ [ALICE, get(id(0)), R.OK, info(120, 10, 0, T.STOP_LIMIT, OrderStatus.PENDING)],
      /* 10 */ [ALICE, bal(100, 2), R.OK, balance(100_000 - 1200, 1200)],
      /* 11 */ [ALICE, stopMarket(100, Side.BUY, 110, 10), R.OK],
      /* 12 */ [ALICE, { kind: 'amendOrder', symbolId: 1, orderId: id(11), newPrice: 115, newQuantity: 10 }, R.INVALID_PRICE],
      /* 13 */ [ALICE, { kind: 'amendOrder', symbolId: 1, orderId: id(11), newPrice: 0, newQuantity: 20 }, R.OK],
      /* 14 */ [ALICE, bal(100, 2), R.OK, balance(100_000 - 1200 - 2200, 1200 + 2200)],
      /* 15 */ [BOB, { kind: 'cancelOrder', symbolId: 1, orderId: id(0) }, R.ORDER_NOT_FOUND],
      /* 16 */ [ALICE, { kind: 'cancelOrder', symbolId: 1, orderId: id(0) }, R.OK, (r) =>
        expect([r.f64(CancelResult.ORDER_ID), r.f64(CancelResult.CANCELLED_QUANTITY)]).toEqual([id(0), 10])],
      /* 17 */ [ALICE, { kind: 'cancelOrder', symbolId: 1, orderId: id(0) }, R.ORDER_NOT_FOUND],
      /* 18 */ [ALICE, get(id(0)), R.OK, info(120, 0, 0, T.STOP_LIMIT, OrderStatus.CANCELLED)],
      /* 19 */ [ALICE, bal(100, 2), R.OK, balance(100_000 - 2200, 2200)],
    ]);
  });

  it('capacity: a full stop pool refuses, a freed slot is reused', () => {
    runChecked([
      ...SETUP,
      /* 0 */ [ALICE, stopMarket(100, Side.BUY, 110, 10), R.OK],
      /* 1 */ [ALICE, stopMarket(100, Side.BUY, 115, 10), R.OK],
      /* 2 */ [ALICE, stopMarket(100, Side.BUY, 120, 10), R.STOP_ORDERS_FULL],
      /* 3 */ [ALICE, { kind: 'cancelOrder', symbolId: 1, orderId: id(0) }, R.OK],
      /* 4 */ [ALICE, stopMarket(100, Side.BUY, 120, 10), R.OK],
    ], { ...SMALL_CONFIG, maxStopOrders: 2 });
  });
});

describe('OCO', () => {
  const afterTradeAt100: Row[] = [
    ...SETUP,
    /* 0 */ [CAROL, limit(300, Side.BUY, 100, 10), R.OK],
    /* 1 */ [BOB, limit(200, Side.SELL, 100, 10), R.OK],
  ];

  it('validation, and one reservation for both legs', () => {
    runChecked([
      ...afterTradeAt100,
      /* 2 */ [BOB, oco(200, 3, 110, 90, 20), R.INVALID_SIDE],
      /* 3 */ [BOB, oco(200, Side.SELL, 0, 90, 20), R.INVALID_PRICE],
      /* 4 */ [BOB, oco(200, Side.SELL, 110, 90, 25), R.INVALID_QUANTITY],
      // A sell's stop must be below its limit price and below the last trade.
      /* 5 */ [BOB, oco(200, Side.SELL, 110, 110, 20), R.INVALID_STOP_PRICE],
      /* 6 */ [BOB, oco(200, Side.SELL, 110, 100, 20), R.INVALID_STOP_PRICE],
      /* 7 */ [ALICE, oco(100, Side.BUY, 90, 90, 20), R.INVALID_STOP_PRICE],
      /* 8 */ [BOB, oco(200, Side.SELL, 110, 90, 2000), R.INSUFFICIENT_FUNDS],
      /* 9 */ [BOB, oco(200, Side.SELL, 110, 90, 20), R.OK, order(0, 20, OrderStatus.RESTING)],
      /* 10 */ [BOB, bal(200, 1), R.OK, balance(990 - 20, 20)],
      /* 11 */ [BOB, get(id(9)), R.OK, info(110, 20, 0, T.LIMIT, OrderStatus.RESTING)],
    ]);
  });

  it('a fill of the limit leg ends the stop leg', () => {
    runChecked([
      ...afterTradeAt100,
      /* 2 */ [BOB, oco(200, Side.SELL, 110, 90, 20), R.OK],
      /* 3 */ [ALICE, limit(100, Side.BUY, 110, 10), R.OK, order(10, 0, OrderStatus.FILLED, [[id(2), 110, 10]])],
      // A trade at 90 now triggers nothing of bob's: his limit leg still rests with 10.
      /* 4 */ [CAROL, limit(300, Side.BUY, 90, 10), R.OK],
      /* 5 */ [CAROL, limit(300, Side.SELL, 90, 10), R.OK, order(10, 0, OrderStatus.FILLED)],
      /* 6 */ [BOB, get(id(2)), R.OK, info(110, 10, 10, T.LIMIT, OrderStatus.RESTING)],
      /* 7 */ [BOB, bal(200, 1), R.OK, balance(970, 10)],
    ]);
  });

  it('the stop leg triggers: the limit leg is cancelled and a market order sells its quantity', () => {
    runChecked([
      ...afterTradeAt100,
      /* 2 */ [CAROL, oco(300, Side.SELL, 120, 95, 10), R.OK],
      /* 3 */ [ALICE, limit(100, Side.BUY, 95, 20), R.OK],
      // Bob's sell trades at 95: carol's stop leg triggers, her 120 ask goes, her 10 sell at market into alice's rest.
      /* 4 */ [BOB, limit(200, Side.SELL, 95, 10), R.OK, order(10, 0, OrderStatus.FILLED, [[id(3), 95, 10]])],
      /* 5 */ [CAROL, get(id(2)), R.OK, info(0, 0, 10, T.STOP_MARKET, OrderStatus.FILLED)],
      /* 6 */ [ALICE, { kind: 'getDepth', symbolId: 1, levels: 5 }, R.OK, depth(0, 0)],
      /* 7 */ [CAROL, bal(300, 1), R.OK, balance(1000 + 10 - 10, 0)],
      /* 8 */ [ALICE, bal(100, 1), R.OK, balance(20, 0)],
    ]);
  });

  it('a cancel of the id ends both legs; a limit leg that trades when placed gets no stop leg', () => {
    runChecked([
      ...afterTradeAt100,
      /* 2 */ [BOB, oco(200, Side.SELL, 110, 90, 20), R.OK],
      /* 3 */ [BOB, { kind: 'cancelOrder', symbolId: 1, orderId: id(2) }, R.OK],
      /* 4 */ [BOB, get(id(2)), R.OK, info(110, 0, 0, T.LIMIT, OrderStatus.CANCELLED)],
      /* 5 */ [BOB, bal(200, 1), R.OK, balance(990, 0)],
      /* 6 */ [ALICE, limit(100, Side.BUY, 105, 10), R.OK],
      // Bob's limit leg at 105 trades at once with alice's bid: no stop leg is left behind.
      /* 7 */ [BOB, oco(200, Side.SELL, 105, 90, 20), R.OK, order(10, 10, OrderStatus.RESTING, [[id(6), 105, 10]])],
      /* 8 */ [CAROL, limit(300, Side.BUY, 80, 10), R.OK],
      /* 9 */ [CAROL, limit(300, Side.SELL, 80, 10), R.OK],
      /* 10 */ [BOB, get(id(7)), R.OK, info(105, 10, 10, T.LIMIT, OrderStatus.RESTING)],
    ]);
  });
});

describe('cancel all orders', () => {
  it('cancels resting orders and stops of one account, one symbol or every account of the caller', () => {
    runChecked([
      ...SETUP,
      [ADMIN, { kind: 'createSymbol', symbolId: 2, baseAssetId: 2, quoteAssetId: 1, tickSize: 1, lotSize: 1 }, R.OK],
      /* 1 */ [BOB, limit(200, Side.SELL, 110, 10), R.OK],
      /* 2 */ [BOB, limit(200, Side.SELL, 120, 10), R.OK],
      /* 3 */ [BOB, stopMarket(200, Side.SELL, 90, 10), R.OK],
      /* 4 */ [BOB, { kind: 'placeOrder', symbolId: 2, accountId: 200, price: 1, quantity: 5, side: Side.BUY, orderType: T.LIMIT, timeInForce: F.GTC }, R.OK],
      /* 5 */ [ALICE, limit(100, Side.BUY, 90, 10), R.OK],
      /* 6 */ [ALICE, { kind: 'cancelAllOrders', accountId: 200, symbolId: 1 }, R.ACCOUNT_NOT_FOUND],
      /* 7 */ [BOB, { kind: 'cancelAllOrders', accountId: 999, symbolId: 0 }, R.ACCOUNT_NOT_FOUND],
      /* 8 */ [BOB, { kind: 'cancelAllOrders', accountId: 200, symbolId: 9 }, R.SYMBOL_NOT_FOUND],
      /* 9 */ [BOB, { kind: 'cancelAllOrders', accountId: 200, symbolId: 1 }, R.OK, (r) => expect(r.f64(CancelAllResult.CANCELLED_ORDERS)).toBe(3)],
      /* 10 */ [BOB, bal(200, 1), R.OK, balance(1000 - 5, 5)],
      /* 11 */ [BOB, get(id(3)), R.OK, info(0, 0, 0, T.STOP_MARKET, OrderStatus.CANCELLED)],
      // accountId 0: every account of the caller (bob's order on symbol 2; alice's bid stays).
      /* 12 */ [BOB, { kind: 'cancelAllOrders', accountId: 0, symbolId: 0 }, R.OK, (r) => expect(r.f64(CancelAllResult.CANCELLED_ORDERS)).toBe(1)],
      /* 13 */ [BOB, bal(200, 1), R.OK, balance(1000, 0)],
      /* 14 */ [ALICE, get(id(5)), R.OK, info(90, 10, 0, T.LIMIT, OrderStatus.RESTING)],
      /* 15 */ [BOB, { kind: 'cancelAllOrders', accountId: 0, symbolId: 0 }, R.OK, (r) => expect(r.f64(CancelAllResult.CANCELLED_ORDERS)).toBe(0)],
    ]);
  });
});

describe('done orders window', () => {
  it('GET_ORDER answers for the last doneOrderWindow ended orders, then forgets the oldest', () => {
    runChecked([
      ...SETUP,
      /* 0 */ [ALICE, limit(100, Side.BUY, 100, 10, F.IOC), R.OK, order(0, 0, OrderStatus.CANCELLED)],
      /* 1 */ [BOB, limit(200, Side.SELL, 100, 10), R.OK],
      /* 2 */ [ALICE, limit(100, Side.BUY, 100, 10), R.OK, order(10, 0, OrderStatus.FILLED)],
      // Ended so far: 0 (cancelled), then 1 (filled as maker) and 2 (filled as taker): 0 is forgotten.
      /* 3 */ [ALICE, get(id(0)), R.ORDER_NOT_FOUND],
      /* 4 */ [BOB, get(id(1)), R.OK, info(100, 0, 10, T.LIMIT, OrderStatus.FILLED)],
      /* 5 */ [ALICE, get(id(2)), R.OK, info(100, 0, 10, T.LIMIT, OrderStatus.FILLED)],
      /* 6 */ [BOB, get(id(2)), R.ORDER_NOT_FOUND],
      /* 7 */ [ALICE, { kind: 'getOrder', symbolId: 2, orderId: id(2) }, R.SYMBOL_NOT_FOUND],
    ], { ...SMALL_CONFIG, doneOrderWindow: 2 });
  });
});
