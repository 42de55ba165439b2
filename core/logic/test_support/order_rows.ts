/**
 * Rows and checks the order-book scenario tables share: one symbol (1: base asset 1, quote asset 2,
 * tick 5, lot 10) over the PARTIES of scenario_table.ts, order specs by kind, and checks of order,
 * order-info and balance results.
 */
import { expect } from 'vitest';
import { OrderType, TimeInForce } from '../../../codec/records/command_descriptor.ts';
import { DepthResult, OrderInfoResult, OrderResult } from '../../../codec/records/result_descriptor.ts';
import { ResultCode } from '../../../codec/result_codes.ts';
import type { CommandSpec, PlaceOrderSpec } from './command_writer.ts';
import type { ResultView } from './result_reader.ts';
import { ADMIN, PARTIES, type Row } from './scenario_table.ts';

/** PARTIES, symbol 1, and money: alice 100,000 quote; bob 1,000 base; carol 1,000 base and 100,000 quote. */
export const BOOK_SETUP: readonly Row[] = [
  ...PARTIES,
  [ADMIN, { kind: 'createSymbol', symbolId: 1, baseAssetId: 1, quoteAssetId: 2, tickSize: 5, lotSize: 10 }, ResultCode.OK],
  [ADMIN, { kind: 'deposit', accountId: 100, assetId: 2, amount: 100_000 }, ResultCode.OK],
  [ADMIN, { kind: 'deposit', accountId: 200, assetId: 1, amount: 1_000 }, ResultCode.OK],
  [ADMIN, { kind: 'deposit', accountId: 300, assetId: 1, amount: 1_000 }, ResultCode.OK],
  [ADMIN, { kind: 'deposit', accountId: 300, assetId: 2, amount: 100_000 }, ResultCode.OK],
];

export type StopSpec = Extract<CommandSpec, { kind: 'placeStopOrder' }>;
export type OcoSpec = Extract<CommandSpec, { kind: 'placeOcoOrder' }>;

export const limit = (accountId: number, side: number, price: number, quantity: number, timeInForce: number = TimeInForce.GTC,
  selfTrade = 0): PlaceOrderSpec => ({ kind: 'placeOrder', symbolId: 1, accountId, price, quantity, side, orderType: OrderType.LIMIT, timeInForce, selfTrade });
export const market = (accountId: number, side: number, quantity: number, timeInForce: number = TimeInForce.IOC): PlaceOrderSpec =>
  ({ kind: 'placeOrder', symbolId: 1, accountId, price: 0, quantity, side, orderType: OrderType.MARKET, timeInForce });
export const stopMarket = (accountId: number, side: number, stopPrice: number, quantity: number, timeInForce: number = TimeInForce.IOC): StopSpec =>
  ({ kind: 'placeStopOrder', symbolId: 1, accountId, price: 0, quantity, stopPrice, side, orderType: OrderType.STOP_MARKET, timeInForce });
export const stopLimit = (accountId: number, side: number, stopPrice: number, price: number, quantity: number,
  timeInForce: number = TimeInForce.GTC): StopSpec =>
  ({ kind: 'placeStopOrder', symbolId: 1, accountId, price, quantity, stopPrice, side, orderType: OrderType.STOP_LIMIT, timeInForce });
export const oco = (accountId: number, side: number, price: number, stopPrice: number, quantity: number): OcoSpec =>
  ({ kind: 'placeOcoOrder', symbolId: 1, accountId, price, quantity, stopPrice, side });
export const getOrder = (orderId: number): CommandSpec => ({ kind: 'getOrder', symbolId: 1, orderId });
export const getBalance = (accountId: number, assetId: number): CommandSpec => ({ kind: 'getBalance', accountId, assetId });

/** A check of an order result: filled, resting, status, and (when given) the listed fills [maker order id, price, quantity]. */
export const order = (filled: number, resting: number, status: number, fills?: readonly (readonly [number, number, number])[]) =>
  (r: ResultView): void => {
    expect([r.f64(OrderResult.FILLED_QUANTITY), r.f64(OrderResult.RESTING_QUANTITY), r.u32(OrderResult.ORDER_STATUS_U32)])
      .toEqual([filled, resting, status]);
    if (fills) {
      const listed: number[][] = [];
      for (let k = 0; k < r.u32(OrderResult.FILL_COUNT_U32); k++) {
        const at = OrderResult.FILLS + OrderResult.FILL_BYTES * k;
        listed.push([r.f64(at + OrderResult.FILL_MAKER_ORDER_ID), r.f64(at + OrderResult.FILL_PRICE), r.f64(at + OrderResult.FILL_QUANTITY)]);
      }
      expect(listed).toEqual(fills);
    }
  };

/** A check of GET_ORDER: [price, resting, filled, type, status]. */
export const orderInfo = (price: number, resting: number, filled: number, type: number, status: number) => (r: ResultView): void =>
  expect([r.f64(OrderInfoResult.PRICE), r.f64(OrderInfoResult.RESTING_QUANTITY), r.f64(OrderInfoResult.FILLED_QUANTITY),
    r.u8(OrderInfoResult.ORDER_TYPE_U8), r.u32(OrderInfoResult.ORDER_STATUS_U32)]).toEqual([price, resting, filled, type, status]);

/** A check of GET_DEPTH: the bid levels then the ask levels, each [price, quantity], best first. */
export const depth = (bids: readonly (readonly [number, number])[], asks: readonly (readonly [number, number])[]) => (r: ResultView): void => {
  const levels: [number, number][] = [];
  for (let i = 0; i < r.u32(DepthResult.BID_LEVELS_U32) + r.u32(DepthResult.ASK_LEVELS_U32); i++) {
    const at = DepthResult.LEVELS + DepthResult.LEVEL_BYTES * i;
    levels.push([r.f64(at + DepthResult.LEVEL_PRICE), r.f64(at + DepthResult.LEVEL_QUANTITY)]);
  }
  expect([r.u32(DepthResult.BID_LEVELS_U32), levels]).toEqual([bids.length, [...bids, ...asks]]);
};
