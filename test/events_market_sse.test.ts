/**
 * Market data, Server-Sent Events and the client's bounded queue, against the real engine and gateway
 * over real sockets: a market subscriber gets trades and a DEPTH frame only when its top N levels
 * change (over WebSocket and TCP, the book seeded by GET_DEPTH before it subscribed); a browser-style
 * SSE client (plain HTTP) receives its events, resumes with Last-Event-ID without gap or duplicate, is
 * refused with HTTP errors, and is closed with SLOW_CONSUMER when it does not read; a client whose
 * application does not keep up drops its connection at maxQueuedEvents and resumes without a gap.
 */
import { request, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventSubscription } from '../client/event_subscription.ts';
import type { RinglineEvent } from '../codec/records/event_decoder.ts';
import { ResultCode } from '../codec/result_codes.ts';
import { ClosingFrame, EventFrameType, MAX_DEPTH_LEVELS, encodeSubscribe, type DepthUpdate } from '../codec/wire/event_frame_descriptor.ts';
import { collect, until } from './test_support/event_collector.ts';
import { ADMIN_KEY, must, type E2eServer } from './test_support/e2e_harness.ts';
import { BASE, QUOTE, SYMBOL, startEventWorld, type EventWorld } from './test_support/event_world.ts';


interface SseMessage { readonly id: string | null; readonly event: string; readonly data: string }

/** A plain HTTP reader of an SSE stream (what a browser's EventSource does, without its retries). */
class SseReader {
  readonly messages: SseMessage[] = [];
  ended = false;
  status = 0;
  body = '';
  private text = '';
  private constructor(readonly response: IncomingMessage) {
    this.status = response.statusCode ?? 0;
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => this.take(chunk));
    response.on('end', () => { this.ended = true; });
    response.on('close', () => { this.ended = true; });
  }

  static open(url: string, headers: Record<string, string> = {}): Promise<SseReader> {
    return new Promise((resolve, reject) => {
      const req = request(url, { headers }, (response) => resolve(new SseReader(response)));
      req.on('error', reject);
      req.end();
    });
  }

  private take(chunk: string): void {
    if (this.status !== 200) {
      this.body += chunk;
      return;
    }
    this.text += chunk;
    let end: number;
    while ((end = this.text.indexOf('\n\n')) >= 0) {
      const block = this.text.slice(0, end);
      this.text = this.text.slice(end + 2);
      let id: string | null = null;
      let event = 'message';
      let data = '';
      for (const line of block.split('\n')) {
        if (line.startsWith('id: ')) id = line.slice(4);
        else if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data = line.slice(6);
      }
      if (data !== '' || id !== null) this.messages.push({ id, event, data });
    }
  }

  events(): (RinglineEvent & { id: string })[] {
    return this.messages.filter((m) => m.id !== null && m.event !== 'progress').map((m) => ({ ...(JSON.parse(m.data) as RinglineEvent), id: m.id as string }));
  }

  close(): void {
    this.response.destroy();
  }
}

