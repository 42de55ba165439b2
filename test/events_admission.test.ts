/**
 * Event connections that have not sent their SUBSCRIBE are bounded like command connections that have
 * not logged in (gateway/event_admission.ts), over the TCP event port and WebSocket /v1/events alike:
 * one source address gets maxPreLoginConnectionsPerAddress of them, and a full pool
 * (maxPreLoginConnections) closes its oldest to admit a newer one, both with TOO_MANY_UNAUTHENTICATED.
 * A subscribed connection never counts, so a flood of idle ones cannot close it, and a client with a
 * key still gets in. Real engine, real sockets; the sources are distinct loopback addresses.
 */
import { createRequire } from 'node:module';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventSubscription } from '../client/event_subscription.ts';
import { ResultCode } from '../codec/result_codes.ts';
import { ClosingFrame, EventFrameType } from '../codec/wire/event_frame_descriptor.ts';
import { ADMIN_KEY, startE2eServer, type E2eServer } from './test_support/e2e_harness.ts';
import { until } from './test_support/event_collector.ts';

const MAX_PRE_LOGIN = 6;
const MAX_PER_ADDRESS = 3;
/** Close code of a WebSocket event route refusal: 4000 + the ResultCode. */
const WS_TOO_MANY_UNAUTHENTICATED = 4000 + ResultCode.TOO_MANY_UNAUTHENTICATED;

interface WsLike {
  on(event: 'open' | 'close' | 'error', listener: (...args: never[]) => void): void;
  terminate(): void;
}
type WsCtor = new (url: string, options: { localAddress: string }) => WsLike;
const Ws = createRequire(import.meta.url)('ws') as WsCtor;

/** An event connection that never subscribes; it records how it ended. */
interface IdleConnection {
  readonly from: string;
  closed: boolean;
  /** The CLOSING frame's code (TCP) or the close code (WebSocket); -1 until known or when none came. */
  code: number;
  close(): void;
}

function idleTcp(port: number, from: string): Promise<IdleConnection> {
  const socket: Socket = connect({ host: '127.0.0.1', port, localAddress: from });
  const chunks: Buffer[] = [];
  const idle: IdleConnection = { from, closed: false, code: -1, close: () => socket.destroy() };
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => { /* close follows */ });
  socket.on('close', () => {
    const bytes = Buffer.concat(chunks);
    if (bytes.byteLength >= 4 + ClosingFrame.CODE + 2 && bytes[4] === EventFrameType.CLOSING) idle.code = bytes.readUInt16LE(4 + ClosingFrame.CODE);
    idle.closed = true;
  });
  return new Promise((resolve) => socket.once('connect', () => resolve(idle)));
}

function idleWs(wsUrl: string, from: string): Promise<IdleConnection> {
  const ws = new Ws(`${wsUrl}v1/events`, { localAddress: from });
  const idle: IdleConnection = { from, closed: false, code: -1, close: () => ws.terminate() };
  ws.on('error', () => { /* close follows */ });
  ws.on('close', (code: number) => { idle.code = code; idle.closed = true; });
  return new Promise((resolve) => ws.on('open', () => resolve(idle)));
}

