import { describe, expect, it } from 'vitest';
import { ResultCode as R } from '../../codec/result_codes.ts';
import { BalanceResult, AmountResult, RESULT_FLAG_DUPLICATE } from '../../codec/records/result_descriptor.ts';
import { LogicHarness } from './test_support/logic_harness.ts';
import { ADMIN, ALICE, balance, BOB, type Row, runRows } from './test_support/scenario_table.ts';
import { createStateMachine, DEFAULT_LOGIC_CONFIG } from './state_machine.ts';

const SMALL = { ...DEFAULT_LOGIC_CONFIG, maxStopOrders: 64, doneOrderWindow: 64, maxAssets: 3, maxAccounts: 4, maxBalances: 6, maxPendingTransfers: 2,
  maxItems: 4, maxEvents: 2, maxSeats: 16, maxSymbols: 2, maxOrders: 8, maxPriceLevels: 8, idempotencyWindow: 4 };
const runTable = (rows: readonly Row[]): LogicHarness => runRows(rows, new LogicHarness(createStateMachine(SMALL)));

const SETUP: readonly Row[] = [
  [ADMIN, { kind: 'createAsset', assetId: 1 }, R.OK],
  [ADMIN, { kind: 'createAsset', assetId: 2 }, R.OK],
  [ALICE, { kind: 'createAccount', accountId: 100 }, R.OK],
  [BOB, { kind: 'createAccount', accountId: 200 }, R.OK],
  [ADMIN, { kind: 'deposit', accountId: 100, assetId: 1, amount: 1000 }, R.OK, balance(1000, 0)],
];

