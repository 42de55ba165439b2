/**
 * Flash sale over real sockets: three listings (NVDA, TSLA, AMD) × 15,000 units, hundreds of
 * concurrent clients over TCP, WebSocket and HTTP buying until sold out. Afterwards: units sold =
 * units in successful buys = 45,000, nothing oversold, and every buyer's and merchant's money adds up.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { ResultCode } from '../codec/result_codes.ts';
import {
  ADMIN_KEY, balanceOf, must, sendRetryingBusy, startE2eServer, type CommandChannel, type E2eServer, type Transport,
} from './test_support/e2e_harness.ts';

const USD = 1;
const STOCK = 15_000;
const LISTINGS = [
  { itemId: 1, name: 'NVDA', unitPrice: 120, merchantAccountId: 9001 },
  { itemId: 2, name: 'TSLA', unitPrice: 70, merchantAccountId: 9002 },
  { itemId: 3, name: 'AMD', unitPrice: 30, merchantAccountId: 9003 },
] as const;
const DEPOSIT = 10_000_000;
/** Connections per transport; each runs LOOPS_PER_CONNECTION buy loops at once (pipelined). */
const CONNECTIONS: Record<Transport, number> = { tcp: 120, ws: 80, http: 40 };
const LOOPS_PER_CONNECTION: Record<Transport, number> = { tcp: 4, ws: 4, http: 1 };
const BUYERS_PER_TRANSPORT = 10;

interface Buyer { principalKey: string; accountId: number; spent: number; units: number }

