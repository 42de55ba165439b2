/**
 * What the event hub's fan-out costs the gateway's main thread per released event, without the
 * kernel: a real EventHub on a real retention fed by hand, subscribers whose transport keeps nothing
 * (it counts bytes), CPU time of this thread (/proc), releases of RELEASE_COMMANDS flash-sale buys
 * (three events each: the buyer's sale with the merchant as counterparty, the buyer's balance, the
 * merchant's balance), interleaved case by case:
 *
 *   none         no subscriber: the hub only moves its live position
 *   all-1        one admin subscriber to every event (one bulk copy per frame)
 *   private-100  100 principals on their own streams, the buys spread round-robin over them
 *   market-1     one subscriber to a symbol without trades (routing reads every event's kind)
 *
 * By default the socket writes are not here (the transport keeps nothing). FANOUT_TCP=1 writes to
 * real loopback sockets instead (as event_tcp.ts does), read by a child process that reads every byte
 * into one buffer (`onread`) and counts the records: this thread's CPU then includes the kernel's
 * sends, and the readers' CPU per event is reported beside it. `node --import tsx
 * perf/profile/event_fanout.ts` (RELEASE_COMMANDS=16384: releases larger than the caches, as when the
 * fan-out waited). Interleave two checkouts for an A/B.
 */
