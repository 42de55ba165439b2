/**
 * events: what event subscriptions cost the engine. The engine in a child process (`ringline start`,
 * fsync, event TCP port on), the flash-sale load of e2e-tcp max-throughput (closed loop, stock-buy:
 * three events per buy), and N subscribers to the admin `all` stream on raw TCP sockets in this
 * process that read and count every record (N = 0, 1, 100, 1000). Each row gives the command
 * throughput, the events delivered per second over all subscribers, the cost beside fanout-0 of the
 * same run, and how many subscribers were disconnected as slow (SLOW_CONSUMER).
 *
 *   load generator ─TCP─► engine ─events TCP port─► N counting subscribers (this process)
 */
import { connect, type Socket } from 'node:net';
import { loadavg } from 'node:os';
import {
  AFTER_ALL_OF_COMMAND, encodeSubscribe, EventFrameType, EVENTS_COUNT_OFFSET, EVENTS_HEADER_BYTES,
} from '../../codec/wire/event_frame_descriptor.ts';
import { median } from '../median.ts';
import type { ResultRow, ScenarioRun } from '../result_row.ts';
import { runLoad } from '../load/run_load.ts';
import { e2eLoadSpec, e2eSizing, setUpFlashSale, type E2eCase } from '../engine/e2e_run.ts';
import { freePort } from '../engine/free_port.ts';
import { fetchMetrics } from '../engine/engine_metrics.ts';
import { startEngineProcess } from '../engine/engine_process.ts';

/**
 * fanout-N: N subscribers to every event (the `all` stream: each receives the whole stream, the worst
 * case: N × the event bytes cross the kernel). market-N: N subscribers to a symbol with no trades in
 * the load (each receives progress only): what routing costs per event whatever the subscriber count.
 */
interface FanoutCase { readonly name: string; readonly subscribers: number; readonly stream: 'all' | 'market' }
const CASES: readonly FanoutCase[] = [
  { name: 'fanout-0', subscribers: 0, stream: 'all' }, { name: 'fanout-1', subscribers: 1, stream: 'all' },
  { name: 'fanout-100', subscribers: 100, stream: 'all' }, { name: 'fanout-1000', subscribers: 1000, stream: 'all' },
  { name: 'market-100', subscribers: 100, stream: 'market' }, { name: 'market-1000', subscribers: 1000, stream: 'market' },
];
/** A symbol the flash-sale load never trades. */
const QUIET_SYMBOL = 1;
const CASE: E2eCase = { name: 'fanout', mix: 'stock-buy', durability: 'fsync', mode: 'closed', ratePerS: 0 };

/**
 * A raw subscriber: counts the records of every EVENTS frame; notes a CLOSING frame. It reads only
 * frame headers and skips the records without copying them (the reader shares the cores with the engine).
 */
class CountingSubscriber {
  records = 0;
  closedSlow = false;
  /** Bytes of the current frame still to skip (after its header was read). */
  private skip = 0;
  /** The next frame's prefix and header, as far as received. */
  private readonly header = Buffer.alloc(4 + EVENTS_HEADER_BYTES);
  private headerHave = 0;
  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.take(chunk));
    socket.on('error', () => undefined);
  }

  static open(host: string, port: number, key: string, stream: 'all' | 'market'): Promise<CountingSubscriber> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port }, () => {
        const frame = encodeSubscribe({ stream, afterSequence: -1, afterIndex: AFTER_ALL_OF_COMMAND, symbolId: stream === 'market' ? QUIET_SYMBOL : 0, key });
        const prefix = Buffer.alloc(4);
        prefix.writeUInt32LE(frame.byteLength);
        socket.write(Buffer.concat([prefix, frame]));
        resolve(new CountingSubscriber(socket));
      });
      socket.once('error', reject);
    });
  }

  private take(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.byteLength) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.byteLength - at);
        this.skip -= n;
        at += n;
        continue;
      }
      // Every frame is at least 8 bytes after its prefix (SUBSCRIBED 16, CLOSING 8, EVENTS 16).
      const wanted = this.headerHave < 8 ? 8 : 4 + Math.min(EVENTS_HEADER_BYTES, this.header.readUInt32LE(0));
      const n = Math.min(wanted - this.headerHave, chunk.byteLength - at);
      chunk.copy(this.header, this.headerHave, at, at + n);
      this.headerHave += n;
      at += n;
      if (this.headerHave < wanted || wanted === 8) continue;
      const length = this.header.readUInt32LE(0);
      const type = this.header[4];
      if (type === EventFrameType.EVENTS) this.records += this.header.readUInt32LE(4 + EVENTS_COUNT_OFFSET);
      else if (type === EventFrameType.CLOSING) this.closedSlow = true;
      this.skip = length - (this.headerHave - 4);
      this.headerHave = 0;
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

