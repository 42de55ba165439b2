import { describe, expect, it } from 'vitest';
import { ResultCode as R } from '../../codec/result_codes.ts';
import { BalanceResult, ItemResult, PriceResult, SeatResult } from '../../codec/records/result_descriptor.ts';
import { Checkout, CmdHeader } from '../../codec/records/command_descriptor.ts';
import { createRecordBuffer, type RecordBuffer } from '../../codec/records/record_buffer.ts';
import { type CommandSpec, writeCommand } from './test_support/command_writer.ts';
import { readResult, type ResultView } from './test_support/result_reader.ts';
import { ADMIN, ALICE, BOB, CAROL, PARTIES, type Row, runRows } from './test_support/scenario_table.ts';

// Accounts: 100 alice (buyer), 200 bob (merchant), 300 carol. Asset 1 = money, asset 2 = other money.
const SETUP: readonly Row[] = [
  ...PARTIES,
  [ADMIN, { kind: 'deposit', accountId: 100, assetId: 1, amount: 1000 }, R.OK],
  [ADMIN, { kind: 'deposit', accountId: 100, assetId: 2, amount: 1000 }, R.OK],
];
const item = (stock: number, sold: number, total?: number) => (r: ResultView) => {
  expect(r.f64(ItemResult.STOCK)).toBe(stock);
  expect(r.f64(ItemResult.SOLD)).toBe(sold);
  if (total !== undefined) expect(r.f64(ItemResult.TOTAL_PRICE)).toBe(total);
};
const available = (amount: number) => (r: ResultView) => expect(r.f64(BalanceResult.AVAILABLE)).toBe(amount);
const price = (amount: number) => (r: ResultView) => expect(r.f64(PriceResult.TOTAL_PRICE)).toBe(amount);
const leg = (index: number) => (r: ResultView) => expect(r.failedLegIndex).toBe(index);

