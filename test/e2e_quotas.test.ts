/**
 * One greedy tenant against the real engine (workers, journal, TCP): it takes what its quotas allow
 * and is then refused by name, while another tenant and the admin keep creating and buying; a
 * reserve-then-void loop far beyond the pending-transfer capacity never exhausts it (slots are
 * reclaimed). The repro — a non-admin event with nearly every seat of the engine — is refused.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { ResultCode } from '../codec/result_codes.ts';
import { ADMIN_KEY, must, startE2eServer, type E2eServer } from './test_support/e2e_harness.ts';

const USD = 1;
const LOGIC = {
  maxAccounts: 1024, maxBalances: 4096, maxItems: 64, maxEvents: 16, maxSeats: 1000, maxPendingTransfers: 8, maxOrders: 1024,
  maxPriceLevels: 256, maxSymbols: 4, maxAssets: 16, idempotencyWindow: 4096,
  quotas: { accounts: 4, items: 2, events: 2, seats: 300, pendingTransfers: 4 },
};

describe('quotas against a greedy tenant', () => {
  let e2e: E2eServer | null = null;
  afterAll(async () => { await e2e?.stop(); });

  it('refuses the greedy tenant by quota name while the others keep working', async () => {
    e2e = await startE2eServer({ durability: 'fsync', engine: { logic: LOGIC } });
    const admin = await e2e.connect('tcp', ADMIN_KEY);
    const greedyPrincipal = e2e.addPrincipal('greedy');
    const greedy = await e2e.connect('tcp', greedyPrincipal.key);
    const other = await e2e.connect('tcp', e2e.addPrincipal('other').key);
    await must(admin, { type: 'createAsset', assetId: USD });

    // Accounts: 4, then refused by name.
    for (let id = 100; id < 104; id++) await must(greedy, { type: 'createAccount', accountId: id });
    const fifth = await greedy.send({ type: 'createAccount', accountId: 104 });
    expect(fifth.code).toBe(ResultCode.ACCOUNT_QUOTA_EXCEEDED);
    expect(fifth.message).toContain('"accounts"');

    // The repro: one event with almost every seat of the engine.
    const hog = await greedy.send({ type: 'createEvent', eventId: 1, merchantAccountId: 100, priceAssetId: USD, seatPrice: 1, seatCount: 999 });
    expect(hog.code).toBe(ResultCode.SEAT_QUOTA_EXCEEDED);
    expect(hog.message).toContain('"seats"');
    await must(greedy, { type: 'createEvent', eventId: 1, merchantAccountId: 100, priceAssetId: USD, seatPrice: 1, seatCount: 300 });
    expect((await greedy.send({ type: 'createEvent', eventId: 2, merchantAccountId: 100, priceAssetId: USD, seatPrice: 1, seatCount: 1 })).code)
      .toBe(ResultCode.SEAT_QUOTA_EXCEEDED);
    // Only an admin can raise it (SET_QUOTA is admin-only; the gateway refuses it with sequence 0).
    expect(await greedy.send({ type: 'setQuota', principalId: greedyPrincipal.id, quota: 'seats', limit: 10_000 }))
      .toMatchObject({ code: ResultCode.ADMIN_REQUIRED, sequence: 0 });
    await must(admin, { type: 'setQuota', principalId: greedyPrincipal.id, quota: 'seats', limit: 301 });
    await must(greedy, { type: 'createEvent', eventId: 2, merchantAccountId: 100, priceAssetId: USD, seatPrice: 1, seatCount: 1 });
    await must(greedy, { type: 'createItem', itemId: 1, merchantAccountId: 100, priceAssetId: USD, unitPrice: 1, stock: 10 });
    await must(greedy, { type: 'createItem', itemId: 2, merchantAccountId: 100, priceAssetId: USD, unitPrice: 1, stock: 10 });
    expect((await greedy.send({ type: 'createItem', itemId: 3, merchantAccountId: 100, priceAssetId: USD, unitPrice: 1, stock: 10 })).code)
      .toBe(ResultCode.ITEM_QUOTA_EXCEEDED);

    // The other tenant and the admin are untouched by all of that.
    await must(other, { type: 'createAccount', accountId: 200 });
    await must(admin, { type: 'deposit', accountId: 200, assetId: USD, amount: 1000 });
    await must(other, { type: 'createEvent', eventId: 3, merchantAccountId: 200, priceAssetId: USD, seatPrice: 2, seatCount: 300 });
    await must(other, { type: 'createItem', itemId: 4, merchantAccountId: 200, priceAssetId: USD, unitPrice: 1, stock: 10 });
    await must(other, { type: 'bookSeats', eventId: 1, buyerAccountId: 200, seats: [0, 1] });
    await must(other, { type: 'buy', itemId: 1, buyerAccountId: 200, quantity: 3 });
    await must(admin, { type: 'createAccount', accountId: 1 });
    await must(admin, { type: 'createEvent', eventId: 4, merchantAccountId: 1, priceAssetId: USD, seatPrice: 1, seatCount: 399 });

    // Reserve-then-void far beyond the capacity of 8: slots come back, nobody runs out.
    await must(admin, { type: 'deposit', accountId: 100, assetId: USD, amount: 1000 });
    for (let i = 1; i <= 40; i++) {
      await must(greedy, { type: 'transferReserve', transferId: i, fromAccountId: 100, toAccountId: 200, assetId: USD, amount: 1 });
      await must(greedy, { type: 'transferVoid', transferId: i });
    }
    for (let i = 1; i <= 4; i++) {
      await must(greedy, { type: 'transferReserve', transferId: 100 + i, fromAccountId: 100, toAccountId: 200, assetId: USD, amount: 1 });
    }
    expect((await greedy.send({ type: 'transferReserve', transferId: 105, fromAccountId: 100, toAccountId: 200, assetId: USD, amount: 1 })).code)
      .toBe(ResultCode.PENDING_TRANSFER_QUOTA_EXCEEDED);
    await must(other, { type: 'transferReserve', transferId: 500, fromAccountId: 200, toAccountId: 100, assetId: USD, amount: 1 });
    for (const c of [admin, greedy, other]) await c.close();
  });
});