function fanOutSeconds(metrics: string | null): number {
  const match = /^ringline_event_fanout_seconds_total ([0-9.e+-]+)$/m.exec(metrics ?? '');
  return match === null ? 0 : Number(match[1]);
}

interface FanoutRun {
  readonly throughput: number;
  readonly eventsPerS: number;
  readonly slow: number;
  readonly errors: number;
  /** Share of the gateway's main thread spent fanning events out (ringline_event_fanout_seconds_total over the load). */
  readonly fanOutShare: number;
  /** 1-minute load average at the end of the run (the machine is shared). */
  readonly load1m: number;
}

async function runFanout(c: FanoutCase, mode: 'quick' | 'full', log: (line: string) => void): Promise<FanoutRun> {
  const eventsPort = await freePort();
  const engine = await startEngineProcess({ durability: 'fsync', profileDir: null, log, extraArgs: ['--events-tcp-port', String(eventsPort)], maxOpenFiles: 4096 });
  const subscribers: CountingSubscriber[] = [];
  try {
    await setUpFlashSale(engine);
    for (let i = 0; i < c.subscribers; i++) subscribers.push(await CountingSubscriber.open(engine.host, eventsPort, engine.adminKey, c.stream));
    const sizing = e2eSizing(mode, 'closed', 'tcp');
    const before = subscribers.reduce((sum, s) => sum + s.records, 0);
    const fanOutBefore = fanOutSeconds(await fetchMetrics(engine.host, engine.wsPort));
    const started = performance.now();
    const load = await runLoad(e2eLoadSpec(engine, 'tcp', CASE, sizing, 0), sizing.workers);
    const fanOutShare = (fanOutSeconds(await fetchMetrics(engine.host, engine.wsPort)) - fanOutBefore) / ((performance.now() - started) / 1000);
    const delivered = subscribers.reduce((sum, s) => sum + s.records, 0) - before;
    const seconds = (sizing.warmupMs + sizing.durationMs) / 1000;
    load.histogram?.destroy();
    return {
      throughput: load.throughputPerS, eventsPerS: delivered / seconds, slow: subscribers.filter((s) => s.closedSlow).length, errors: load.errors,
      load1m: loadavg()[0] ?? 0, fanOutShare,
    };
  } finally {
    for (const s of subscribers) s.close();
    await engine.stop();
  }
}

export const run: ScenarioRun = async (options) => {
  const perFanout = new Map<string, FanoutRun[]>();
  for (let r = 0; r < options.runs; r++) {
    for (const c of CASES) {
      // An engine that fails to start under the shared machine's load is started again, once.
      const result = await runFanout(c, options.mode, options.log).catch((error: unknown) => {
        options.log(`${c.name} run ${r + 1}: ${String(error)}; again`);
        return runFanout(c, options.mode, options.log);
      });
      options.log(`${c.name} run ${r + 1}/${options.runs}: ${Math.round(result.throughput)} commands/s, ${Math.round(result.eventsPerS)} events/s delivered, ${result.slow} slow, fan-out ${(result.fanOutShare * 100).toFixed(1)}% of the main thread, load ${result.load1m.toFixed(1)}`);
      perFanout.set(c.name, [...(perFanout.get(c.name) ?? []), result]);
    }
  }
  const baseline = median((perFanout.get('fanout-0') ?? []).map((x) => x.throughput));
  return CASES.map((c): ResultRow => {
    const runs = perFanout.get(c.name) ?? [];
    const throughput = median(runs.map((x) => x.throughput));
    return {
      scenario: 'events',
      case: c.name,
      conditions: {
        subscribers: c.subscribers, stream: c.stream === 'all' ? 'all (admin), TCP event port' : 'market of a symbol without trades (progress only), TCP event port', load: 'closed-loop stock-buy, e2e-tcp max-throughput sizing', durability: 'fsync',
        events_per_command: 3, events_delivered_per_s: Math.round(median(runs.map((x) => x.eventsPerS))),
        throughput_cost_vs_fanout_0_pct: baseline > 0 ? Math.round((1 - throughput / baseline) * 1000) / 10 : 0,
        slow_consumer_disconnects: runs.reduce((sum, x) => sum + x.slow, 0), runs: options.runs,
        fanout_main_thread_pct: Math.round(median(runs.map((x) => x.fanOutShare)) * 1000) / 10,
        load_average_1m_median: Math.round(median(runs.map((x) => x.load1m)) * 10) / 10,
        note: 'the subscribers and the load generator share the 2 cores with the engine',
      },
      throughput_per_s: Math.round(throughput),
      latency_us: null,
      gc_events: null,
      errors: runs.reduce((sum, x) => sum + x.errors, 0),
    };
  });
};