describe('ledger scenario table', () => {
  it('assets and accounts: every rule and rejection', () => {
    runTable([
      [ALICE, { kind: 'createAsset', assetId: 1 }, R.ADMIN_REQUIRED],
      [ALICE, { kind: 'getStateHash' }, R.ADMIN_REQUIRED], // reads the whole state: an operator's tool
      [ALICE, { kind: 'snapshot' }, R.ADMIN_REQUIRED],
      [ADMIN, { kind: 'getStateHash' }, R.OK],
      [ADMIN, { kind: 'createAsset', assetId: 0 }, R.ID_MUST_NOT_BE_ZERO],
      [ADMIN, { kind: 'createAsset', assetId: 1 }, R.OK],
      [ADMIN, { kind: 'createAsset', assetId: 1 }, R.ASSET_EXISTS],
      [ADMIN, { kind: 'createAsset', assetId: 2 }, R.OK],
      [ADMIN, { kind: 'createAsset', assetId: 3 }, R.OK],
      [ADMIN, { kind: 'createAsset', assetId: 4 }, R.ASSETS_FULL],
      [ALICE, { kind: 'createAccount', accountId: 0 }, R.ID_MUST_NOT_BE_ZERO],
      [ALICE, { kind: 'createAccount', accountId: 100, ownerPrincipalId: 2 ** 32 }, R.INVALID_FIELD_VALUE],
      [ALICE, { kind: 'createAccount', accountId: 100, ownerPrincipalId: 20 }, R.ADMIN_REQUIRED],
      [ALICE, { kind: 'createAccount', accountId: 100, ownerPrincipalId: 10 }, R.OK],
      [BOB, { kind: 'createAccount', accountId: 100 }, R.ACCOUNT_EXISTS],
      [ADMIN, { kind: 'createAccount', accountId: 200, ownerPrincipalId: 20 }, R.OK],
      [BOB, { kind: 'createAccount', accountId: 201 }, R.OK],
      [BOB, { kind: 'createAccount', accountId: 202 }, R.OK],
      [BOB, { kind: 'createAccount', accountId: 203 }, R.ACCOUNTS_FULL],
      [BOB, { kind: 'getBalance', accountId: 200, assetId: 1 }, R.OK, balance(0, 0)],
    ]);
  });

  it('deposit, withdraw, transfer and lookups', () => {
    runTable([
      ...SETUP,
      [ALICE, { kind: 'deposit', accountId: 100, assetId: 1, amount: 5 }, R.ADMIN_REQUIRED],
      [ADMIN, { kind: 'deposit', accountId: 999, assetId: 1, amount: 5 }, R.ACCOUNT_NOT_FOUND],
      [ADMIN, { kind: 'deposit', accountId: 100, assetId: 9, amount: 5 }, R.ASSET_NOT_FOUND],
      [ADMIN, { kind: 'deposit', accountId: 100, assetId: 1, amount: 0 }, R.AMOUNT_MUST_BE_POSITIVE],
      [ADMIN, { kind: 'deposit', accountId: 100, assetId: 1, amount: 1.5 }, R.AMOUNT_MUST_BE_POSITIVE],
      [ADMIN, { kind: 'deposit', accountId: 100, assetId: 1, amount: -3 }, R.AMOUNT_MUST_BE_POSITIVE],
      [ADMIN, { kind: 'deposit', accountId: 200, assetId: 1, amount: Number.MAX_SAFE_INTEGER - 1000 }, R.OK],
      [ADMIN, { kind: 'deposit', accountId: 200, assetId: 1, amount: 1 }, R.BALANCE_OVERFLOW],
      [ADMIN, { kind: 'withdraw', accountId: 200, assetId: 1, amount: Number.MAX_SAFE_INTEGER - 1000 }, R.OK, balance(0, 0)],
      [ALICE, { kind: 'withdraw', accountId: 100, assetId: 1, amount: 1 }, R.ADMIN_REQUIRED],
      [ADMIN, { kind: 'withdraw', accountId: 100, assetId: 1, amount: 1001 }, R.INSUFFICIENT_FUNDS],
      [ADMIN, { kind: 'withdraw', accountId: 100, assetId: 2, amount: 1 }, R.INSUFFICIENT_FUNDS],
      [ADMIN, { kind: 'withdraw', accountId: 100, assetId: 1, amount: 100 }, R.OK, balance(900, 0)],
      [ALICE, { kind: 'transfer', fromAccountId: 999, toAccountId: 200, assetId: 1, amount: 1 }, R.ACCOUNT_NOT_FOUND],
      [ALICE, { kind: 'transfer', fromAccountId: 100, toAccountId: 999, assetId: 1, amount: 1 }, R.ACCOUNT_NOT_FOUND],
      [ALICE, { kind: 'transfer', fromAccountId: 100, toAccountId: 200, assetId: 9, amount: 1 }, R.ASSET_NOT_FOUND],
      [BOB, { kind: 'transfer', fromAccountId: 100, toAccountId: 200, assetId: 1, amount: 1 }, R.ACCOUNT_NOT_FOUND],
      [ALICE, { kind: 'transfer', fromAccountId: 100, toAccountId: 100, assetId: 1, amount: 1 }, R.SAME_ACCOUNT],
      [ALICE, { kind: 'transfer', fromAccountId: 100, toAccountId: 200, assetId: 1, amount: 0 }, R.AMOUNT_MUST_BE_POSITIVE],
      [ALICE, { kind: 'transfer', fromAccountId: 100, toAccountId: 200, assetId: 1, amount: 901 }, R.INSUFFICIENT_FUNDS],
      [ALICE, { kind: 'transfer', fromAccountId: 100, toAccountId: 200, assetId: 1, amount: 300 }, R.OK, balance(600, 0)],
      [ADMIN, { kind: 'transfer', fromAccountId: 100, toAccountId: 200, assetId: 1, amount: 100 }, R.OK, balance(500, 0)],
      [BOB, { kind: 'getBalance', accountId: 200, assetId: 1 }, R.OK, balance(400, 0)],
      [BOB, { kind: 'getBalance', accountId: 100, assetId: 1 }, R.ACCOUNT_NOT_FOUND],
      [BOB, { kind: 'getBalance', accountId: 999, assetId: 1 }, R.ACCOUNT_NOT_FOUND],
      [BOB, { kind: 'getBalance', accountId: 200, assetId: 9 }, R.ASSET_NOT_FOUND],
    ]);
  });

  it('balance cell capacity is a result code', () => {
    runTable([
      ...SETUP, // cell 1: (100, 1)
      [ALICE, { kind: 'createAccount', accountId: 101 }, R.OK],
      [ALICE, { kind: 'createAccount', accountId: 102 }, R.OK],
      [ADMIN, { kind: 'deposit', accountId: 100, assetId: 2, amount: 1 }, R.OK],
      [ADMIN, { kind: 'deposit', accountId: 101, assetId: 1, amount: 1 }, R.OK],
      [ADMIN, { kind: 'deposit', accountId: 101, assetId: 2, amount: 1 }, R.OK],
      [ADMIN, { kind: 'deposit', accountId: 102, assetId: 1, amount: 1 }, R.OK],
      [ADMIN, { kind: 'deposit', accountId: 102, assetId: 2, amount: 1 }, R.OK],
      [ADMIN, { kind: 'deposit', accountId: 200, assetId: 2, amount: 1 }, R.BALANCES_FULL],
      [ALICE, { kind: 'transfer', fromAccountId: 100, toAccountId: 200, assetId: 1, amount: 1 }, R.BALANCES_FULL],
      [ALICE, { kind: 'transfer', fromAccountId: 100, toAccountId: 101, assetId: 1, amount: 1 }, R.OK, balance(999, 0)],
    ]);
  });

  it('two-phase transfers: reserve, partial post, void, finality, capacity', () => {
    const h = runTable([
      ...SETUP,
      [ALICE, { kind: 'transferReserve', transferId: 0, fromAccountId: 100, toAccountId: 200, assetId: 1, amount: 1 }, R.ID_MUST_NOT_BE_ZERO],
      [ALICE, { kind: 'transferReserve', transferId: 7, fromAccountId: 999, toAccountId: 200, assetId: 1, amount: 1 }, R.ACCOUNT_NOT_FOUND],
      [ALICE, { kind: 'transferReserve', transferId: 7, fromAccountId: 100, toAccountId: 999, assetId: 1, amount: 1 }, R.ACCOUNT_NOT_FOUND],
      [ALICE, { kind: 'transferReserve', transferId: 7, fromAccountId: 100, toAccountId: 200, assetId: 9, amount: 1 }, R.ASSET_NOT_FOUND],
      [BOB, { kind: 'transferReserve', transferId: 7, fromAccountId: 100, toAccountId: 200, assetId: 1, amount: 1 }, R.ACCOUNT_NOT_FOUND],
      [ALICE, { kind: 'transferReserve', transferId: 7, fromAccountId: 100, toAccountId: 100, assetId: 1, amount: 1 }, R.SAME_ACCOUNT],
      [ALICE, { kind: 'transferReserve', transferId: 7, fromAccountId: 100, toAccountId: 200, assetId: 1, amount: 0 }, R.AMOUNT_MUST_BE_POSITIVE],
      [ALICE, { kind: 'transferReserve', transferId: 7, fromAccountId: 100, toAccountId: 200, assetId: 1, amount: 1001 }, R.INSUFFICIENT_FUNDS],
      [ALICE, { kind: 'transferReserve', transferId: 7, fromAccountId: 100, toAccountId: 200, assetId: 1, amount: 400 }, R.OK],
      [ALICE, { kind: 'transferReserve', transferId: 7, fromAccountId: 100, toAccountId: 200, assetId: 1, amount: 1 }, R.TRANSFER_EXISTS],
      [ALICE, { kind: 'getBalance', accountId: 100, assetId: 1 }, R.OK, balance(600, 400)],
      [ALICE, { kind: 'transferPost', transferId: 8, amount: 0 }, R.TRANSFER_NOT_FOUND],
      [BOB, { kind: 'transferPost', transferId: 7, amount: 0 }, R.TRANSFER_NOT_FOUND],
      [ALICE, { kind: 'transferPost', transferId: 7, amount: -1 }, R.AMOUNT_MUST_BE_POSITIVE],
      [ALICE, { kind: 'transferPost', transferId: 7, amount: 401 }, R.POST_EXCEEDS_RESERVED],
      [ALICE, { kind: 'transferPost', transferId: 7, amount: 150 }, R.OK],
      [ALICE, { kind: 'getBalance', accountId: 100, assetId: 1 }, R.OK, balance(850, 0)],
      [BOB, { kind: 'getBalance', accountId: 200, assetId: 1 }, R.OK, balance(150, 0)],
      // Finished: the id is forgotten and its slot reclaimed.
      [ALICE, { kind: 'transferPost', transferId: 7, amount: 0 }, R.TRANSFER_NOT_FOUND],
      [ALICE, { kind: 'transferVoid', transferId: 7 }, R.TRANSFER_NOT_FOUND],
      [ALICE, { kind: 'transferReserve', transferId: 8, fromAccountId: 100, toAccountId: 200, assetId: 1, amount: 50 }, R.OK],
      [BOB, { kind: 'transferVoid', transferId: 8 }, R.TRANSFER_NOT_FOUND],
      [ALICE, { kind: 'transferVoid', transferId: 9 }, R.TRANSFER_NOT_FOUND],
      [ALICE, { kind: 'transferVoid', transferId: 8 }, R.OK],
      [ALICE, { kind: 'getBalance', accountId: 100, assetId: 1 }, R.OK, balance(850, 0)],
      // Capacity 2 counts open transfers only: 7 and 8 are finished, so two more fit, then it is full.
      [ALICE, { kind: 'transferReserve', transferId: 9, fromAccountId: 100, toAccountId: 200, assetId: 1, amount: 1 }, R.OK],
      [ALICE, { kind: 'transferReserve', transferId: 7, fromAccountId: 100, toAccountId: 200, assetId: 1, amount: 2 }, R.OK],
      [ALICE, { kind: 'transferReserve', transferId: 10, fromAccountId: 100, toAccountId: 200, assetId: 1, amount: 1 }, R.PENDING_TRANSFERS_FULL],
      [ALICE, { kind: 'transferVoid', transferId: 9 }, R.OK],
      [ALICE, { kind: 'transferReserve', transferId: 10, fromAccountId: 100, toAccountId: 200, assetId: 1, amount: 1 }, R.OK],
      [ALICE, { kind: 'getBalance', accountId: 100, assetId: 1 }, R.OK, balance(847, 3)],
    ]);
    const r = h.run(ALICE, { kind: 'transferReserve', transferId: 11, fromAccountId: 100, toAccountId: 200, assetId: 2, amount: 1 });
    expect(r.code).toBe(R.INSUFFICIENT_FUNDS);
  });

  it('reports the amount reserved, posted or released', () => {
    const h = runTable(SETUP);
    expect(h.run(ALICE, { kind: 'transferReserve', transferId: 1, fromAccountId: 100, toAccountId: 200, assetId: 1, amount: 70 })
      .f64(AmountResult.AMOUNT)).toBe(70);
    expect(h.run(ALICE, { kind: 'transferPost', transferId: 1, amount: 0 }).f64(AmountResult.AMOUNT)).toBe(70);
    h.run(ALICE, { kind: 'transferReserve', transferId: 2, fromAccountId: 100, toAccountId: 200, assetId: 1, amount: 30 });
    expect(h.run(ALICE, { kind: 'transferVoid', transferId: 2 }).f64(AmountResult.AMOUNT)).toBe(30);
  });
});