describe('inventory scenario table', () => {
  it('create, restock, buy, lookups: every rule and rejection', () => {
    runRows([
      ...SETUP,
      [BOB, { kind: 'createItem', itemId: 0, merchantAccountId: 200, priceAssetId: 1, unitPrice: 10, stock: 5 }, R.ID_MUST_NOT_BE_ZERO],
      [BOB, { kind: 'createItem', itemId: 7, merchantAccountId: 999, priceAssetId: 1, unitPrice: 10, stock: 5 }, R.ACCOUNT_NOT_FOUND],
      [ALICE, { kind: 'createItem', itemId: 7, merchantAccountId: 200, priceAssetId: 1, unitPrice: 10, stock: 5 }, R.ACCOUNT_NOT_FOUND],
      [BOB, { kind: 'createItem', itemId: 7, merchantAccountId: 200, priceAssetId: 9, unitPrice: 10, stock: 5 }, R.ASSET_NOT_FOUND],
      [BOB, { kind: 'createItem', itemId: 7, merchantAccountId: 200, priceAssetId: 1, unitPrice: 0, stock: 5 }, R.PRICE_MUST_BE_POSITIVE],
      [BOB, { kind: 'createItem', itemId: 7, merchantAccountId: 200, priceAssetId: 1, unitPrice: 10, stock: -1 }, R.QUANTITY_MUST_BE_POSITIVE],
      [BOB, { kind: 'createItem', itemId: 7, merchantAccountId: 200, priceAssetId: 1, unitPrice: 10, stock: 5 }, R.OK, item(5, 0, 0)],
      [BOB, { kind: 'createItem', itemId: 7, merchantAccountId: 200, priceAssetId: 1, unitPrice: 10, stock: 5 }, R.ITEM_EXISTS],
      [ADMIN, { kind: 'createItem', itemId: 8, merchantAccountId: 200, priceAssetId: 2, unitPrice: 3, stock: 0 }, R.OK, item(0, 0)],
      [BOB, { kind: 'restock', itemId: 9, quantity: 1 }, R.ITEM_NOT_FOUND],
      [ALICE, { kind: 'restock', itemId: 8, quantity: 1 }, R.NOT_OWNER],
      [BOB, { kind: 'restock', itemId: 8, quantity: 0 }, R.QUANTITY_MUST_BE_POSITIVE],
      [BOB, { kind: 'restock', itemId: 8, quantity: 2 ** 53 }, R.QUANTITY_MUST_BE_POSITIVE],
      [BOB, { kind: 'restock', itemId: 8, quantity: Number.MAX_SAFE_INTEGER }, R.OK, item(Number.MAX_SAFE_INTEGER, 0)],
      [BOB, { kind: 'restock', itemId: 8, quantity: 1 }, R.INTEGER_OUT_OF_RANGE],
      [ALICE, { kind: 'buy', itemId: 9, buyerAccountId: 100, quantity: 1 }, R.ITEM_NOT_FOUND],
      [ALICE, { kind: 'buy', itemId: 7, buyerAccountId: 999, quantity: 1 }, R.ACCOUNT_NOT_FOUND],
      [BOB, { kind: 'buy', itemId: 7, buyerAccountId: 100, quantity: 1 }, R.ACCOUNT_NOT_FOUND],
      [ALICE, { kind: 'buy', itemId: 7, buyerAccountId: 100, quantity: 0 }, R.QUANTITY_MUST_BE_POSITIVE],
      [ALICE, { kind: 'buy', itemId: 7, buyerAccountId: 100, quantity: 1, maxUnitPrice: -1 }, R.PRICE_MUST_BE_POSITIVE],
      [ALICE, { kind: 'buy', itemId: 7, buyerAccountId: 100, quantity: 1, maxUnitPrice: 9 }, R.PRICE_ABOVE_LIMIT],
      [ALICE, { kind: 'buy', itemId: 7, buyerAccountId: 100, quantity: 6 }, R.INSUFFICIENT_STOCK],
      [CAROL, { kind: 'buy', itemId: 7, buyerAccountId: 300, quantity: 1 }, R.INSUFFICIENT_FUNDS],
      [ALICE, { kind: 'buy', itemId: 7, buyerAccountId: 100, quantity: 3, maxUnitPrice: 10 }, R.OK, item(2, 3, 30)],
      [ALICE, { kind: 'buy', itemId: 8, buyerAccountId: 100, quantity: 334 }, R.INSUFFICIENT_FUNDS],
      [ALICE, { kind: 'buy', itemId: 8, buyerAccountId: 100, quantity: 333 }, R.OK],
      [ALICE, { kind: 'getBalance', accountId: 100, assetId: 1 }, R.OK, available(970)],
      [ALICE, { kind: 'getBalance', accountId: 100, assetId: 2 }, R.OK, available(1)],
      [BOB, { kind: 'getBalance', accountId: 200, assetId: 1 }, R.OK, available(30)],
      [CAROL, { kind: 'getItem', itemId: 7 }, R.OK, item(2, 3, 0)],
      [CAROL, { kind: 'getItem', itemId: 1 }, R.ITEM_NOT_FOUND],
      [BOB, { kind: 'createItem', itemId: 10, merchantAccountId: 200, priceAssetId: 1, unitPrice: 1, stock: 1 }, R.OK],
      [BOB, { kind: 'createItem', itemId: 11, merchantAccountId: 200, priceAssetId: 1, unitPrice: 1, stock: 1 }, R.OK],
      [BOB, { kind: 'createItem', itemId: 12, merchantAccountId: 200, priceAssetId: 1, unitPrice: 1, stock: 1 }, R.ITEMS_FULL],
    ]);
  });

  it('events and seats: book all-or-nothing, release with refund, lookups', () => {
    runRows([
      ...SETUP,
      [BOB, { kind: 'createEvent', eventId: 0, merchantAccountId: 200, priceAssetId: 1, seatPrice: 50, seatCount: 10 }, R.ID_MUST_NOT_BE_ZERO],
      [BOB, { kind: 'createEvent', eventId: 5, merchantAccountId: 999, priceAssetId: 1, seatPrice: 50, seatCount: 10 }, R.ACCOUNT_NOT_FOUND],
      [ALICE, { kind: 'createEvent', eventId: 5, merchantAccountId: 200, priceAssetId: 1, seatPrice: 50, seatCount: 10 }, R.ACCOUNT_NOT_FOUND],
      [BOB, { kind: 'createEvent', eventId: 5, merchantAccountId: 200, priceAssetId: 9, seatPrice: 50, seatCount: 10 }, R.ASSET_NOT_FOUND],
      [BOB, { kind: 'createEvent', eventId: 5, merchantAccountId: 200, priceAssetId: 1, seatPrice: 0, seatCount: 10 }, R.PRICE_MUST_BE_POSITIVE],
      [BOB, { kind: 'createEvent', eventId: 5, merchantAccountId: 200, priceAssetId: 1, seatPrice: 50, seatCount: 0 }, R.SEAT_COUNT_INVALID],
      [BOB, { kind: 'createEvent', eventId: 5, merchantAccountId: 200, priceAssetId: 1, seatPrice: 50, seatCount: 17 }, R.SEATS_FULL],
      [BOB, { kind: 'createEvent', eventId: 5, merchantAccountId: 200, priceAssetId: 1, seatPrice: 50, seatCount: 10 }, R.OK],
      [BOB, { kind: 'createEvent', eventId: 5, merchantAccountId: 200, priceAssetId: 1, seatPrice: 50, seatCount: 10 }, R.EVENT_EXISTS],
      [BOB, { kind: 'createEvent', eventId: 6, merchantAccountId: 200, priceAssetId: 2, seatPrice: 1, seatCount: 6 }, R.OK],
      [BOB, { kind: 'createEvent', eventId: 7, merchantAccountId: 200, priceAssetId: 2, seatPrice: 1, seatCount: 1 }, R.EVENTS_FULL],
      [ALICE, { kind: 'bookSeats', eventId: 9, buyerAccountId: 100, seats: [1] }, R.EVENT_NOT_FOUND],
      [ALICE, { kind: 'bookSeats', eventId: 5, buyerAccountId: 999, seats: [1] }, R.ACCOUNT_NOT_FOUND],
      [BOB, { kind: 'bookSeats', eventId: 5, buyerAccountId: 100, seats: [1] }, R.ACCOUNT_NOT_FOUND],
      [ALICE, { kind: 'bookSeats', eventId: 5, buyerAccountId: 100, seats: [] }, R.SEAT_COUNT_INVALID],
      [ALICE, { kind: 'bookSeats', eventId: 5, buyerAccountId: 100, seats: [1, 10] }, R.SEAT_OUT_OF_RANGE],
      [ALICE, { kind: 'bookSeats', eventId: 5, buyerAccountId: 100, seats: [1, 2, 1] }, R.DUPLICATE_SEAT],
      [CAROL, { kind: 'bookSeats', eventId: 5, buyerAccountId: 300, seats: [1] }, R.INSUFFICIENT_FUNDS],
      [ALICE, { kind: 'bookSeats', eventId: 5, buyerAccountId: 100, seats: [1, 2, 3] }, R.OK, price(150)],
      [ALICE, { kind: 'bookSeats', eventId: 5, buyerAccountId: 100, seats: [4, 3] }, R.SEAT_TAKEN],
      [CAROL, { kind: 'getSeat', eventId: 5, seat: 4 }, R.OK, (r) => expect(r.f64(SeatResult.HOLDER_ACCOUNT_ID)).toBe(0)],
      [CAROL, { kind: 'getSeat', eventId: 5, seat: 3 }, R.OK, (r) => expect(r.f64(SeatResult.HOLDER_ACCOUNT_ID)).toBe(100)],
      [CAROL, { kind: 'getSeat', eventId: 5, seat: 10 }, R.SEAT_OUT_OF_RANGE],
      [CAROL, { kind: 'getSeat', eventId: 8, seat: 1 }, R.EVENT_NOT_FOUND],
      [ALICE, { kind: 'bookSeats', eventId: 5, buyerAccountId: 100, seats: [0, 4, 5, 6, 7, 8, 9] }, R.OK, price(350)],
      [ALICE, { kind: 'bookSeats', eventId: 5, buyerAccountId: 100, seats: [9] }, R.SEAT_TAKEN],
      [ALICE, { kind: 'getBalance', accountId: 100, assetId: 1 }, R.OK, available(500)],
      [CAROL, { kind: 'releaseSeats', eventId: 5, holderAccountId: 100, seats: [1] }, R.ACCOUNT_NOT_FOUND],
      [CAROL, { kind: 'releaseSeats', eventId: 9, holderAccountId: 300, seats: [1] }, R.EVENT_NOT_FOUND],
      [CAROL, { kind: 'releaseSeats', eventId: 5, holderAccountId: 999, seats: [1] }, R.ACCOUNT_NOT_FOUND],
      [ALICE, { kind: 'releaseSeats', eventId: 5, holderAccountId: 100, seats: [] }, R.SEAT_COUNT_INVALID],
      [ALICE, { kind: 'releaseSeats', eventId: 5, holderAccountId: 100, seats: [11] }, R.SEAT_OUT_OF_RANGE],
      [ALICE, { kind: 'releaseSeats', eventId: 5, holderAccountId: 100, seats: [1, 1] }, R.DUPLICATE_SEAT],
      [CAROL, { kind: 'releaseSeats', eventId: 5, holderAccountId: 300, seats: [1] }, R.SEAT_NOT_HELD],
      [ALICE, { kind: 'releaseSeats', eventId: 5, holderAccountId: 100, seats: [2, 1] }, R.OK, price(100)],
      [ALICE, { kind: 'getBalance', accountId: 100, assetId: 1 }, R.OK, available(600)],
      [ALICE, { kind: 'releaseSeats', eventId: 5, holderAccountId: 100, seats: [1] }, R.SEAT_NOT_HELD],
      // The merchant spends the proceeds: a release it cannot refund is refused and changes nothing.
      [BOB, { kind: 'transfer', fromAccountId: 200, toAccountId: 300, assetId: 1, amount: 400 }, R.OK, available(0)],
      [ALICE, { kind: 'releaseSeats', eventId: 5, holderAccountId: 100, seats: [0] }, R.INSUFFICIENT_FUNDS],
      [CAROL, { kind: 'getSeat', eventId: 5, seat: 0 }, R.OK, (r) => expect(r.f64(SeatResult.HOLDER_ACCOUNT_ID)).toBe(100)],
      [CAROL, { kind: 'bookSeats', eventId: 5, buyerAccountId: 300, seats: [1, 2] }, R.OK, price(100)],
      [ALICE, { kind: 'releaseSeats', eventId: 5, holderAccountId: 100, seats: [0] }, R.OK, price(50)],
    ]);
  });

  it('checkout: all legs or none, with the failing leg and its code', () => {
    runRows([
      ...SETUP,
      [BOB, { kind: 'createItem', itemId: 7, merchantAccountId: 200, priceAssetId: 1, unitPrice: 10, stock: 5 }, R.OK],
      [CAROL, { kind: 'createItem', itemId: 8, merchantAccountId: 300, priceAssetId: 1, unitPrice: 100, stock: 2 }, R.OK],
      [BOB, { kind: 'createItem', itemId: 9, merchantAccountId: 200, priceAssetId: 2, unitPrice: 1, stock: 5 }, R.OK],
      [BOB, { kind: 'createEvent', eventId: 5, merchantAccountId: 200, priceAssetId: 1, seatPrice: 50, seatCount: 10 }, R.OK],
      [BOB, { kind: 'createEvent', eventId: 6, merchantAccountId: 200, priceAssetId: 2, seatPrice: 5, seatCount: 4 }, R.OK],
      [ALICE, { kind: 'checkout', buyerAccountId: 999, lines: [{ itemId: 7, quantity: 1 }] }, R.ACCOUNT_NOT_FOUND, leg(-1)],
      [BOB, { kind: 'checkout', buyerAccountId: 100, lines: [{ itemId: 7, quantity: 1 }] }, R.ACCOUNT_NOT_FOUND, leg(-1)],
      [ALICE, { kind: 'checkout', buyerAccountId: 100 }, R.CHECKOUT_EMPTY, leg(-1)],
      [ALICE, { kind: 'checkout', buyerAccountId: 100, lines: [{ itemId: 7, quantity: 1 }, { itemId: 1, quantity: 1 }] }, R.ITEM_NOT_FOUND, leg(1)],
      [ALICE, { kind: 'checkout', buyerAccountId: 100, lines: [{ itemId: 7, quantity: 0 }] }, R.QUANTITY_MUST_BE_POSITIVE, leg(0)],
      [ALICE, { kind: 'checkout', buyerAccountId: 100, lines: [{ itemId: 7, quantity: 1 }, { itemId: 9, quantity: 1 }] }, R.CHECKOUT_MIXED_ASSETS, leg(1)],
      [ALICE, { kind: 'checkout', buyerAccountId: 100, lines: [{ itemId: 7, quantity: 3 }, { itemId: 8, quantity: 1 }, { itemId: 7, quantity: 3 }] },
        R.INSUFFICIENT_STOCK, leg(2)],
      [ALICE, { kind: 'checkout', buyerAccountId: 100, lines: [{ itemId: 7, quantity: 1 }], eventId: 4, seats: [1] }, R.EVENT_NOT_FOUND, leg(1)],
      [ALICE, { kind: 'checkout', buyerAccountId: 100, lines: [{ itemId: 7, quantity: 1 }], eventId: 6, seats: [1] }, R.CHECKOUT_MIXED_ASSETS, leg(1)],
      [ALICE, { kind: 'checkout', buyerAccountId: 100, lines: [{ itemId: 7, quantity: 1 }], eventId: 5, seats: [1, 10] }, R.SEAT_OUT_OF_RANGE, leg(2)],
      [ALICE, { kind: 'checkout', buyerAccountId: 100, lines: [{ itemId: 7, quantity: 1 }], eventId: 5, seats: [1, 2, 2] }, R.DUPLICATE_SEAT, leg(3)],
      [ALICE, { kind: 'bookSeats', eventId: 5, buyerAccountId: 100, seats: [4] }, R.OK],
      [ALICE, { kind: 'checkout', buyerAccountId: 100, eventId: 5, seats: [3, 4] }, R.SEAT_TAKEN, leg(1)],
      [ADMIN, { kind: 'withdraw', accountId: 100, assetId: 1, amount: 300 }, R.OK, available(650)],
      [ALICE, { kind: 'checkout', buyerAccountId: 100, lines: [{ itemId: 8, quantity: 2 }, { itemId: 7, quantity: 5 }], eventId: 5,
        seats: [0, 1, 2, 3, 5, 6, 7, 8, 9] }, R.INSUFFICIENT_FUNDS, leg(-1)],
      // Nothing above changed anything but the one booking (50) and the withdrawal.
      [ALICE, { kind: 'getBalance', accountId: 100, assetId: 1 }, R.OK, available(650)],
      [CAROL, { kind: 'getItem', itemId: 7 }, R.OK, item(5, 0)],
      [ALICE, { kind: 'checkout', buyerAccountId: 100, lines: [{ itemId: 8, quantity: 2 }, { itemId: 7, quantity: 5 }], eventId: 5,
        seats: [0, 1, 2, 3, 5, 6, 7, 8] }, R.OK, price(650)],
      [ALICE, { kind: 'getBalance', accountId: 100, assetId: 1 }, R.OK, available(0)],
      [BOB, { kind: 'getBalance', accountId: 200, assetId: 1 }, R.OK, available(50 + 50 + 400)],
      [CAROL, { kind: 'getBalance', accountId: 300, assetId: 1 }, R.OK, available(200)],
      [CAROL, { kind: 'getItem', itemId: 8 }, R.OK, item(0, 2)],
      [CAROL, { kind: 'getSeat', eventId: 5, seat: 8 }, R.OK, (r) => expect(r.f64(SeatResult.HOLDER_ACCOUNT_ID)).toBe(100)],
      [ALICE, { kind: 'checkout', buyerAccountId: 100, eventId: 5, seats: [9] }, R.INSUFFICIENT_FUNDS, leg(-1)],
      [ADMIN, { kind: 'deposit', accountId: 100, assetId: 1, amount: 50 }, R.OK],
      [ALICE, { kind: 'checkout', buyerAccountId: 100, eventId: 5, seats: [9] }, R.OK, price(50)],
      [ALICE, { kind: 'checkout', buyerAccountId: 100, lines: [{ itemId: 9, quantity: 2 }], eventId: 6, seats: [0] }, R.OK, price(7)],
    ]);
  });
});