describe('market depth, SSE and the bounded client queue end to end', () => {
  let world: EventWorld<'maker' | 'taker' | 'watcher'>;
  let e2e: E2eServer;
  let eventsTcpUrl: string;
  let people: EventWorld<'maker' | 'taker' | 'watcher'>['people'];

  beforeAll(async () => {
    world = await startEventWorld({ maker: 100, taker: 200, watcher: 300 });
    ({ e2e, eventsTcpUrl, people } = world);
  });

  afterAll(async () => {
    await world?.stop();
  });


  const order = (who: 'maker' | 'taker', side: 'buy' | 'sell', price: number, quantity: number, timeInForce: 'gtc' | 'ioc' = 'gtc'): Promise<unknown> =>
    must(people[who].channel, { type: 'placeOrder', symbolId: SYMBOL, accountId: people[who].account, side, orderType: 'limit', timeInForce, price, quantity });

  it('market stream: trades, and top-N depth only when the top N changed, over WebSocket and TCP', async () => {
    // A book that exists before anyone subscribes: the server seeds its copy with GET_DEPTH.
    await order('maker', 'buy', 100, 5);
    await order('maker', 'buy', 99, 4);
    await order('maker', 'buy', 98, 3);
    await order('maker', 'sell', 110, 2);
    const depths: Record<'ws' | 'tcp', DepthUpdate[]> = { ws: [], tcp: [] };
    const subs = {
      ws: EventSubscription.open({ url: e2e.wsUrl, apiKey: people.watcher.key, stream: 'market', symbolId: SYMBOL, depthLevels: 2,
        onDepth: (d) => depths.ws.push(d) }),
      tcp: EventSubscription.open({ url: eventsTcpUrl, apiKey: people.watcher.key, stream: 'market', symbolId: SYMBOL, depthLevels: 2,
        onDepth: (d) => depths.tcp.push(d) }),
    };
    const trades = { ws: collect(subs.ws), tcp: collect(subs.tcp) };
    const top = (d: DepthUpdate | undefined): unknown => d === undefined ? null : { bids: d.bids, asks: d.asks };
    for (const t of ['ws', 'tcp'] as const) await until(`the first depth over ${t}`, () => depths[t].length > 0);
    for (const t of ['ws', 'tcp'] as const) expect(top(depths[t][0])).toEqual({ bids: [[100, 5], [99, 4]], asks: [[110, 2]] });

    await order('maker', 'buy', 97, 1); // rank 3: outside the top 2, no depth frame
    await order('taker', 'sell', 100, 2, 'ioc'); // a trade: level 100 goes 5 -> 3
    for (const t of ['ws', 'tcp'] as const) await until(`the depth after the first trade over ${t}`, () => depths[t].length >= 2);
    await order('taker', 'sell', 99, 7, 'ioc'); // takes 100 (3) and 99 (4): 98 and 97 move up
    for (const t of ['ws', 'tcp'] as const) {
      await until(`three trades over ${t}`, () => trades[t].length >= 3);
      await until(`the depth after the sweep over ${t}`, () => JSON.stringify(top(depths[t].at(-1))) === JSON.stringify({ bids: [[98, 3], [97, 1]], asks: [[110, 2]] }));
      expect(depths[t].map(top)).toEqual([
        { bids: [[100, 5], [99, 4]], asks: [[110, 2]] },
        { bids: [[100, 3], [99, 4]], asks: [[110, 2]] },
        { bids: [[98, 3], [97, 1]], asks: [[110, 2]] },
      ]);
      expect(trades[t].map((e) => e.kind === 'fill' && [e.price, e.quantity, e.makerAccountId, e.takerAccountId, e.principalId]))
        .toEqual([[100, 2, 0, 0, 0], [100, 3, 0, 0, 0], [99, 4, 0, 0, 0]]);
    }
    for (const sub of Object.values(subs)) sub.close();
  });

  it('refuses depthLevels out of range with a clear message, in the client and on the wire', async () => {
    expect(() => EventSubscription.open({ url: eventsTcpUrl, apiKey: people.watcher.key, stream: 'market', symbolId: SYMBOL, depthLevels: MAX_DEPTH_LEVELS + 1 }))
      .toThrow(`depthLevels must be an integer 0..${MAX_DEPTH_LEVELS}, got ${MAX_DEPTH_LEVELS + 1}`);
    expect(() => EventSubscription.open({ url: eventsTcpUrl, apiKey: people.watcher.key, maxQueuedEvents: 0 })).toThrow(/maxQueuedEvents must be an integer 1\.\./);
    const socket = connect({ host: '127.0.0.1', port: e2e.server.eventsTcpPort });
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const frame = encodeSubscribe({ stream: 'market', symbolId: SYMBOL, afterSequence: -1, afterIndex: 0, key: people.watcher.key, depthLevels: 11 });
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32LE(frame.byteLength);
    socket.write(Buffer.concat([prefix, frame]));
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const bytes = Buffer.concat(chunks);
    expect(bytes[4]).toBe(EventFrameType.CLOSING);
    expect(bytes.readUInt16LE(4 + ClosingFrame.CODE)).toBe(ResultCode.MALFORMED_FRAME);
    expect(bytes.subarray(4 + ClosingFrame.BYTES).toString()).toBe(`depthLevels must be 0 (trades only) .. ${MAX_DEPTH_LEVELS}, got 11`);
  });

  it('SSE: events with (sequence:index) ids, resume with Last-Event-ID without gap or duplicate, HTTP refusals', async () => {
    const sse = `${e2e.httpUrl}/v1/events/sse`;
    expect((await SseReader.open(`${sse}?key=rk_1_wrongwrongwrong`)).status).toBe(401);
    expect((await SseReader.open(`${sse}?stream=all`, { 'x-api-key': people.watcher.key })).status).toBe(403);
    const badDepth = await SseReader.open(`${sse}?stream=market&symbolId=${SYMBOL}&depthLevels=11&key=${people.watcher.key}`);
    expect(badDepth.status).toBe(400);
    await until('the refusal body', () => badDepth.ended);
    expect(JSON.parse(badDepth.body)).toMatchObject({ code: ResultCode.INVALID_FIELD_VALUE, detail: `depthLevels must be an integer 0..${MAX_DEPTH_LEVELS}, got 11` });

    const first = await SseReader.open(`${sse}?stream=private&key=${people.maker.key}`);
    expect(first.status).toBe(200);
    expect(first.response.headers['content-type']).toBe('text/event-stream');
    await until('the first progress', () => first.messages.some((m) => m.event === 'progress'));
    const transfer = (amount: number): Promise<{ sequence: number }> => must(people.maker.channel, {
      type: 'transfer', fromAccountId: people.maker.account, toAccountId: people.taker.account, assetId: QUOTE, amount }) as Promise<{ sequence: number }>;
    for (let i = 1; i <= 10; i++) await transfer(i);
    await until('ten transfers over SSE', () => first.events().filter((e) => e.kind === 'transferred').length === 10);
    const part1 = first.events();
    for (const e of part1) expect(e.id).toBe(`${e.sequence}:${e.index}`);
    expect(part1.every((e) => e.principalId === people.maker.id || e.counterpartyPrincipalId === people.maker.id)).toBe(true);
    const lastId = first.messages.filter((m) => m.id !== null).at(-1)?.id as string;
    first.close();
    for (let i = 11; i <= 20; i++) await transfer(i);
    const second = await SseReader.open(`${sse}?stream=private&from=live&key=${people.maker.key}`, { 'last-event-id': lastId });
    const last = await transfer(21);
    await until('the resumed stream to reach the last transfer', () => second.events().some((e) => e.sequence === last.sequence));
    second.close();
    const all = [...part1, ...second.events()];
    const ids = all.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(all.filter((e) => e.kind === 'transferred').map((e) => (e as { amount: number }).amount)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
  });

  it('SSE: a reader that does not read is closed with SLOW_CONSUMER; the engine goes on', async () => {
    const slowBefore = e2e.server.events!.stats.slowConsumerDisconnects;
    const reader = await SseReader.open(`${e2e.httpUrl}/v1/events/sse?stream=all&key=${ADMIN_KEY}`);
    reader.response.pause();
    const batch = await e2e.connect('tcp', ADMIN_KEY, 4096);
    let sent = 0;
    while (e2e.server.events!.stats.slowConsumerDisconnects === slowBefore) {
      const deposits: Promise<unknown>[] = [];
      for (let i = 0; i < 2000; i++, sent++) deposits.push(batch.send({ type: 'deposit', accountId: people.watcher.account, assetId: BASE, amount: 1 }));
      await Promise.all(deposits);
      if (sent > 400_000) throw new Error('the paused SSE reader was never disconnected');
    }
    await must(batch, { type: 'deposit', accountId: people.watcher.account, assetId: BASE, amount: 1 });
    await batch.close();
    reader.response.resume();
    await until('the slow SSE stream to end', () => reader.ended);
    const closing = reader.messages.at(-1);
    expect(closing?.event).toBe('closing');
    expect(JSON.parse(closing?.data ?? '{}')).toMatchObject({ code: ResultCode.SLOW_CONSUMER, name: 'SLOW_CONSUMER' });
  });

  it('client: past maxQueuedEvents the connection is dropped and resumed once the application caught up, no gap, no duplicate', async () => {
    const sub = EventSubscription.open({ url: eventsTcpUrl, apiKey: people.taker.key, maxQueuedEvents: 5 });
    await until('live', () => sub.position !== null);
    const iterator = sub[Symbol.asyncIterator]();
    const transfer = (amount: number): Promise<{ sequence: number }> => must(people.maker.channel, {
      type: 'transfer', fromAccountId: people.maker.account, toAccountId: people.taker.account, assetId: BASE, amount }) as Promise<{ sequence: number }>;
    await transfer(1);
    const taken: RinglineEvent[] = [(await iterator.next()).value as RinglineEvent];
    let last = { sequence: 0 };
    for (let i = 2; i <= 40; i++) last = await transfer(i);
    await until('an overflow', () => sub.overflows >= 1);
    expect(sub.queued).toBeLessThanOrEqual(5);
    while (!taken.some((e) => e.sequence === last.sequence && e.kind === 'transferred')) taken.push((await iterator.next()).value as RinglineEvent);
    expect(sub.connections).toBeGreaterThanOrEqual(2);
    const keys = taken.map((e) => `${e.sequence}:${e.index}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(taken.filter((e) => e.kind === 'transferred').map((e) => (e as { amount: number }).amount)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    sub.close();
  });
});
