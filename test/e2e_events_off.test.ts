/**
 * An engine started with events off (engine option events: false, `ringline start --events off`):
 * commands work as before; every event consumer gets EVENTS_DISABLED (240) with a message instead of a
 * silent stream — a subscription over WebSocket and over TCP, and the history routes. Restarted on the
 * same data directory with events on, a subscriber from the start receives the events of the commands
 * applied while they were off: events are rebuilt from the journal.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EventSubscription, EventSubscriptionError } from '../client/event_subscription.ts';
import type { RinglineEvent } from '../codec/records/event_decoder.ts';
import { ResultCode } from '../codec/result_codes.ts';
import { collect, until } from './test_support/event_collector.ts';
import { ADMIN_KEY, must, startE2eServer, type E2eServer } from './test_support/e2e_harness.ts';

/** The code the subscription ended with (it must end: EVENTS_DISABLED is not worth reconnecting for). */
async function refusalCode(options: Parameters<typeof EventSubscription.open>[0]): Promise<{ code: number; message: string }> {
  const sub = EventSubscription.open(options);
  try {
    for await (const event of sub) throw new Error(`unexpected event ${event.kind}`);
  } catch (error) {
    if (!(error instanceof EventSubscriptionError)) throw error;
    return { code: error.code, message: error.message };
  }
  throw new Error('the subscription ended without a refusal');
}

describe('engine with events off', () => {
  const servers: E2eServer[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'ringline-events-off-'));
  afterAll(async () => {
    for (const server of servers) await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses subscriptions (WS, TCP) and history with EVENTS_DISABLED; events on again rebuilds them from the journal', async () => {
    const off = await startE2eServer({ durability: 'batch', dataDir, engine: { events: false }, gateway: { eventsTcpPort: 0 } });
    servers.push(off);
    const admin = await off.connect('tcp', ADMIN_KEY);
    await must(admin, { type: 'createAsset', assetId: 1 });
    await must(admin, { type: 'createAccount', accountId: 10 });
    await must(admin, { type: 'createAccount', accountId: 20 });
    await must(admin, { type: 'deposit', accountId: 10, assetId: 1, amount: 500 });
    const moved = await must(admin, { type: 'transfer', fromAccountId: 10, toAccountId: 20, assetId: 1, amount: 120 });
    await admin.close();

    for (const url of [off.wsUrl, `tcp://127.0.0.1:${off.server.eventsTcpPort}`]) {
      const refused = await refusalCode({ url, apiKey: ADMIN_KEY, stream: 'all', from: 'start' });
      expect(refused.code, url).toBe(ResultCode.EVENTS_DISABLED);
      expect(refused.message, url).toContain('events off');
    }
    const history = await fetch(`${off.httpUrl}/v1/accounts/10/orders`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(history.status).toBe(501);
    const body = await history.json() as { code: number; name: string; message: string };
    expect(body.code).toBe(ResultCode.EVENTS_DISABLED);
    expect(body.name).toBe('EVENTS_DISABLED');
    expect(body.message).toContain('events off');
    await off.stop();
    servers.pop();

    // The same journal with events on (the default): the transfer's events are there.
    const on = await startE2eServer({ durability: 'batch', dataDir });
    servers.push(on);
    const sub = EventSubscription.open({ url: on.wsUrl, apiKey: ADMIN_KEY, stream: 'all', from: 'start' });
    const seen: RinglineEvent[] = collect(sub);
    await until('the transfer made while events were off', () => seen.some((e) => e.kind === 'transferred'));
    sub.close();
    const transferred = seen.find((e) => e.kind === 'transferred')!;
    expect(transferred.sequence).toBe(moved.sequence);
    expect(transferred).toMatchObject({ fromAccountId: 10, toAccountId: 20, assetId: 1, amount: 120 });
    const balances = seen.filter((e) => e.kind === 'balance_changed' && e.sequence === moved.sequence);
    expect(balances.map((e) => e.kind === 'balance_changed' ? [e.accountId, e.available] : [])).toEqual([[10, 380], [20, 120]]);
  });
});