describe('idempotency', () => {
  it('a repeated id returns the first result and changes nothing', () => {
    const h = runTable(SETUP);
    const first = h.run({ ...ALICE, idempotencyId: 5, correlationId: 1 },
      { kind: 'transfer', fromAccountId: 100, toAccountId: 200, assetId: 1, amount: 10 });
    expect(first.code).toBe(R.OK);
    expect(first.flags & RESULT_FLAG_DUPLICATE).toBe(0);
    const again = h.run({ ...ALICE, idempotencyId: 5, correlationId: 2 },
      { kind: 'transfer', fromAccountId: 100, toAccountId: 200, assetId: 1, amount: 10 });
    expect(again.flags & RESULT_FLAG_DUPLICATE).toBe(RESULT_FLAG_DUPLICATE);
    expect(again.correlationId).toBe(2);
    expect(again.inputSequence).toBe(first.inputSequence + 1);
    expect(again.f64(BalanceResult.AVAILABLE)).toBe(990);
    expect(h.run(ALICE, { kind: 'getBalance', accountId: 100, assetId: 1 }).f64(BalanceResult.AVAILABLE)).toBe(990);
    // Another principal with the same id is a different key.
    const bob = h.run({ ...BOB, idempotencyId: 5 }, { kind: 'transfer', fromAccountId: 200, toAccountId: 100, assetId: 1, amount: 1 });
    expect(bob.code).toBe(R.OK);
    expect(bob.flags & RESULT_FLAG_DUPLICATE).toBe(0);
  });

  it('remembers rejections too, and forgets the oldest id when the window is full', () => {
    const h = runTable(SETUP);
    const spend = { kind: 'transfer', fromAccountId: 100, toAccountId: 200, assetId: 1, amount: 2000 } as const;
    expect(h.run({ ...ALICE, idempotencyId: 1 }, spend).code).toBe(R.INSUFFICIENT_FUNDS);
    h.run(ADMIN, { kind: 'deposit', accountId: 100, assetId: 1, amount: 5000 });
    const dup = h.run({ ...ALICE, idempotencyId: 1 }, spend);
    expect([dup.code, dup.flags]).toEqual([R.INSUFFICIENT_FUNDS, RESULT_FLAG_DUPLICATE]);
    for (let id = 2; id <= 5; id++) h.run({ ...ALICE, idempotencyId: id }, { kind: 'createAccount', accountId: 1000 + id });
    // Window of 4: id 1 is forgotten and applies anew.
    const fresh = h.run({ ...ALICE, idempotencyId: 1 }, spend);
    expect([fresh.code, fresh.flags]).toEqual([R.OK, 0]);
  });
});

