import { describe, expect, it } from 'vitest';
import { BalanceResult } from '../../codec/records/result_descriptor.ts';
import { ResultCode as R } from '../../codec/result_codes.ts';
import { LogicHarness } from './test_support/logic_harness.ts';
import { ADMIN, ALICE, BOB, runRows, SMALL_CONFIG } from './test_support/scenario_table.ts';
import { createStateMachine } from './state_machine.ts';
import { QuotaKind } from '../../codec/registry/enum_values.ts';
import { Quota } from './principal_quotas.ts';

const QUOTAS = { accounts: 2, items: 1, events: 1, seats: 10, pendingTransfers: 1 };

describe('per-principal quotas', () => {
  it('refuse the greedy tenant by name while another tenant and the admin carry on; finished transfers give back', () => {
    const machine = createStateMachine({ ...SMALL_CONFIG, quotas: QUOTAS });
    const h = runRows([
      [ADMIN, { kind: 'createAsset', assetId: 1 }, R.OK],
      [ALICE, { kind: 'createAccount', accountId: 100 }, R.OK],
      [ALICE, { kind: 'createAccount', accountId: 101 }, R.OK],
      [ALICE, { kind: 'createAccount', accountId: 102 }, R.ACCOUNT_QUOTA_EXCEEDED],
      [BOB, { kind: 'createAccount', accountId: 200 }, R.OK],
      // An admin is not refused, but what it creates for alice counts against alice.
      [ADMIN, { kind: 'createAccount', accountId: 103, ownerPrincipalId: ALICE.principalId }, R.OK],
      [ADMIN, { kind: 'createAccount', accountId: 1 }, R.OK],
      // Seats: one event of 11 seats is over the quota of 10, whatever capacity is left.
      [ALICE, { kind: 'createEvent', eventId: 5, merchantAccountId: 100, priceAssetId: 1, seatPrice: 1, seatCount: 11 }, R.SEAT_QUOTA_EXCEEDED],
      [ALICE, { kind: 'createEvent', eventId: 5, merchantAccountId: 100, priceAssetId: 1, seatPrice: 1, seatCount: 10 }, R.OK],
      [ALICE, { kind: 'createEvent', eventId: 6, merchantAccountId: 100, priceAssetId: 1, seatPrice: 1, seatCount: 1 }, R.EVENT_QUOTA_EXCEEDED],
      [BOB, { kind: 'createEvent', eventId: 6, merchantAccountId: 200, priceAssetId: 1, seatPrice: 1, seatCount: 6 }, R.OK],
      [ALICE, { kind: 'createItem', itemId: 7, merchantAccountId: 100, priceAssetId: 1, unitPrice: 1, stock: 5 }, R.OK],
      [ALICE, { kind: 'createItem', itemId: 8, merchantAccountId: 101, priceAssetId: 1, unitPrice: 1, stock: 5 }, R.ITEM_QUOTA_EXCEEDED],
      [BOB, { kind: 'createItem', itemId: 8, merchantAccountId: 200, priceAssetId: 1, unitPrice: 1, stock: 5 }, R.OK],
      [ADMIN, { kind: 'deposit', accountId: 100, assetId: 1, amount: 100 }, R.OK],
      [ALICE, { kind: 'transferReserve', transferId: 1, fromAccountId: 100, toAccountId: 200, assetId: 1, amount: 5 }, R.OK],
      [ALICE, { kind: 'transferReserve', transferId: 2, fromAccountId: 100, toAccountId: 200, assetId: 1, amount: 5 }, R.PENDING_TRANSFER_QUOTA_EXCEEDED],
      [ALICE, { kind: 'transferVoid', transferId: 1 }, R.OK],
      [ALICE, { kind: 'transferReserve', transferId: 2, fromAccountId: 100, toAccountId: 200, assetId: 1, amount: 5 }, R.OK],
    ], new LogicHarness(machine));
    const quotas = machine.ledger.quotas;
    expect([quotas.usedBy(ALICE.principalId, Quota.ACCOUNTS), quotas.usedBy(ALICE.principalId, Quota.SEATS),
      quotas.usedBy(ALICE.principalId, Quota.PENDING_TRANSFERS), quotas.usedBy(BOB.principalId, Quota.SEATS)]).toEqual([3, 10, 1, 6]);
    // Refusals changed nothing: alice's 5 are reserved once (transfer 2), the rest available.
    const balance = h.run(ALICE, { kind: 'getBalance', accountId: 100, assetId: 1 });
    expect([balance.code, balance.f64(BalanceResult.AVAILABLE), balance.f64(BalanceResult.RESERVED)]).toEqual([R.OK, 95, 5]);
  });

  it('an own limit set by SET_QUOTA replaces the default, and snapshots carry the table', () => {
    const machine = createStateMachine({ ...SMALL_CONFIG, quotas: QUOTAS });
    runRows([
      [ALICE, { kind: 'setQuota', principalId: ALICE.principalId, quota: QuotaKind.ACCOUNTS, limit: 100 }, R.ADMIN_REQUIRED],
      [ADMIN, { kind: 'setQuota', principalId: 0, quota: QuotaKind.ACCOUNTS, limit: 3 }, R.INVALID_FIELD_VALUE],
      [ADMIN, { kind: 'setQuota', principalId: 2 ** 32, quota: QuotaKind.ACCOUNTS, limit: 3 }, R.INVALID_FIELD_VALUE],
      [ADMIN, { kind: 'setQuota', principalId: ALICE.principalId, quota: QuotaKind.ACCOUNTS, limit: 3 }, R.OK],
      [ALICE, { kind: 'createAccount', accountId: 100 }, R.OK],
      [ALICE, { kind: 'createAccount', accountId: 101 }, R.OK],
      [ALICE, { kind: 'createAccount', accountId: 102 }, R.OK],
      [ALICE, { kind: 'createAccount', accountId: 103 }, R.ACCOUNT_QUOTA_EXCEEDED],
    ], new LogicHarness(machine));
    // Lowered below what bob holds: what he has stays, nothing more is created.
    runRows([
      [BOB, { kind: 'createAccount', accountId: 200 }, R.OK],
      [BOB, { kind: 'createAccount', accountId: 201 }, R.OK],
      [ADMIN, { kind: 'setQuota', principalId: BOB.principalId, quota: QuotaKind.ACCOUNTS, limit: 1 }, R.OK],
      [BOB, { kind: 'createAccount', accountId: 202 }, R.ACCOUNT_QUOTA_EXCEEDED],
      [BOB, { kind: 'getBalance', accountId: 201, assetId: 1 }, R.ASSET_NOT_FOUND],
    ], new LogicHarness(machine));
    const copy = createStateMachine({ ...SMALL_CONFIG, quotas: QUOTAS });
    copy.importState(machine.exportState());
    expect(copy.stateHash()).toBe(machine.stateHash());
    expect([copy.ledger.quotas.limitOf(ALICE.principalId, Quota.ACCOUNTS), copy.ledger.quotas.usedBy(ALICE.principalId, Quota.ACCOUNTS)]).toEqual([3, 3]);
  });

  it('validates the quota options by name', () => {
    expect(() => createStateMachine({ ...SMALL_CONFIG, quotas: { seats: -1 } })).toThrow(/quotas\.seats must be an integer/);
    expect(() => createStateMachine({ ...SMALL_CONFIG, quotas: { tickets: 1 } as never })).toThrow(/quotas\.tickets is not a quota/);
    expect(() => createStateMachine({ ...SMALL_CONFIG, maxPrincipals: 0 })).toThrow(/maxPrincipals/);
  });
});