describe('event connections that have not subscribed', () => {
  let e2e: E2eServer;
  let eventsTcpPort: number;

  const waiting = async (): Promise<number> => {
    const health = await (await fetch(`${e2e.httpUrl}/health`)).json() as { preLoginEventConnections: number };
    return health.preLoginEventConnections;
  };
  /** Waits until /health counts `expected` event connections waiting for their SUBSCRIBE. */
  const settle = async (expected: number): Promise<void> => {
    const deadline = Date.now() + 45_000;
    let seen = await waiting();
    while (seen !== expected) {
      if (Date.now() > deadline) throw new Error(`expected ${expected} event connections waiting for their SUBSCRIBE, health says ${seen}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
      seen = await waiting();
    }
  };

  beforeAll(async () => {
    e2e = await startE2eServer({
      durability: 'none',
      // Deadlines far away: every close in these tests is the admission's, never a LOGIN_TIMEOUT.
      gateway: { eventsTcpPort: 0, maxPreLoginConnections: MAX_PRE_LOGIN, maxPreLoginConnectionsPerAddress: MAX_PER_ADDRESS, loginTimeoutMs: 600_000 },
    });
    eventsTcpPort = e2e.server.eventsTcpPort;
  }, 120_000);

  afterAll(async () => {
    await e2e?.stop();
  });

  it('one address gets its share, over TCP and WebSocket together; the next is refused at once', async () => {
    const from = '127.0.0.2';
    const held = [await idleTcp(eventsTcpPort, from), await idleWs(e2e.wsUrl, from), await idleTcp(eventsTcpPort, from)];
    await settle(MAX_PER_ADDRESS);
    const tcpRefused = await idleTcp(eventsTcpPort, from);
    const wsRefused = await idleWs(e2e.wsUrl, from);
    await until('both refusals to close', () => tcpRefused.closed && wsRefused.closed);
    expect(tcpRefused.code).toBe(ResultCode.TOO_MANY_UNAUTHENTICATED);
    expect(wsRefused.code).toBe(WS_TOO_MANY_UNAUTHENTICATED);
    // Another address is not affected, and those held were not touched.
    const other = await idleTcp(eventsTcpPort, '127.0.0.3');
    await settle(MAX_PER_ADDRESS + 1);
    expect(held.map((c) => c.closed)).toEqual([false, false, false]);
    for (const c of [...held, other]) c.close();
    await settle(0);
  });

  it('a full pool closes its oldest to admit a newer one; a subscriber never counts and a key still gets in', async () => {
    // A live subscriber first: once subscribed it is outside the pool.
    const subscriber = EventSubscription.open({ url: `tcp://127.0.0.1:${eventsTcpPort}`, apiKey: ADMIN_KEY, stream: 'all' });
    let subscriberFailed: unknown = null;
    const draining = (async () => {
      try {
        for await (const event of subscriber) void event;
      } catch (error) {
        subscriberFailed = error;
      }
    })();
    await until('the subscriber to be live', () => subscriber.position !== null);
    await settle(0);

    const pool: IdleConnection[] = [];
    for (let i = 0; i < MAX_PRE_LOGIN; i++) {
      const from = `127.0.1.${i + 1}`;
      pool.push(i % 2 === 0 ? await idleTcp(eventsTcpPort, from) : await idleWs(e2e.wsUrl, from));
      await settle(i + 1); // opening order is admission order
    }
    // One more (WebSocket): the oldest (TCP) is closed, told why; the rest stay.
    const newer = await idleWs(e2e.wsUrl, '127.0.2.1');
    await until('the oldest to be closed', () => pool[0]!.closed);
    expect(pool[0]!.code).toBe(ResultCode.TOO_MANY_UNAUTHENTICATED);
    await settle(MAX_PRE_LOGIN);
    // One more (TCP): now the oldest is the WebSocket one, closed with 4000 + 117.
    const newest = await idleTcp(eventsTcpPort, '127.0.2.2');
    await until('the next oldest to be closed', () => pool[1]!.closed);
    expect(pool[1]!.code).toBe(WS_TOO_MANY_UNAUTHENTICATED);
    expect(pool.slice(2).some((c) => c.closed)).toBe(false);
    expect(newer.closed || newest.closed).toBe(false);

    // With the pool full of idle connections, a client with a key subscribes (evicting one more).
    const second = EventSubscription.open({ url: `${e2e.wsUrl}`, apiKey: ADMIN_KEY, stream: 'all' });
    const secondDraining = (async () => {
      for await (const event of second) void event;
    })();
    await until('a subscriber to get in past a full pool', () => second.position !== null);
    expect(pool[2]!.closed).toBe(true);
    expect(pool[2]!.code).toBe(ResultCode.TOO_MANY_UNAUTHENTICATED);
    // The first subscriber was never touched by any of it.
    expect(subscriberFailed).toBeNull();

    for (const c of [...pool, newer, newest]) c.close();
    await settle(0);
    subscriber.close();
    second.close();
    await Promise.all([draining, secondDraining]);
    expect(subscriberFailed).toBeNull();
  });
});
