import { describe, it, expect, afterEach } from 'vitest';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import * as flatbuffers from 'flatbuffers';
import type * as Uws from '@trufflesuite/uws-js-unofficial';
import { Request } from '../../codec/generated/ringline/wire/request.ts';
import { Response } from '../../codec/generated/ringline/wire/response.ts';
import { Command } from '../../codec/generated/ringline/wire/command.ts';
import { encodeLogin, HTTP_ID_START, patchableHttpRequest, patchableRequest, writeDecimal15 } from './wire_requests.ts';
import { runLoadWorker } from './load_worker_run.ts';
import type { LoadSpec } from './load_spec.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function spec(over: Partial<LoadSpec> & Pick<LoadSpec, 'transport' | 'port' | 'messages' | 'login'>): LoadSpec {
  return {
    host: '127.0.0.1', wsPath: '/', connections: 2, mode: 'closed', pipelineMax: 32, writeBatch: 8, ratePerS: 1000, pacingSleepUs: 100,
    warmupMs: 50, durationMs: 1500, drainMs: 2000, idStart: 1, recordLatency: true, ...over,
  };
}

describe('load generator over WebSocket (native uWS server)', () => {
  it('upgrades, logs in, sends masked binary frames and counts the binary replies', async () => {
    const uws = createRequire(import.meta.url)('@trufflesuite/uws-js-unofficial') as typeof Uws;
    const seen: number[] = [];
    let listenSocket: Uws.us_listen_socket | null = null;
    const port = await new Promise<number>((resolve, reject) => {
      uws.App().ws('/*', {
        message: (ws, message) => {
          const req = Request.getRootAsRequest(new flatbuffers.ByteBuffer(new Uint8Array(message.slice(0))));
          const id = Number(req.correlationId());
          const login = req.commandType() === Command.Login;
          if (!login) seen.push(id);
          const b = new flatbuffers.Builder(64);
          Response.startResponse(b);
          Response.addCorrelationId(b, BigInt(id));
          Response.addCode(b, !login && id % 5 === 0 ? 304 : 0);
          b.finish(Response.endResponse(b));
          ws.send(b.asUint8Array(), true);
        },
      }).listen('127.0.0.1', 0, (s) => {
        if (s === false) return reject(new Error('uws listen failed'));
        listenSocket = s;
        resolve(uws.us_socket_local_port(s));
      });
    });
    cleanups.push(() => { if (listenSocket !== null) uws.us_listen_socket_close(listenSocket); });
    const r = await runLoadWorker(spec({
      transport: 'ws', port, login: encodeLogin('k'),
      messages: [patchableRequest({ kind: 'buy', itemId: 1, buyerAccountId: 2, quantity: 1, maxUnitPrice: 0 }, true)],
    }));
    expect(r.completed).toBeGreaterThan(20); // the error-ratio bounds below need ≥ 20 replies; 1.5 s gives hundreds even at load 40
    expect(r.unanswered).toBe(0);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(r.sent);
    expect(r.errors / r.completed).toBeGreaterThan(0.1);
    expect(r.errors / r.completed).toBeLessThan(0.3);
  });
});

describe('load generator over HTTP/1.1 keep-alive (pipelined)', () => {
  it('patches 15-digit ids into the JSON bodies and reads the code from each reply', async () => {
    const seen: number[] = [];
    const server: Server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (d: string) => { body += d; });
      req.on('end', () => {
        const json = JSON.parse(body) as { correlationId: number; idempotencyId: number; itemId: number };
        expect(req.url).toBe('/v1/commands/buy');
        expect(req.headers.authorization).toBe('Bearer secret-key');
        expect(json.idempotencyId).toBe(json.correlationId);
        expect(json.itemId).toBe(7);
        seen.push(json.correlationId);
        const code = json.correlationId % 4 === 0 ? 304 : 0;
        const out = JSON.stringify({ correlationId: json.correlationId, sequence: 1, command: 'buy', code, status: code === 0 ? 'OK' : 'INSUFFICIENT_FUNDS' });
        res.writeHead(code === 0 ? 200 : 409, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
        res.end(out);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const r = await runLoadWorker(spec({
      transport: 'http', port, login: null, idStart: HTTP_ID_START,
      messages: [patchableHttpRequest({ kind: 'buy', itemId: 7, buyerAccountId: 2, quantity: 1, maxUnitPrice: 0 }, '127.0.0.1', 'secret-key', true)],
    }));
    expect(r.completed).toBeGreaterThan(20); // the error-ratio bounds below need ≥ 20 replies; 1.5 s gives hundreds even at load 40
    expect(r.unanswered).toBe(0);
    expect(seen.length).toBe(r.sent);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.every((id) => id >= HTTP_ID_START)).toBe(true);
    expect(r.codeCounts['304']).toBe(r.errors);
    expect(r.errors / r.completed).toBeGreaterThan(0.15);
    expect(r.errors / r.completed).toBeLessThan(0.35);
  });

  it('writes decimal ids in place and refuses ids of another width', () => {
    const b = new Uint8Array(20);
    writeDecimal15(b, 2, 123_456_789_012_345);
    expect(Buffer.from(b.subarray(2, 17)).toString('latin1')).toBe('123456789012345');
    expect(() => writeDecimal15(b, 0, 99)).toThrow(/out of range/);
  });
});
