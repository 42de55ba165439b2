import { describe, expect, it } from 'vitest';
import { QuotaKind as K } from '../../codec/registry/enum_values.ts';
import { ResultCode as R } from '../../codec/result_codes.ts';
import type { CommandSpec } from './test_support/command_writer.ts';
import { LogicHarness } from './test_support/logic_harness.ts';
import { ADMIN, ALICE, BOB, PARTIES, runRows, SMALL_CONFIG } from './test_support/scenario_table.ts';
import { createStateMachine } from './state_machine.ts';

const CONFIG = { ...SMALL_CONFIG, maxAccounts: 16, maxIdRanges: 5 };
const reserve = (principalId: number, idKind: number, firstId: number, lastId: number): CommandSpec =>
  ({ kind: 'reserveIds', principalId, idKind, firstId, lastId });
const item = (itemId: number, merchantAccountId: number): CommandSpec =>
  ({ kind: 'createItem', itemId, merchantAccountId, priceAssetId: 1, unitPrice: 1, stock: 1 });
const event = (eventId: number, merchantAccountId: number): CommandSpec =>
  ({ kind: 'createEvent', eventId, merchantAccountId, priceAssetId: 1, seatPrice: 1, seatCount: 1 });
const pending = (transferId: number, fromAccountId: number, toAccountId: number): CommandSpec =>
  ({ kind: 'transferReserve', transferId, fromAccountId, toAccountId, assetId: 1, amount: 1 });

describe('id ranges reserved per principal', () => {
  it('RESERVE_IDS: every rejection, and ranges of one kind never overlap', () => {
    runRows([
      [ALICE, reserve(ALICE.principalId, K.ACCOUNTS, 1000, 1999), R.ADMIN_REQUIRED],
      [ADMIN, reserve(0, K.ACCOUNTS, 1000, 1999), R.INVALID_FIELD_VALUE],
      [ADMIN, reserve(2 ** 32, K.ACCOUNTS, 1000, 1999), R.INVALID_FIELD_VALUE],
      [ADMIN, reserve(ALICE.principalId, K.SEATS, 1000, 1999), R.INVALID_FIELD_VALUE],
      [ADMIN, reserve(ALICE.principalId, K.OPEN_ORDERS, 1000, 1999), R.INVALID_FIELD_VALUE],
      [ADMIN, reserve(ALICE.principalId, 9, 1000, 1999), R.INVALID_FIELD_VALUE],
      [ADMIN, reserve(ALICE.principalId, K.ACCOUNTS, 0, 1999), R.INTEGER_OUT_OF_RANGE],
      [ADMIN, reserve(ALICE.principalId, K.ACCOUNTS, 1000, 2 ** 53), R.INTEGER_OUT_OF_RANGE],
      [ADMIN, reserve(ALICE.principalId, K.ACCOUNTS, 2000, 1999), R.INTEGER_OUT_OF_RANGE],
      [ADMIN, reserve(ALICE.principalId, K.ACCOUNTS, 1000, 1999), R.OK],
      [ADMIN, reserve(BOB.principalId, K.ACCOUNTS, 1999, 2999), R.ID_RANGE_OVERLAPS],
      [ADMIN, reserve(BOB.principalId, K.ACCOUNTS, 1, 1000), R.ID_RANGE_OVERLAPS],
      [ADMIN, reserve(ALICE.principalId, K.ACCOUNTS, 1200, 1300), R.ID_RANGE_OVERLAPS],
      [ADMIN, reserve(BOB.principalId, K.ACCOUNTS, 2000, 2999), R.OK],
      // Another kind is another namespace.
      [ADMIN, reserve(BOB.principalId, K.ITEMS, 1000, 1999), R.OK],
      [ADMIN, reserve(BOB.principalId, K.EVENTS, 1000, 1999), R.OK],
      [ADMIN, reserve(BOB.principalId, K.PENDING_TRANSFERS, 1000, 1000), R.OK],
      [ADMIN, reserve(BOB.principalId, K.PENDING_TRANSFERS, 1001, 1001), R.ID_RANGES_FULL],
    ], new LogicHarness(createStateMachine(CONFIG)));
  });

  it('inside a range only the range\'s principal gets the id, admin included; outside, first come first served', () => {
    const machine = createStateMachine(CONFIG);
    const h = runRows([
      ...PARTIES,
      [ADMIN, { kind: 'deposit', accountId: 100, assetId: 1, amount: 100 }, R.OK],
      [ADMIN, { kind: 'deposit', accountId: 200, assetId: 1, amount: 100 }, R.OK],
      [ADMIN, reserve(ALICE.principalId, K.ACCOUNTS, 1000, 1999), R.OK],
      [ADMIN, reserve(ALICE.principalId, K.ITEMS, 50, 59), R.OK],
      [ADMIN, reserve(ALICE.principalId, K.EVENTS, 50, 59), R.OK],
      [ADMIN, reserve(ALICE.principalId, K.PENDING_TRANSFERS, 7, 7), R.OK],
    ], new LogicHarness(machine));
    const before = machine.stateHash();
    runRows([
      [BOB, { kind: 'createAccount', accountId: 1500 }, R.ID_RESERVED],
      [ADMIN, { kind: 'createAccount', accountId: 1500, ownerPrincipalId: BOB.principalId }, R.ID_RESERVED],
      [ADMIN, { kind: 'createAccount', accountId: 1000 }, R.ID_RESERVED],
      [BOB, item(55, 200), R.ID_RESERVED],
      [BOB, event(50, 200), R.ID_RESERVED],
      [BOB, pending(7, 200, 100), R.ID_RESERVED],
      // The rung comes after the checks that do not depend on the owner: a taken id is still EXISTS.
      [BOB, { kind: 'createAccount', accountId: 100 }, R.ACCOUNT_EXISTS],
    ], h);
    expect(machine.stateHash()).toBe(before);
    runRows([
      [ALICE, { kind: 'createAccount', accountId: 1500 }, R.OK],
      [ADMIN, { kind: 'createAccount', accountId: 1999, ownerPrincipalId: ALICE.principalId }, R.OK],
      [BOB, { kind: 'createAccount', accountId: 2000 }, R.OK],
      [ALICE, item(55, 100), R.OK],
      [BOB, item(60, 200), R.OK],
      [ALICE, event(50, 100), R.OK],
      [ALICE, pending(7, 100, 200), R.OK],
      [BOB, pending(8, 200, 100), R.OK],
    ], h);
    // Snapshots carry the ranges.
    const copy = createStateMachine(CONFIG);
    copy.importState(machine.exportState());
    expect(copy.stateHash()).toBe(machine.stateHash());
    const copied = new LogicHarness(copy);
    copied.nextSequence = h.nextSequence;
    expect(copied.run(BOB, { kind: 'createAccount', accountId: 1001 }).code).toBe(R.ID_RESERVED);
  });

  it('validates maxIdRanges by name', () => {
    expect(() => createStateMachine({ ...SMALL_CONFIG, maxIdRanges: 0 })).toThrow(/maxIdRanges must be an integer between 1 and/);
  });
});
