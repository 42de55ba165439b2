/**
 * Reconnect with idempotent retry against the real engine: while a client has thousands of buys in
 * flight, every connection is dropped (twice). The client reconnects and resends what was not answered
 * with the same idempotency ids; the engine applies each buy at most once. Afterwards the units the
 * client was told it bought equal the units the engine sold, and the buyer paid exactly for those.
 * The drops happen while the engine holds some of the client's buys, so some resent buys were already
 * applied: the engine answers those with the stored first result (duplicate flag) instead of buying again.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { ResultCode } from '../codec/result_codes.ts';
import { RinglineClient } from '../client/ringline_client.ts';
import { ADMIN_KEY, balanceOf, must, startE2eServer, type CommandChannel, type E2eServer } from './test_support/e2e_harness.ts';

const USD = 1;
const PRICE = 3;
const DEPOSIT = 1_000_000;
const BUYS = 3000;

describe('client reconnect with idempotent retry', () => {
  let e2e: E2eServer;
  let admin: CommandChannel;

  beforeAll(async () => {
    e2e = await startE2eServer({ durability: 'fsync' });
    admin = await e2e.connect('tcp', ADMIN_KEY);
    await must(admin, { type: 'createAsset', assetId: USD });
    await must(admin, { type: 'createAccount', accountId: 1 });
  });

  afterAll(async () => {
    await admin?.close();
    await e2e?.stop();
  });

  for (const [transport, itemId, accountId] of [['tcp', 1, 10], ['ws', 2, 20]] as const) {
    it(`loses nothing and doubles nothing when ${transport} connections drop mid-flight`, async () => {
      await must(admin, { type: 'createItem', itemId, merchantAccountId: 1, priceAssetId: USD, unitPrice: PRICE, stock: 1_000_000 });
      const { key } = e2e.addPrincipal(`buyer-${transport}`);
      const url = transport === 'tcp' ? e2e.tcpUrl : e2e.wsUrl;
      const client = await RinglineClient.connect({ url, apiKey: key, maxInFlight: 256 });
      await must({ transport, send: (c) => client.send(c), close: () => client.close() }, { type: 'createAccount', accountId });
      await must(admin, { type: 'deposit', accountId, assetId: USD, amount: DEPOSIT });

      let answered = 0;
      const buys = Array.from({ length: BUYS }, () => client.send({ type: 'buy', itemId, buyerAccountId: accountId, quantity: 1 })
        .then((r) => { answered++; return r; }));
      for (const at of [BUYS / 4, BUYS / 2]) {
        // Drop while the engine holds some of this client's buys: their results will find no connection.
        const deadline = Date.now() + 10_000;
        while ((answered < at || e2e.server.core.inFlightTotal() === 0) && Date.now() < deadline) {
          await new Promise((r) => setImmediate(r));
        }
        e2e.server.dropConnections();
      }
      const replies = await Promise.all(buys);
      expect(client.reconnects).toBe(2);
      expect(client.resent).toBeGreaterThan(0);
      await client.close();

      expect(replies.every((r) => r.code === ResultCode.OK)).toBe(true);
      const item = await must(admin, { type: 'getItem', itemId });
      expect(item.result).toMatchObject({ type: 'item', sold: BUYS });
      expect(await balanceOf(admin, accountId, USD)).toBe(DEPOSIT - BUYS * PRICE);
      // Resent buys that the engine had already applied came back as the stored first result (flag 1).
      const duplicates = replies.filter((r) => (r.flags & 1) !== 0).length;
      expect(duplicates).toBeGreaterThan(0);
      expect(duplicates).toBeLessThanOrEqual(client.resent);
    });
  }
});
