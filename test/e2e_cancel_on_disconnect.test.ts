/**
 * Cancel on disconnect, end to end over real sockets: a session that logs in with cancelOnDisconnect
 * leaves a CANCEL_ALL_ORDERS behind when its connection closes, applied (and journaled) like any
 * command: its principal's resting orders and waiting stops are cancelled and their reservations
 * released. Another principal's orders, and those of a session without the option, stay.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RinglineClient } from '../client/ringline_client.ts';
import type { CommandJson } from '../codec/types/command_json.ts';
import type { ResponseJson } from '../codec/types/response_json.ts';
import { ADMIN_KEY, must, startE2eServer, type CommandChannel, type E2eServer } from './test_support/e2e_harness.ts';

const BASE = 1;
const QUOTE = 2;
const SYMBOL = 1;

async function orderStatus(channel: CommandChannel, orderId: number): Promise<string> {
  const r = await must(channel, { type: 'getOrder', symbolId: SYMBOL, orderId });
  if (r.result?.type !== 'orderInfo') throw new Error(`getOrder returned ${JSON.stringify(r.result)}`);
  return r.result.orderStatus;
}

/** Polls until `check` holds (generous deadline: the machine may be loaded). */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('cancel on disconnect', () => {
  let e2e: E2eServer;
  let admin: CommandChannel;

  beforeAll(async () => {
    e2e = await startE2eServer({});
    admin = await e2e.connect('tcp', ADMIN_KEY);
    await must(admin, { type: 'createAsset', assetId: BASE });
    await must(admin, { type: 'createAsset', assetId: QUOTE });
    await must(admin, { type: 'createSymbol', symbolId: SYMBOL, baseAssetId: BASE, quoteAssetId: QUOTE, tickSize: 1, lotSize: 1 });
  });

  afterAll(async () => {
    await admin?.close();
    await e2e?.stop();
  });

  for (const transport of ['tcp', 'ws'] as const) {
    it(`over ${transport}: closing the session cancels its principal's orders and stops, nobody else's`, async () => {
      const trader = e2e.addPrincipal(`trader-${transport}`);
      const other = e2e.addPrincipal(`other-${transport}`);
      const account = transport === 'tcp' ? 100 : 200;
      const otherAccount = account + 1;
      const url = transport === 'tcp' ? e2e.tcpUrl : e2e.wsUrl;
      const client = await RinglineClient.connect({ url, apiKey: trader.key, cancelOnDisconnect: true, reconnect: false });
      const send = (command: CommandJson): Promise<ResponseJson> => client.send(command);
      const otherChannel = await e2e.connect(transport, other.key);
      expect((await send({ type: 'createAccount', accountId: account })).status).toBe('OK');
      await must(otherChannel, { type: 'createAccount', accountId: otherAccount });
      await must(admin, { type: 'deposit', accountId: account, assetId: QUOTE, amount: 10_000 });
      await must(admin, { type: 'deposit', accountId: account, assetId: BASE, amount: 100 });
      await must(admin, { type: 'deposit', accountId: otherAccount, assetId: QUOTE, amount: 10_000 });
      const bid = await send({ type: 'placeOrder', symbolId: SYMBOL, accountId: account, side: 'buy', price: 50, quantity: 10 });
      const stop = await send({ type: 'placeStopOrder', symbolId: SYMBOL, accountId: account, side: 'sell', orderType: 'stop_market',
        timeInForce: 'ioc', stopPrice: 40, quantity: 5 });
      const otherBid = await must(otherChannel, { type: 'placeOrder', symbolId: SYMBOL, accountId: otherAccount, side: 'buy', price: 45, quantity: 10 });
      expect([bid.status, stop.status]).toEqual(['OK', 'OK']);
      expect(stop.result?.type === 'order' && stop.result.orderStatus).toBe('pending');
      expect(await orderStatus(admin, bid.sequence)).toBe('resting');

      await client.close();

      await eventually(async () => (await orderStatus(admin, bid.sequence)) === 'cancelled', 'the resting bid to be cancelled');
      expect(await orderStatus(admin, stop.sequence)).toBe('cancelled');
      const quote = await must(admin, { type: 'getBalance', accountId: account, assetId: QUOTE });
      const base = await must(admin, { type: 'getBalance', accountId: account, assetId: BASE });
      expect(quote.result).toEqual({ type: 'balance', available: 10_000, reserved: 0 });
      expect(base.result).toEqual({ type: 'balance', available: 100, reserved: 0 });
      // The other principal's order rests on; so does its session, which did not ask for the option.
      expect(await orderStatus(admin, otherBid.sequence)).toBe('resting');
      await otherChannel.close();
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await orderStatus(admin, otherBid.sequence)).toBe('resting');
    });
  }
});
