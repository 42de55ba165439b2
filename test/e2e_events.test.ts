/**
 * Event subscriptions against the real engine and gateway over real sockets: a maker learns of its
 * fill over WebSocket and over TCP; a principal never sees another's private events; a subscriber
 * that resumes from its position after a disconnect misses nothing and gets nothing twice; the events
 * a journal replay rebuilds equal the events delivered live; a subscriber that does not read is
 * disconnected with SLOW_CONSUMER while another keeps receiving everything.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventSubscription, type EventSubscriptionError } from '../client/event_subscription.ts';
import type { RinglineEvent } from '../codec/records/event_decoder.ts';
import { decodeEvent } from '../codec/records/event_decoder.ts';
import { EVT_RECORD_BYTES } from '../codec/records/event_descriptor.ts';
import { ResultCode } from '../codec/result_codes.ts';
import { AFTER_ALL_OF_COMMAND, ClosingFrame, EventsFrame, EventFrameType, encodeSubscribe } from '../codec/wire/event_frame_descriptor.ts';
import { replayEvents } from '../replay/event_replay.ts';
import { collect, positionKey, until } from './test_support/event_collector.ts';
import { ADMIN_KEY, must, type CommandChannel, type E2eServer } from './test_support/e2e_harness.ts';
import { BASE, QUOTE, SYMBOL, startEventWorld, type EventWorld } from './test_support/event_world.ts';




const key = positionKey;

describe('event subscriptions end to end', () => {
  let world: EventWorld<'maker' | 'taker' | 'outsider'>;
  let e2e: E2eServer;
  let admin: CommandChannel;
  let eventsTcpUrl: string;
  let people: EventWorld<'maker' | 'taker' | 'outsider'>['people'];

  beforeAll(async () => {
    world = await startEventWorld({ maker: 100, taker: 200, outsider: 300 });
    ({ e2e, admin, eventsTcpUrl, people } = world);
  });

  afterAll(async () => {
    await world?.stop();
  });


  it('a maker receives its fill over WebSocket and over TCP; the outsider receives nothing', async () => {
    const subs = {
      makerWs: EventSubscription.open({ url: e2e.wsUrl, apiKey: people.maker.key }),
      makerTcp: EventSubscription.open({ url: eventsTcpUrl, apiKey: people.maker.key }),
      taker: EventSubscription.open({ url: eventsTcpUrl, apiKey: people.taker.key }),
      outsider: EventSubscription.open({ url: e2e.wsUrl, apiKey: people.outsider.key }),
      market: EventSubscription.open({ url: e2e.wsUrl, apiKey: people.outsider.key, stream: 'market', symbolId: SYMBOL }),
    };
    const seen = Object.fromEntries(Object.entries(subs).map(([name, sub]) => [name, collect(sub)])) as Record<keyof typeof subs, RinglineEvent[]>;
    await until('every subscription to be live', () => Object.values(subs).every((s) => s.position !== null));

    const rest = await must(people.maker.channel, { type: 'placeOrder', symbolId: SYMBOL, accountId: people.maker.account, side: 'sell',
      orderType: 'limit', timeInForce: 'gtc', price: 500, quantity: 7 });
    const hit = await must(people.taker.channel, { type: 'placeOrder', symbolId: SYMBOL, accountId: people.taker.account, side: 'buy',
      orderType: 'limit', timeInForce: 'ioc', price: 600, quantity: 7 });
    const makerOrderId = rest.sequence;

    for (const name of ['makerWs', 'makerTcp'] as const) {
      await until(`the maker's fill over ${name}`, () => seen[name].some((e) => e.kind === 'fill'));
      const fill = seen[name].find((e) => e.kind === 'fill');
      expect(fill).toMatchObject({ kind: 'fill', sequence: hit.sequence, price: 500, quantity: 7, makerOrderId, makerAccountId: people.maker.account,
        // The counterparty's ids are not the maker's business.
        takerOrderId: 0, takerAccountId: 0, principalId: 0, counterpartyPrincipalId: people.maker.id });
      await until(`the maker's order done over ${name}`, () => seen[name].some((e) => e.kind === 'order_done' && e.orderId === makerOrderId));
    }
    expect(seen.makerWs.map(key)).toEqual(seen.makerTcp.map(key));
    await until('the taker\'s fill', () => seen.taker.some((e) => e.kind === 'fill'));
    expect(seen.taker.find((e) => e.kind === 'fill')).toMatchObject({ makerOrderId: 0, makerAccountId: 0, takerAccountId: people.taker.account });
    await until('the public trade', () => seen.market.some((e) => e.kind === 'fill'));
    expect(seen.market.filter((e) => e.kind === 'fill'))
      .toMatchObject([{ kind: 'fill', price: 500, quantity: 7, makerOrderId: 0, takerOrderId: 0, makerAccountId: 0, takerAccountId: 0, principalId: 0, counterpartyPrincipalId: 0 }]);
    // Trades only: nothing else of the symbol's activity is an event on the market stream.
    expect(seen.market.every((e) => e.kind === 'fill')).toBe(true);

    // Every private event a principal received is its own; the outsider, up to date past the trade, got none.
    for (const [name, person] of [['makerWs', people.maker], ['makerTcp', people.maker], ['taker', people.taker]] as const) {
      expect(seen[name].every((e) => e.principalId === person.id || e.counterpartyPrincipalId === person.id)).toBe(true);
    }
    await until('the outsider to be up to date past the trade', () => (subs.outsider.position?.sequence ?? 0) >= hit.sequence);
    expect(seen.outsider).toEqual([]);
    for (const sub of Object.values(subs)) sub.close();
  });

  it('resumes after a disconnect from its position: no gap, no duplicate (checked against the admin stream)', async () => {
    const all = EventSubscription.open({ url: eventsTcpUrl, apiKey: ADMIN_KEY, stream: 'all', from: 'start' });
    const everything = collect(all);
    const first = EventSubscription.open({ url: e2e.wsUrl, apiKey: people.maker.key, from: 'start' });
    const part1 = collect(first);
    const transfer = (amount: number): Promise<unknown> => must(people.maker.channel, {
      type: 'transfer', fromAccountId: people.maker.account, toAccountId: people.taker.account, assetId: QUOTE, amount });
    for (let i = 1; i <= 20; i++) await transfer(i);
    await until('the first part', () => part1.filter((e) => e.kind === 'transferred').length === 20);
    first.close();
    const position = first.position!;
    for (let i = 21; i <= 40; i++) await transfer(i);
    const second = EventSubscription.open({ url: eventsTcpUrl, apiKey: people.maker.key, from: position });
    const part2 = collect(second);
    const last = await transfer(41) as { sequence: number };
    // Up to date through the last transfer: the server says so (position), and its event is here.
    await until('the second part', () => (second.position?.sequence ?? 0) >= last.sequence && second.position?.index === AFTER_ALL_OF_COMMAND);
    expect(part2.some((e) => e.kind === 'transferred' && e.sequence === last.sequence)).toBe(true);
    await until('the admin stream', () => everything.some((e) => e.sequence >= last.sequence));
    second.close();
    all.close();

    const resumed = [...part1, ...part2].map(key);
    expect(new Set(resumed).size).toBe(resumed.length);
    const makerOnly = everything.filter((e) => (e.principalId === people.maker.id || e.counterpartyPrincipalId === people.maker.id)
      && e.sequence <= last.sequence).map(key);
    expect(resumed.filter((k) => Number(k.split(':')[0]) <= last.sequence)).toEqual(makerOnly);
    expect(part2.filter((e) => e.kind === 'transferred').map((e) => (e as { amount: number }).amount).slice(0, 21))
      .toEqual(Array.from({ length: 21 }, (_, i) => 21 + i));
  });

  it('a journal replay rebuilds exactly the events delivered live', async () => {
    const all = EventSubscription.open({ url: e2e.wsUrl, apiKey: ADMIN_KEY, stream: 'all', from: 'start' });
    const live = collect(all);
    const marker = await must(admin, { type: 'deposit', accountId: people.outsider.account, assetId: BASE, amount: 1 });
    await until('the live stream to reach the marker', () => live.some((e) => e.sequence === marker.sequence));
    all.close();
    const replayed: RinglineEvent[] = [];
    replayEvents({ dataDir: e2e.dataDir, logic: e2e.engine.events!.logic, afterSequence: 0, afterIndex: AFTER_ALL_OF_COMMAND,
      throughSequence: marker.sequence, throughIndex: AFTER_ALL_OF_COMMAND }, (records) => {
      for (let at = 0; at < records.byteLength; at += EVT_RECORD_BYTES) replayed.push(decodeEvent(records, at));
    });
    expect(replayed.length).toBeGreaterThan(50);
    expect(replayed).toEqual(live.filter((e) => e.sequence <= marker.sequence));
  });

  it('refuses a wrong key, the all stream for a non-admin, a malformed frame, and silence, each with its code', async () => {
    const refusal = async (options: Parameters<typeof EventSubscription.open>[0]): Promise<number> => {
      const sub = EventSubscription.open(options);
      try {
        for await (const event of sub) throw new Error(`unexpected event ${event.kind}`);
      } catch (error) {
        return (error as EventSubscriptionError).code;
      }
      return -1;
    };
    expect(await refusal({ url: eventsTcpUrl, apiKey: 'rk_9_wrongwrongwrongwrong' })).toBe(ResultCode.BAD_CREDENTIALS);
    expect(await refusal({ url: e2e.wsUrl, apiKey: people.outsider.key, stream: 'all' })).toBe(ResultCode.ADMIN_REQUIRED);
    const closingOf = async (send: Buffer | null): Promise<number> => {
      const socket = connect({ host: '127.0.0.1', port: e2e.server.eventsTcpPort });
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      if (send !== null) socket.write(send);
      await new Promise<void>((resolve) => socket.once('close', () => resolve()));
      const bytes = Buffer.concat(chunks);
      return bytes[4] === EventFrameType.CLOSING ? bytes.readUInt16LE(4 + ClosingFrame.CODE) : -1;
    };
    expect(await closingOf(Buffer.from([8, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8]))).toBe(ResultCode.MALFORMED_FRAME);
    expect(await closingOf(Buffer.from([0xff, 0xff, 0xff, 0x7f]))).toBe(ResultCode.FRAME_TOO_LARGE);
    expect(await closingOf(null)).toBe(ResultCode.LOGIN_TIMEOUT);
  });

  it('a subscriber that does not read is disconnected with SLOW_CONSUMER; another receives everything', async () => {
    const keeper = EventSubscription.open({ url: eventsTcpUrl, apiKey: ADMIN_KEY, stream: 'all' });
    const kept = collect(keeper);
    await until('the keeper to be live', () => keeper.position !== null);
    const slowBefore = e2e.server.events!.stats.slowConsumerDisconnects;
    // A raw subscriber that stops reading at once.
    const socket = connect({ host: '127.0.0.1', port: e2e.server.eventsTcpPort });
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const subscribe = encodeSubscribe({ stream: 'all', afterSequence: -1, afterIndex: AFTER_ALL_OF_COMMAND, symbolId: 0, key: ADMIN_KEY });
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32LE(subscribe.byteLength);
    socket.write(Buffer.concat([prefix, subscribe]));
    socket.pause();
    const chunks: Buffer[] = [];
    let socketClosed = false;
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', () => { socketClosed = true; });

    const batch = await e2e.connect('tcp', ADMIN_KEY, 4096);
    const deposits: Promise<unknown>[] = [];
    let sent = 0;
    while (e2e.server.events!.stats.slowConsumerDisconnects === slowBefore) {
      for (let i = 0; i < 2000; i++, sent++) deposits.push(batch.send({ type: 'deposit', accountId: people.outsider.account, assetId: BASE, amount: 1 }));
      await Promise.all(deposits.splice(0));
      if (sent > 400_000) throw new Error('the paused subscriber was never disconnected');
    }
    const last = await must(batch, { type: 'deposit', accountId: people.outsider.account, assetId: BASE, amount: 1 });
    await batch.close();
    socket.resume(); // read what the server sent before it gave up: the last frame says why
    await until('the slow socket to close', () => socketClosed);
    const bytes = Buffer.concat(chunks);
    let at = 0;
    let closingCode = -1;
    while (at + 4 <= bytes.byteLength) {
      const length = bytes.readUInt32LE(at);
      if (at + 4 + length > bytes.byteLength) break;
      if (bytes[at + 4] === EventFrameType.CLOSING) closingCode = bytes.readUInt16LE(at + 4 + ClosingFrame.CODE);
      else if (bytes[at + 4] === EventFrameType.EVENTS) expect(length).toBe(EventsFrame.BYTES + bytes.readUInt32LE(at + 4 + EventsFrame.COUNT) * EVT_RECORD_BYTES);
      at += 4 + length;
    }
    expect(closingCode).toBe(ResultCode.SLOW_CONSUMER);
    // The keeper, reading, got every deposit, in order, without a gap.
    await until('the keeper to reach the last deposit', () => kept.some((e) => e.sequence === last.sequence));
    const deposited = kept.filter((e) => e.kind === 'balance_changed' && e.accountId === people.outsider.account && e.assetId === BASE);
    expect(deposited.length).toBe(sent + 1);
    for (let i = 1; i < deposited.length; i++) expect((deposited[i] as { available: number }).available - (deposited[i - 1] as { available: number }).available).toBe(1);
    keeper.close();
  });
});