describe('state hash and snapshots', () => {
  it('export → import gives the same hash; replays agree; a different history differs', () => {
    const a = runTable(SETUP);
    const b = runTable(SETUP);
    expect(a.machine.stateHash()).toBe(b.machine.stateHash());
    const copy = createStateMachine(SMALL);
    copy.importState(a.machine.exportState());
    expect(copy.stateHash()).toBe(a.machine.stateHash());
    expect(copy.lastAppliedSequence).toBe(SETUP.length);
    b.run(ALICE, { kind: 'transfer', fromAccountId: 100, toAccountId: 200, assetId: 1, amount: 1 });
    expect(b.machine.stateHash()).not.toBe(a.machine.stateHash());
  });

  it('leftover bytes in the output buffer never reach the state (live and replay agree)', () => {
    const run = (fill: number | null): string => {
      const h = runTable(SETUP);
      h.fillOutputWith = fill;
      h.run(ALICE, { kind: 'getBalance', accountId: 100, assetId: 1 });
      for (let id = 1; id <= 6; id++) {
        h.run({ ...ALICE, idempotencyId: id }, { kind: 'transfer', fromAccountId: 100, toAccountId: 200, assetId: 1, amount: id });
        h.run({ ...ALICE, idempotencyId: 100 + id }, { kind: 'createAccount', accountId: 500 + id });
      }
      return h.machine.stateHash();
    };
    expect(run(0xff)).toBe(run(0x00));
  });

  it('refuses a snapshot from another config, naming the section', () => {
    const other = createStateMachine({ ...SMALL, maxAccounts: 5 });
    expect(() => createStateMachine(SMALL).importState(other.exportState())).toThrow(/ledger\.accountIds/);
  });
});
