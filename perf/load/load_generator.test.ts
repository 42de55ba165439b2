import { describe, it, expect, afterEach } from 'vitest';
import { createServer, type Server, type Socket } from 'node:net';
import * as flatbuffers from 'flatbuffers';
import { Request } from '../../codec/generated/ringline/wire/request.ts';
import { Response } from '../../codec/generated/ringline/wire/response.ts';
import { Command } from '../../codec/generated/ringline/wire/command.ts';
import { encodeLogin, patchableRequest } from './wire_requests.ts';
import { runLoadWorker } from './load_worker_run.ts';
import { runLoad } from './run_load.ts';
import type { LoadInterval, LoadSpec } from './load_spec.ts';
import { mergeEncodedHistograms } from '../histogram.ts';
import { validateLoadSpec } from './load_spec.ts';

/**
 * A real TCP server speaking the gateway's framing: answers Login with OK, every other Request with a
 * Response carrying its correlation id; code 304 when the id is a multiple of `errorEvery`. While
 * `stalled`, replies are held and sent when the stall ends (like a gateway waiting for fsync).
 */
class FramedServer {
  readonly server: Server;
  readonly seenIds: number[] = [];
  stalled = false;
  /** Stalls started by seeing `stall.stallAtId`. */
  stalls = 0;
  private held: Array<() => void> = [];
  constructor(private readonly errorEvery = 0, private readonly stall: { stallAtId: number; stallMs: number } | null = null) {
    this.server = createServer((socket) => this.serve(socket));
  }
  async listen(): Promise<number> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    const a = this.server.address();
    if (a === null || typeof a === 'string') throw new Error('no port');
    return a.port;
  }
  stallFor(ms: number): void {
    this.stalled = true;
    setTimeout(() => {
      this.stalled = false;
      const h = this.held;
      this.held = [];
      for (const f of h) f();
    }, ms);
  }
  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
  private serve(socket: Socket): void {
    let carry = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      let buf = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      const out: Buffer[] = [];
      while (buf.length >= 4) {
        const len = buf.readUInt32LE(0);
        if (buf.length < 4 + len) break;
        const req = Request.getRootAsRequest(new flatbuffers.ByteBuffer(new Uint8Array(buf.subarray(4, 4 + len))));
        const id = Number(req.correlationId());
        let code = 0;
        if (req.commandType() !== Command.Login) {
          this.seenIds.push(id);
          if (id === this.stall?.stallAtId) {
            this.stalls++;
            this.stallFor(this.stall.stallMs);
          }
          if (this.errorEvery > 0 && id % this.errorEvery === 0) code = 304;
        }
        out.push(frame(response(id, code)));
        buf = buf.subarray(4 + len);
      }
      carry = Buffer.from(buf);
      if (out.length === 0) return;
      const send = (): void => { if (!socket.destroyed) socket.write(Buffer.concat(out)); };
      if (this.stalled) this.held.push(send);
      else send();
    });
    socket.on('error', () => {});
  }
}

function response(correlationId: number, code: number): Uint8Array {
  const b = new flatbuffers.Builder(64);
  Response.startResponse(b);
  Response.addCorrelationId(b, BigInt(correlationId));
  Response.addCode(b, code);
  b.finish(Response.endResponse(b));
  return b.asUint8Array();
}

function frame(payload: Uint8Array): Buffer {
  const f = Buffer.allocUnsafe(4 + payload.length);
  f.writeUInt32LE(payload.length, 0);
  f.set(payload, 4);
  return f;
}

function spec(port: number, over: Partial<LoadSpec>): LoadSpec {
  return {
    transport: 'tcp', host: '127.0.0.1', port, wsPath: '/', connections: 2, mode: 'closed', pipelineMax: 64, writeBatch: 16,
    ratePerS: 1000, pacingSleepUs: 100, warmupMs: 50, durationMs: 400, drainMs: 2000, login: encodeLogin('key-0123456789abcdef'),
    messages: [patchableRequest({ kind: 'buy', itemId: 1, buyerAccountId: 2, quantity: 1, maxUnitPrice: 0 }, true)],
    idStart: 1, recordLatency: true, ...over,
  };
}