describe('flash sale over TCP, WebSocket and HTTP', () => {
  let e2e: E2eServer;
  let admin: CommandChannel;
  const buyers: Record<Transport, Buyer[]> = { tcp: [], ws: [], http: [] };

  beforeAll(async () => {
    e2e = await startE2eServer({ durability: 'fsync' });
    admin = await e2e.connect('tcp', ADMIN_KEY, 256);
    await must(admin, { type: 'createAsset', assetId: USD });
    for (const l of LISTINGS) {
      await must(admin, { type: 'createAccount', accountId: l.merchantAccountId });
      await must(admin, { type: 'createItem', itemId: l.itemId, merchantAccountId: l.merchantAccountId, priceAssetId: USD, unitPrice: l.unitPrice, stock: STOCK });
    }
    let nextAccount = 100;
    for (const transport of ['tcp', 'ws', 'http'] as const) {
      for (let i = 0; i < BUYERS_PER_TRANSPORT; i++) {
        const { key } = e2e.addPrincipal(`buyer-${transport}-${i}`);
        const accountId = nextAccount++;
        const own = await e2e.connect('tcp', key);
        await must(own, { type: 'createAccount', accountId });
        await own.close();
        await must(admin, { type: 'deposit', accountId, assetId: USD, amount: DEPOSIT });
        buyers[transport].push({ principalKey: key, accountId, spent: 0, units: 0 });
      }
    }
  });

  afterAll(async () => {
    await admin?.close();
    await e2e?.stop();
  });

  it('sells exactly 45,000 units, never oversells, and the money adds up', async () => {
    const soldByItem = new Map<number, number>(LISTINGS.map((l) => [l.itemId, 0]));
    let successfulBuys = 0;
    const codes = new Map<number, number>();
    /** Answers by transport and result code: every transport must have bought and been told "sold out". */
    const codesBy: Record<Transport, Map<number, number>> = { tcp: new Map(), ws: new Map(), http: new Map() };

    async function buyLoop(transport: Transport, channel: CommandChannel, buyer: Buyer, seed: number): Promise<void> {
      const open = LISTINGS.map((l) => l.itemId);
      let rng = seed;
      while (open.length > 0) {
        rng = (rng * 1103515245 + 12345) >>> 0;
        const pick = rng % open.length;
        const itemId = open[pick];
        let quantity = 1 + (rng >>> 8) % 3;
        for (;;) {
          const r = await sendRetryingBusy(channel, { type: 'buy', itemId, buyerAccountId: buyer.accountId, quantity });
          codes.set(r.code, (codes.get(r.code) ?? 0) + 1);
          codesBy[transport].set(r.code, (codesBy[transport].get(r.code) ?? 0) + 1);
          if (r.code === ResultCode.OK) {
            if (r.result?.type !== 'item') throw new Error(`buy result ${JSON.stringify(r)}`);
            expect(r.result.totalPrice).toBe(quantity * LISTINGS[itemId - 1].unitPrice);
            expect(r.result.stock).toBeGreaterThanOrEqual(0);
            successfulBuys++;
            soldByItem.set(itemId, (soldByItem.get(itemId) ?? 0) + quantity);
            buyer.spent += r.result.totalPrice;
            buyer.units += quantity;
            break;
          }
          if (r.code !== ResultCode.INSUFFICIENT_STOCK) throw new Error(`unexpected buy result ${r.status}: ${r.message}`);
          if (quantity === 1) {
            open.splice(pick, 1);
            break;
          }
          quantity = 1; // fewer units than asked may remain: sell them one at a time
        }
      }
    }

    // Barrier: every transport's clients connect before any buy is sent, so no transport can sell out
    // the stock while another is still connecting.
    const channels: { transport: Transport; channel: CommandChannel; buyer: Buyer }[] = [];
    for (const transport of ['tcp', 'ws', 'http'] as const) {
      for (let c = 0; c < CONNECTIONS[transport]; c++) {
        const buyer = buyers[transport][c % BUYERS_PER_TRANSPORT];
        channels.push({ transport, channel: await e2e.connect(transport, buyer.principalKey, 16), buyer });
      }
    }
    expect(channels.length).toBe(240);
    const loops: Promise<void>[] = [];
    let seed = 1;
    for (const { transport, channel, buyer } of channels) {
      for (let l = 0; l < LOOPS_PER_CONNECTION[transport]; l++) loops.push(buyLoop(transport, channel, buyer, seed++));
    }
    await Promise.all(loops);
    await Promise.all(channels.map((c) => c.channel.close()));

    const unitsBought = [...soldByItem.values()].reduce((a, b) => a + b, 0);
    expect(unitsBought).toBe(3 * STOCK);
    for (const l of LISTINGS) {
      expect(soldByItem.get(l.itemId)).toBe(STOCK);
      const item = await must(admin, { type: 'getItem', itemId: l.itemId });
      expect(item.result).toMatchObject({ type: 'item', stock: 0, sold: STOCK });
      expect(await balanceOf(admin, l.merchantAccountId, USD)).toBe(STOCK * l.unitPrice);
    }
    const all = [...buyers.tcp, ...buyers.ws, ...buyers.http];
    expect(all.reduce((a, b) => a + b.units, 0)).toBe(3 * STOCK);
    for (const b of all) expect(await balanceOf(admin, b.accountId, USD)).toBe(DEPOSIT - b.spent);
    const merchantsTotal = LISTINGS.reduce((a, l) => a + STOCK * l.unitPrice, 0);
    expect(all.reduce((a, b) => a + b.spent, 0)).toBe(merchantsTotal);
    expect(successfulBuys).toBe(codes.get(ResultCode.OK));
    expect([...codes.keys()].sort()).toEqual([ResultCode.OK, ResultCode.INSUFFICIENT_STOCK]);
    // Every transport took part: its buy loops all ran over it to the end, each being told "sold out"
    // (INSUFFICIENT_STOCK for one unit) for all three listings, and it got no answer but OK or INSUFFICIENT_STOCK.
    // (How the 45,000 units split between transports is a race: one transport may buy them all.)
    for (const t of ['tcp', 'ws', 'http'] as const) {
      expect([...codesBy[t].keys()].every((code) => code === ResultCode.OK || code === ResultCode.INSUFFICIENT_STOCK)).toBe(true);
      expect(codesBy[t].get(ResultCode.INSUFFICIENT_STOCK) ?? 0)
        .toBeGreaterThanOrEqual(CONNECTIONS[t] * LOOPS_PER_CONNECTION[t] * LISTINGS.length);
    }
    expect((['tcp', 'ws', 'http'] as const).reduce((a, t) => a + (codesBy[t].get(ResultCode.OK) ?? 0), 0)).toBe(successfulBuys);
  });
});
