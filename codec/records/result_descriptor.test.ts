import { describe, expect, it } from 'vitest';
import {
  AmountResult, BalanceResult, CancelResult, DepthResult, ItemResult, MAX_DEPTH_LEVELS_PER_SIDE, MAX_LISTED_FILLS,
  OrderInfoResult, OrderResult, OrderStatus, PriceResult, SeatResult, SnapshotResult, StateHashResult,
} from './result_descriptor.ts';

describe('result descriptor', () => {
  // The offsets the output record had when they were written by hand: journals, snapshots' replies
  // and every reader depend on them, so a registry change must not move one.
  it('derives the same body offsets as the hand-written tables it replaced', () => {
    expect(BalanceResult).toEqual({ AVAILABLE: 40, RESERVED: 48, BYTES: 56 });
    expect(AmountResult).toEqual({ AMOUNT: 40, BYTES: 48 });
    expect(ItemResult).toEqual({ STOCK: 40, SOLD: 48, UNIT_PRICE: 56, TOTAL_PRICE: 64, BYTES: 72 });
    expect(PriceResult).toEqual({ TOTAL_PRICE: 40, BYTES: 48 });
    expect(SeatResult).toEqual({ HOLDER_ACCOUNT_ID: 40, BYTES: 48 });
    expect(OrderResult).toEqual({
      ORDER_ID: 40, FILLED_QUANTITY: 48, RESTING_QUANTITY: 56, ORDER_STATUS_U32: 64, FILL_COUNT_U32: 68, FILLS: 72,
      FILL_MAKER_ORDER_ID: 0, FILL_PRICE: 8, FILL_QUANTITY: 16, FILL_BYTES: 24, FIXED_BYTES: 72,
    });
    expect(CancelResult).toEqual({ ORDER_ID: 40, CANCELLED_QUANTITY: 48, BYTES: 56 });
    expect(OrderInfoResult).toEqual({
      ORDER_ID: 40, ACCOUNT_ID: 48, PRICE: 56, RESTING_QUANTITY: 64, FILLED_QUANTITY: 72,
      SIDE_U8: 80, ORDER_TYPE_U8: 81, TIME_IN_FORCE_U8: 82, ORDER_STATUS_U32: 84, BYTES: 88,
    });
    expect(DepthResult).toEqual({
      BID_LEVELS_U32: 40, ASK_LEVELS_U32: 44, LEVELS: 48, LEVEL_PRICE: 0, LEVEL_QUANTITY: 8, LEVEL_BYTES: 16,
      FIXED_BYTES: 48,
    });
    expect(SnapshotResult).toEqual({ SNAPSHOT_SEQUENCE: 40, BYTES: 48 });
    expect(StateHashResult).toEqual({ HASH_HIGH_U32: 40, HASH_LOW_U32: 44, BYTES: 48 });
  });

  it('keeps the list capacities and the order status values', () => {
    expect(MAX_LISTED_FILLS).toBe(18);
    expect(MAX_DEPTH_LEVELS_PER_SIDE).toBe(14);
    expect(OrderStatus).toEqual({ RESTING: 1, FILLED: 2, CANCELLED: 3, PENDING: 4 });
  });
});