const servers: FramedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('load generator over TCP', () => {
  it('closed loop: keeps the pipeline full, sends unique ids, counts replies and error codes', async () => {
    const server = new FramedServer(10);
    servers.push(server);
    const r = await runLoadWorker(spec(await server.listen(), {}));
    expect(r.completed).toBeGreaterThan(100);
    expect(r.unanswered).toBe(0);
    expect(new Set(server.seenIds).size).toBe(server.seenIds.length);
    expect(server.seenIds.length).toBe(r.sent);
    // every tenth id is answered 304 by the server
    const errorShare = r.errors / r.completed;
    expect(errorShare).toBeGreaterThan(0.05);
    expect(errorShare).toBeLessThan(0.15);
    expect(r.codeCounts['304']).toBe(r.errors);
    expect(r.codeCounts['0'] + r.errors).toBe(r.completed);
    expect(r.histogram).not.toBeNull();
  });

  it('open loop: sends every command intended in the window and charges a server stall to every command intended during it', async () => {
    // The server stalls for 300 ms when it sees the command intended 150 ms after the start (100 ms
    // into the 700 ms window), wherever the machine's load puts that moment: nothing here depends on
    // when a timer of the test fires.
    const server = new FramedServer(0, { stallAtId: 1 + 150, stallMs: 300 });
    servers.push(server);
    const r = await runLoadWorker(spec(await server.listen(), { mode: 'open', ratePerS: 1000, durationMs: 700, pipelineMax: 8, writeBatch: 8, connections: 1 }));
    expect(server.stalls).toBe(1);
    // Commands 50..749 are intended inside the window (1 ms apart, after a 50 ms warm-up): every one
    // of them was sent and answered (the generator's queue holds 1024, far more than the stall builds up).
    const h = mergeEncodedHistograms([r.histogram!]);
    expect(r.dropped).toBe(0);
    expect(h.count).toBe(700);
    expect(r.unanswered).toBe(0);
    expect(new Set(server.seenIds).size).toBe(r.sent);
    expect(server.seenIds.length).toBe(r.sent);
    // Commands intended during the stall waited for its end: ~200 of them over 100 ms. Only 8 may be
    // in flight, so most of them were SENT after the stall: measured from their send time
    // (coordinated omission) they would look fast; from their intended time they do not.
    const over100ms = h.count - Math.round(h.count * (percentileBelow(h, 100_000) / 100));
    expect(over100ms).toBeGreaterThan(100);
    expect(h.percentilesUs()!.max).toBeGreaterThan(200_000);
    h.destroy();
  });

  it('open loop with intervals: one report per interval, together every reply of the window, a stall in its own interval', async () => {
    // Stalls at the command intended 1150 ms after the start: 1100 ms into the window, in the third interval of 500 ms.
    const server = new FramedServer(10, { stallAtId: 1 + 2 * 1150, stallMs: 600 });
    servers.push(server);
    const intervals: LoadInterval[] = [];
    const r = await runLoadWorker(spec(await server.listen(), { mode: 'open', ratePerS: 2000, durationMs: 2000, intervalMs: 500 }), (i) => intervals.push(i));
    expect(intervals.map((i) => i.index)).toEqual([0, 1, 2, 3]);
    expect(intervals.reduce((sum, i) => sum + i.completed, 0)).toBe(r.completed);
    expect(intervals.reduce((sum, i) => sum + i.errors, 0)).toBe(r.errors);
    const maxUs = intervals.map((i) => mergeEncodedHistograms([i.histogram]).percentilesUs()?.max ?? 0);
    // The stall's replies arrive when it ends (in the third or fourth interval, wherever timers fire), never
    // in the first two: the later intervals hold a latency of at least the stall, and the first two less
    // than that (relative, not a fixed bound: a loaded machine can delay the generator by hundreds of ms).
    const laterMaxUs = Math.max(...maxUs.slice(2));
    expect(laterMaxUs).toBeGreaterThan(0.99 * 600_000);
    expect(Math.max(...maxUs.slice(0, 2))).toBeLessThan(laterMaxUs);
    expect(() => validateLoadSpec(spec(1, { intervalMs: 100 }))).toThrow('intervalMs needs an open-loop load');
    expect(() => validateLoadSpec(spec(1, { mode: 'open', intervalMs: 5000 }))).toThrow('load option intervalMs must be an integer in [0, durationMs = 400]');
  });

  it('merges several worker threads with disjoint id ranges', async () => {
    const server = new FramedServer();
    servers.push(server);
    const r = await runLoad(spec(await server.listen(), { durationMs: 300, connections: 1 }), 2);
    expect(r.workers).toBe(2);
    expect(Object.keys(r.gcEvents)).toEqual(['loadgen-0', 'loadgen-1']);
    expect(r.completed).toBeGreaterThan(100);
    expect(r.throughputPerS).toBeGreaterThan(0);
    expect(r.histogram!.count).toBeGreaterThan(0);
    expect(new Set(server.seenIds).size).toBe(server.seenIds.length);
    expect(server.seenIds.some((id) => id > 1e12)).toBe(true);
    r.histogram!.destroy();
  });

  it('fails clearly when nothing listens', async () => {
    const server = new FramedServer();
    const port = await server.listen();
    await server.close();
    await expect(runLoadWorker(spec(port, {}))).rejects.toThrow(/could not open its connections to 127\.0\.0\.1:\d+/);
  });

  it('validates its options with the option name and range', () => {
    expect(() => validateLoadSpec(spec(1, { connections: 0 }))).toThrow('load option connections must be an integer in [1, 1024], got 0');
    expect(() => validateLoadSpec(spec(1, { writeBatch: 128 }))).toThrow(/writeBatch \(128\) must not exceed pipelineMax \(64\)/);
    expect(() => validateLoadSpec(spec(1, { mode: 'open', ratePerS: 0 }))).toThrow(/ratePerS must be in/);
  });
});

/** Percentage of recorded values at or below `us` (binary search over the percentile function). */
function percentileBelow(h: { valueAtPercentileNs(p: number): number }, us: number): number {
  let lo = 0;
  let hi = 100;
  for (let i = 0; i < 40; i++) {
    const mid = (lo + hi) / 2;
    if (h.valueAtPercentileNs(mid) <= us * 1000) lo = mid;
    else hi = mid;
  }
  return lo;
}