import { EvtHeader, EVT_RECORD_BYTES, EventKind } from '../../codec/records/event_descriptor.ts';
import { createRecordBuffer } from '../../codec/records/record_buffer.ts';
import { AFTER_ALL_OF_COMMAND, LIVE_ONLY, type SubscribeRequest } from '../../codec/wire/event_frame_descriptor.ts';
import type { EngineEvents } from '../../core/engine_api.ts';
import type { EventFeed } from '../../core/event_feed.ts';
import { EventRetention } from '../../core/event_retention.ts';
import { EventHub, type EventTransport } from '../../gateway/event_hub.ts';
import { writeFrames } from '../../gateway/event_tcp.ts';
import { readThreadCpu } from '../engine/process_usage.ts';
import { fork, type ChildProcess } from 'node:child_process';
import { connect, createServer, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

const RELEASE_COMMANDS = Number(process.env.RELEASE_COMMANDS ?? 4096);
const RELEASES = Math.round(1_600_000 / RELEASE_COMMANDS);
const BUYERS = 100;
const MERCHANT = 1;
const FIRST_BUYER = 2;

class HandFeed {
  readonly retention = new EventRetention(131072, 0);
  through = 0;
  private readonly listeners: (() => void)[] = [];
  /** One release's records, restamped with their sequences before each append. */
  private readonly template = createRecordBuffer(new ArrayBuffer(RELEASE_COMMANDS * 3 * EVT_RECORD_BYTES));
  constructor() {
    const r = this.template;
    for (let c = 0; c < RELEASE_COMMANDS; c++) {
      const buyer = FIRST_BUYER + (c % BUYERS);
      const events = [[EventKind.STOCK_SOLD, buyer, MERCHANT], [EventKind.BALANCE_CHANGED, buyer, buyer], [EventKind.BALANCE_CHANGED, MERCHANT, MERCHANT]] as const;
      for (let i = 0; i < 3; i++) {
        const at = (c * 3 + i) * EVT_RECORD_BYTES;
        const [kind, principal, counterparty] = events[i] as readonly [number, number, number];
        r.u32[(at + EvtHeader.INDEX) >>> 2] = i;
        r.u16[(at + EvtHeader.KIND) >>> 1] = kind;
        r.u32[(at + EvtHeader.PRINCIPAL_ID) >>> 2] = principal;
        r.u32[(at + EvtHeader.COUNTERPARTY_PRINCIPAL_ID) >>> 2] = counterparty;
      }
    }
  }

  onReleased(listener: () => void): void {
    this.listeners.push(listener);
  }

  release(): void {
    const r = this.template;
    for (let c = 0; c < RELEASE_COMMANDS; c++) {
      const sequence = this.through + 1 + c;
      for (let i = 0; i < 3; i++) r.f64[((c * 3 + i) * EVT_RECORD_BYTES + EvtHeader.SEQUENCE) >>> 3] = sequence;
    }
    this.retention.appendRun(r, 0, RELEASE_COMMANDS * 3);
    this.through += RELEASE_COMMANDS;
    this.retention.releaseThrough(this.through);
    for (const listener of this.listeners) listener();
  }
}

class CountingTransport implements EventTransport {
  bytes = 0;
  send(frames: readonly Buffer[]): void {
    for (const frame of frames) this.bytes += frame.byteLength;
  }
  bufferedBytes(): number {
    return 0;
  }
  close(): void {}
}

/** A subscriber's socket, written as event_tcp.ts writes (frames carry their length prefix). */
class SocketTransport implements EventTransport {
  constructor(private readonly socket: Socket) {}
  send(frames: readonly Buffer[]): void {
    writeFrames(this.socket, frames);
  }
  bufferedBytes(): number {
    return this.socket.writableLength;
  }
  close(): void {
    this.socket.destroy();
  }
}

interface ReaderStats { readonly bytes: number; readonly cpuSeconds: number }

/** The readers of FANOUT_TCP: a child process with `count` sockets to `port`, reading every byte. */
class Readers {
  private constructor(private readonly child: ChildProcess, readonly sockets: Socket[], private readonly server: ReturnType<typeof createServer>) {}

  static async open(count: number): Promise<Readers> {
    const sockets: Socket[] = [];
    const server = createServer((socket) => {
      socket.setNoDelay(true);
      sockets.push(socket);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const child = fork(fileURLToPath(import.meta.url), ['reader', String(port), String(count)], { execArgv: ['--import', 'tsx'] });
    while (sockets.length < count) await new Promise((resolve) => setTimeout(resolve, 5));
    return new Readers(child, sockets, server);
  }

  stats(): Promise<ReaderStats> {
    return new Promise((resolve) => {
      this.child.once('message', (m) => resolve(m as ReaderStats));
      this.child.send('stats');
    });
  }

  close(): void {
    this.child.kill();
    for (const socket of this.sockets) socket.destroy();
    this.server.close();
  }
}

/** The child of Readers: reads every byte of its sockets into one shared buffer. */
function runReaders(port: number, count: number): void {
  const buffer = Buffer.allocUnsafe(256 * 1024);
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    connect({ host: '127.0.0.1', port, onread: { buffer, callback: (n: number): boolean => { bytes += n; return true; } } });
  }
  process.on('message', () => {
    const cpu = readThreadCpu(process.pid, process.pid);
    process.send?.({ bytes, cpuSeconds: cpu.userSeconds + cpu.systemSeconds } satisfies ReaderStats);
  });
}

type Case = 'none' | 'all-1' | 'private-100' | 'market-1';
const CASES: readonly Case[] = ['none', 'all-1', 'private-100', 'market-1'];
const TCP = process.env.FANOUT_TCP === '1';

function request(stream: SubscribeRequest['stream']): SubscribeRequest {
  return { stream, afterSequence: LIVE_ONLY, afterIndex: AFTER_ALL_OF_COMMAND, symbolId: stream === 'market' ? 999 : 0, depthLevels: 0, key: '' };
}

interface CaseCpu { readonly ns: number; readonly systemNs: number; readonly readersNs: number }

/** CPU ns of this thread per event released (append and release included: the `none` case is that alone), and of the readers. */
async function nsPerEvent(c: Case): Promise<CaseCpu> {
  const feed = new HandFeed();
  const events: EngineEvents = {
    enabled: true, feed: feed as unknown as EventFeed, dataDir: '/nonexistent', logic: {} as EngineEvents['logic'], replayWorkerEntry: new URL('file:///nonexistent'),
  };
  const hub = new EventHub(events, { progressEveryMs: 60_000 });
  const readers = TCP ? await Readers.open(c === 'private-100' ? BUYERS : c === 'none' ? 0 : 1) : null;
  let next = 0;
  const transport = (): EventTransport => (readers === null ? new CountingTransport() : new SocketTransport(readers.sockets[next++] as Socket));
  if (c === 'all-1') hub.subscribe(transport(), MERCHANT, true, request('all'));
  if (c === 'market-1') hub.subscribe(transport(), MERCHANT, false, request('market'));
  if (c === 'private-100') for (let b = 0; b < BUYERS; b++) hub.subscribe(transport(), FIRST_BUYER + b, false, request('private'));
  const readersBefore = readers === null ? null : await readers.stats();
  const before = readThreadCpu(process.pid, process.pid);
  for (let r = 0; r < RELEASES; r++) {
    feed.release();
    await new Promise((resolve) => setImmediate(resolve)); // the hub fans out at the next turn
    // The readers set the pace, as a live engine's releases would (else the hub drops them as slow consumers).
    while (readers !== null && readers.sockets.some((socket) => socket.writableLength > 1024 * 1024)) await new Promise((resolve) => setImmediate(resolve));
  }
  if (hub.stats.slowConsumerDisconnects > 0) throw new Error(`${c}: ${hub.stats.slowConsumerDisconnects} slow-consumer disconnects`);
  let readersNs = 0;
  if (readers !== null && readersBefore !== null) {
    // Until every event is sent (the last fan-out may still be pending) and read.
    const delivered = c === 'all-1' ? 3 : c === 'private-100' ? 2 : 0;
    const written = (): number => readers.sockets.reduce((sum, s) => sum + s.bytesWritten, 0);
    let stats = await readers.stats();
    while (hub.stats.eventsSent < RELEASES * RELEASE_COMMANDS * delivered || stats.bytes < written()) {
      await new Promise((resolve) => setTimeout(resolve, 2));
      stats = await readers.stats();
    }
    readersNs = ((stats.cpuSeconds - readersBefore.cpuSeconds) * 1e9) / (RELEASES * RELEASE_COMMANDS * 3);
    readers.close();
  }
  const after = readThreadCpu(process.pid, process.pid);
  const released = RELEASES * RELEASE_COMMANDS * 3;
  await hub.close();
  return {
    ns: ((after.userSeconds + after.systemSeconds - before.userSeconds - before.systemSeconds) * 1e9) / released,
    systemNs: ((after.systemSeconds - before.systemSeconds) * 1e9) / released, readersNs,
  };
}

if (process.argv[2] === 'reader') {
  runReaders(Number(process.argv[3]), Number(process.argv[4]));
} else {
  for (let round = 1; round <= 3; round++) {
    const figures: string[] = [];
    for (const c of CASES) {
      const cpu = await nsPerEvent(c);
      figures.push(TCP ? `${c} ${cpu.ns.toFixed(1)} (kernel ${cpu.systemNs.toFixed(1)}, readers ${cpu.readersNs.toFixed(1)})` : `${c} ${cpu.ns.toFixed(1)}`);
    }
    console.log(`round ${round}: CPU ns per released event${TCP ? ' (this thread; kernel; the readers\' process)' : ''}: ${figures.join(', ')}`);
  }
}