describe('records whose counts do not fit their length', () => {
  it('are refused (SEAT_COUNT_INVALID, INVALID_FIELD_VALUE) instead of reading past the record', () => {
    const h = runRows([
      ...SETUP,
      [BOB, { kind: 'createItem', itemId: 7, merchantAccountId: 200, priceAssetId: 1, unitPrice: 10, stock: 5 }, R.OK],
      [BOB, { kind: 'createEvent', eventId: 5, merchantAccountId: 200, priceAssetId: 1, seatPrice: 50, seatCount: 10 }, R.OK],
    ]);
    const cmd = createRecordBuffer(new ArrayBuffer(512));
    const out = createRecordBuffer(new ArrayBuffer(512));
    const apply = (spec: CommandSpec, patch: (c: RecordBuffer) => void): number => {
      writeCommand(cmd, 0, { sequence: h.nextSequence++, principalId: ALICE.principalId }, spec);
      patch(cmd);
      h.machine.apply(cmd, 0, out, 0);
      return readResult(out, 0).code;
    };
    const shortLength = (length: number) => (c: RecordBuffer) => {
      c.u32[CmdHeader.LENGTH >>> 2] = length;
    };
    expect(apply({ kind: 'bookSeats', eventId: 5, buyerAccountId: 100, seats: [1, 2, 3] }, shortLength(72 + 8))).toBe(R.SEAT_COUNT_INVALID);
    expect(apply({ kind: 'bookSeats', eventId: 5, buyerAccountId: 100, seats: [1] }, shortLength(64))).toBe(R.SEAT_COUNT_INVALID);
    expect(apply({ kind: 'checkout', buyerAccountId: 100, lines: [{ itemId: 7, quantity: 1 }], eventId: 5, seats: [1, 2] }, shortLength(88)))
      .toBe(R.INVALID_FIELD_VALUE);
    expect(apply({ kind: 'checkout', buyerAccountId: 100, lines: [{ itemId: 7, quantity: 1 }] },
      (c) => { c.u32[(Checkout.LINE_COUNT_U32) >>> 2] = 0xffffffff; })).toBe(R.INVALID_FIELD_VALUE);
    // Nothing was sold.
    expect(h.run(ALICE, { kind: 'getBalance', accountId: 100, assetId: 1 }).f64(BalanceResult.AVAILABLE)).toBe(1000);
  });
});
