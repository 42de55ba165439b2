/**
 * Authorization over every transport: a principal cannot spend from, buy with, book with, reserve
 * from, or take over another principal's account, nor run admin commands; the gateway stamps the
 * authenticated principal, so nothing a client sends can change who it acts as. Balances are
 * unchanged by every refused attempt. (The state hash does change: the engine remembers each refused
 * command's idempotency id, which is the point of idempotency.)
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { ResultCode } from '../codec/result_codes.ts';
import type { CommandJson } from '../codec/types/command_json.ts';
import { ADMIN_KEY, balanceOf, must, startE2eServer, TRANSPORTS, type CommandChannel, type E2eServer } from './test_support/e2e_harness.ts';

const USD = 1;
const ALICE_ACCOUNT = 10;
const BOB_ACCOUNT = 20;
const MERCHANT = 30;

describe('authorization over TCP, WebSocket and HTTP', () => {
  let e2e: E2eServer;
  let admin: CommandChannel;
  let aliceId = 0;
  let bobKey = '';

  beforeAll(async () => {
    e2e = await startE2eServer({ durability: 'none' });
    admin = await e2e.connect('tcp', ADMIN_KEY);
    const alice = e2e.addPrincipal('alice');
    const bob = e2e.addPrincipal('bob');
    aliceId = alice.id;
    bobKey = bob.key;
    await must(admin, { type: 'createAsset', assetId: USD });
    const aliceChannel = await e2e.connect('tcp', alice.key);
    await must(aliceChannel, { type: 'createAccount', accountId: ALICE_ACCOUNT });
    await aliceChannel.close();
    const bobChannel = await e2e.connect('tcp', bob.key);
    await must(bobChannel, { type: 'createAccount', accountId: BOB_ACCOUNT });
    await bobChannel.close();
    await must(admin, { type: 'createAccount', accountId: MERCHANT });
    await must(admin, { type: 'deposit', accountId: ALICE_ACCOUNT, assetId: USD, amount: 1000 });
    await must(admin, { type: 'deposit', accountId: BOB_ACCOUNT, assetId: USD, amount: 1000 });
    await must(admin, { type: 'createItem', itemId: 1, merchantAccountId: MERCHANT, priceAssetId: USD, unitPrice: 5, stock: 100 });
    await must(admin, { type: 'createEvent', eventId: 1, merchantAccountId: MERCHANT, priceAssetId: USD, seatPrice: 5, seatCount: 10 });
  });

  afterAll(async () => {
    await admin?.close();
    await e2e?.stop();
  });

  const attempts = (n: number): [CommandJson, number][] => [
    [{ type: 'transfer', fromAccountId: ALICE_ACCOUNT, toAccountId: BOB_ACCOUNT, assetId: USD, amount: 100, idempotencyId: 1000 + n }, ResultCode.ACCOUNT_NOT_FOUND],
    [{ type: 'transferReserve', transferId: 500 + n, fromAccountId: ALICE_ACCOUNT, toAccountId: BOB_ACCOUNT, assetId: USD, amount: 10, idempotencyId: 2000 + n }, ResultCode.ACCOUNT_NOT_FOUND],
    [{ type: 'buy', itemId: 1, buyerAccountId: ALICE_ACCOUNT, quantity: 1, idempotencyId: 3000 + n }, ResultCode.ACCOUNT_NOT_FOUND],
    [{ type: 'bookSeats', eventId: 1, buyerAccountId: ALICE_ACCOUNT, seats: [n], idempotencyId: 4000 + n }, ResultCode.ACCOUNT_NOT_FOUND],
    [{ type: 'checkout', buyerAccountId: ALICE_ACCOUNT, lines: [{ itemId: 1, quantity: 1 }], idempotencyId: 5000 + n }, ResultCode.ACCOUNT_NOT_FOUND],
    [{ type: 'withdraw', accountId: ALICE_ACCOUNT, assetId: USD, amount: 1, idempotencyId: 6000 + n }, ResultCode.ADMIN_REQUIRED],
    [{ type: 'deposit', accountId: BOB_ACCOUNT, assetId: USD, amount: 1, idempotencyId: 7000 + n }, ResultCode.ADMIN_REQUIRED],
    [{ type: 'createAccount', accountId: 900 + n, ownerPrincipalId: aliceId, idempotencyId: 8000 + n }, ResultCode.ADMIN_REQUIRED],
    [{ type: 'createAsset', assetId: 50 + n, idempotencyId: 9000 + n }, ResultCode.ADMIN_REQUIRED],
  ];

  it("answers bob alike for alice's account and an account that does not exist: existence is not disclosed", async () => {
    const bob = await e2e.connect('tcp', bobKey);
    const probe = (accountId: number, n: number): CommandJson[] => [
      { type: 'getBalance', accountId, assetId: 77 }, // a missing asset does not reveal the account either
      { type: 'transfer', fromAccountId: accountId, toAccountId: BOB_ACCOUNT, assetId: 77, amount: 0, idempotencyId: 11_000 + n },
      { type: 'transferReserve', transferId: 9000 + n, fromAccountId: accountId, toAccountId: BOB_ACCOUNT, assetId: 77, amount: 0, idempotencyId: 12_000 + n },
      { type: 'buy', itemId: 1, buyerAccountId: accountId, quantity: 0, idempotencyId: 13_000 + n },
    ];
    const theirs = probe(ALICE_ACCOUNT, 0);
    const nobody = probe(424_242, 100);
    for (let i = 0; i < theirs.length; i++) {
      const [a, b] = [await bob.send(theirs[i]), await bob.send(nobody[i])];
      expect([a.code, a.message], theirs[i].type).toEqual([b.code, b.message]);
      expect(a.code).toBe(ResultCode.ACCOUNT_NOT_FOUND);
    }
    await bob.close();
  });

  TRANSPORTS.forEach((transport, n) => {
    it(`refuses bob's attempts on alice's account over ${transport}, changing nothing`, async () => {
      const bob = await e2e.connect(transport, bobKey);
      for (const [command, expected] of attempts(n)) {
        const r = await bob.send(command);
        expect(r.code, `${command.type}: ${r.status} ${r.message ?? ''}`).toBe(expected);
        // Ownership is judged by the engine's rules (the command has a sequence); admin-only command types
        // from a non-admin are refused at the gateway and never take a ring slot (sequence 0).
        const adminOnlyType = command.type === 'withdraw' || command.type === 'deposit' || command.type === 'createAsset';
        if (adminOnlyType) expect(r.sequence).toBe(0);
        else expect(r.sequence).toBeGreaterThan(0);
      }
      await bob.close();
      expect(await balanceOf(admin, ALICE_ACCOUNT, USD)).toBe(1000);
      expect(await balanceOf(admin, BOB_ACCOUNT, USD)).toBe(1000);
      expect((await must(admin, { type: 'getItem', itemId: 1 })).result).toMatchObject({ stock: 100, sold: 0 });
      expect((await must(admin, { type: 'getSeat', eventId: 1, seat: n })).result).toEqual({ type: 'seat', holderAccountId: 0 });
      const missing = await admin.send({ type: 'getBalance', accountId: 900 + n, assetId: USD });
      expect(missing.code).toBe(ResultCode.ACCOUNT_NOT_FOUND);
    });
  });

  it('alice can still spend her own money (the refusals were about bob, not the commands)', async () => {
    const alice = e2e.addPrincipal('alice-2');
    const channel = await e2e.connect('ws', alice.key);
    const own = await channel.send({ type: 'createAccount', accountId: 11 });
    expect(own.code).toBe(ResultCode.OK);
    const r = await channel.send({ type: 'transfer', fromAccountId: 11, toAccountId: BOB_ACCOUNT, assetId: USD, amount: 1 });
    expect(r.code).toBe(ResultCode.INSUFFICIENT_FUNDS);
    await channel.close();
  });
});
