/**
 * A retention far smaller than a burst (64 events): releases can be evicted before the deferred
 * fan-out routes them; live subscribers then catch up alone (journal replay) — still no gap and no
 * duplicate, in order, for a subscriber to everything and for a private one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventSubscription } from '../client/event_subscription.ts';
import { collect, positionKey, until } from './test_support/event_collector.ts';
import { ADMIN_KEY, must, startE2eServer, type CommandChannel, type E2eServer } from './test_support/e2e_harness.ts';

describe('event fan-out with a retention smaller than a burst', () => {
  let e2e: E2eServer;
  let admin: CommandChannel;

  beforeAll(async () => {
    e2e = await startE2eServer({ durability: 'fsync', engine: { eventRetentionEvents: 64 }, gateway: { eventsTcpPort: 0 } });
    admin = await e2e.connect('tcp', ADMIN_KEY, 4096);
    await must(admin, { type: 'createAsset', assetId: 1 });
    await must(admin, { type: 'createAccount', accountId: 7 });
  });

  afterAll(async () => {
    await admin?.close();
    await e2e?.stop();
  });

  it('every deposit arrives once, in order, whether routed live or caught up from the journal', async () => {
    const url = `tcp://127.0.0.1:${e2e.server.eventsTcpPort}`;
    const all = EventSubscription.open({ url, apiKey: ADMIN_KEY, stream: 'all' });
    const seen = collect(all);
    await until('live', () => all.position !== null);
    const count = 3000;
    const replies = Array.from({ length: count }, () => admin.send({ type: 'deposit', accountId: 7, assetId: 1, amount: 1 }));
    const last = (await Promise.all(replies)).at(-1) as { sequence: number };
    await until('the last deposit', () => seen.some((e) => e.sequence === last.sequence));
    all.close();
    const keys = seen.map(positionKey);
    expect(new Set(keys).size).toBe(keys.length);
    const balances = seen.filter((e) => e.kind === 'balance_changed').map((e) => (e as { available: number }).available);
    expect(balances).toEqual(Array.from({ length: count }, (_, i) => i + 1));
  });
});
