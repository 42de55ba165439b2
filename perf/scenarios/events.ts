/**
 * events: what event subscriptions cost the engine. The engine in a child process (`ringline start`,
 * fsync, event TCP port on), the flash-sale load of e2e-tcp max-throughput (closed loop, stock-buy:
 * three events per buy), and N subscribers on raw TCP sockets in this process that count the records
 * of every frame from its header (cases below). Each row gives the command throughput and its cost
 * beside the case's baseline of the same run, the events delivered per second over all subscribers,
 * slow-consumer disconnects and overruns, and the work as CPU time per command (warm-up and drain
 * included, commands = every one sent): the engine process (all threads, /proc/PID/stat), its main
 * thread (gateway, release gate, event feed and fan-out; and of that, the kernel's share: the socket
 * writes), and the readers (this process's main thread; the load generator runs in a worker thread).
 * The engine's other threads spin before they park (spin_park), so their CPU per command grows when
 * the throughput falls, whatever the cause: the main thread's figure is the fan-out's own work.
 *
 *   load generator ─TCP─► engine ─events TCP port─► N counting subscribers (this process)
 *
 * RINGLINE_EVENTS_CASES=fanout-1,private-100 runs those cases and their baselines only;
 * RINGLINE_EVENTS_RATE=200000 drives them open-loop at that rate (CPU per command, comparable on a
 * busy machine) instead of closed-loop; RINGLINE_EVENTS_ENGINE_REPO=/path/to/checkout runs that
 * checkout's engine (an A/B: alternate runs with and without it).
 */
import { connect, type Socket } from 'node:net';
import { loadavg } from 'node:os';
import { AFTER_ALL_OF_COMMAND, encodeSubscribe, EventFrameType, EventsFrame } from '../../codec/wire/event_frame_descriptor.ts';
import { randomBytes } from 'node:crypto';
import { keyDigestFields } from '../../gateway/replicated_principals.ts';
import { benchContext } from '../bench_context.ts';
import { median } from '../median.ts';
import { summarizeProfileFile } from '../report/profile_summary.ts';
import { patchableRequest } from '../load/wire_requests.ts';
import { ControlClient } from '../engine/control_client.ts';
import { readProcessUsage, readThreadCpu, readThreadsCpuSeconds, type ThreadCpu } from '../engine/process_usage.ts';
import type { ResultRow, ScenarioRun } from '../result_row.ts';
import { runLoad } from '../load/run_load.ts';
import { e2eLoadSpec, e2eSizing, FLASH_SALE, setUpFlashSale, type E2eCase } from '../engine/e2e_run.ts';
import { freePort } from '../engine/free_port.ts';
import { fetchMetrics } from '../engine/engine_metrics.ts';
import { startEngineProcess, type EngineProcess } from '../engine/engine_process.ts';

/**
 * fanout-N: N subscribers to every event (the `all` stream: each receives the whole stream, the worst
 * case: N × the event bytes cross the kernel). market-N: N subscribers to a symbol with no trades in
 * the load (each receives progress only): what routing costs per event whatever the subscriber count.
 * private-N: the realistic case of the issue's first use (execution reports): the buys are spread
 * round-robin over 100 buyers, each owned by its own principal, and N of those principals subscribe
 * to their own private stream, so each event goes to at most one subscriber (the merchant's side of a
 * sale belongs to the admin, who does not subscribe). private-0 is its baseline: the same principals
 * and spread load without subscribers.
 */
type Stream = 'all' | 'market' | 'private';
interface FanoutCase { readonly name: string; readonly subscribers: number; readonly stream: Stream; readonly baseline: string }
const CASES: readonly FanoutCase[] = [
  { name: 'fanout-0', subscribers: 0, stream: 'all', baseline: 'fanout-0' }, { name: 'fanout-1', subscribers: 1, stream: 'all', baseline: 'fanout-0' },
  { name: 'fanout-100', subscribers: 100, stream: 'all', baseline: 'fanout-0' }, { name: 'fanout-1000', subscribers: 1000, stream: 'all', baseline: 'fanout-0' },
  { name: 'market-100', subscribers: 100, stream: 'market', baseline: 'fanout-0' }, { name: 'market-1000', subscribers: 1000, stream: 'market', baseline: 'fanout-0' },
  { name: 'private-0', subscribers: 0, stream: 'private', baseline: 'private-0' }, { name: 'private-100', subscribers: 100, stream: 'private', baseline: 'private-0' },
];
/** Principals (each with one buyer account) of the private cases. */
const PRIVATE_BUYERS = 100;
const PRIVATE_FIRST_ACCOUNT = 1000;
/** Each buyer's deposit: 2^40 buys (an asset's total must stay below 2^53). */
const PRIVATE_FUNDS = 2 ** 40;
/** A symbol the flash-sale load never trades. */
const QUIET_SYMBOL = 1;
const CASE: E2eCase = { name: 'fanout', mix: 'stock-buy', durability: 'fsync', mode: 'closed', ratePerS: 0 };

/**
 * RINGLINE_EVENTS_RATE=N: an open loop at N commands/s instead of the closed loop. Every case then
 * does the same work per second, so the CPU per command of each party (main thread, kernel, readers,
 * the spinning threads) compares across cases and checkouts on a busy machine, where the closed loop's
 * throughput swings 2-3× run to run (and with it every thread's CPU per command).
 */
function loadCase(): E2eCase {
  const text = process.env.RINGLINE_EVENTS_RATE;
  if (text === undefined || text === '') return CASE;
  const rate = Number(text);
  if (!Number.isInteger(rate) || rate <= 0) throw new RangeError(`RINGLINE_EVENTS_RATE must be a positive integer (commands/s), got "${text}"`);
  return { ...CASE, mode: 'open', ratePerS: rate };
}

/** RINGLINE_EVENTS_CASES=fanout-0,fanout-1 runs only those cases (profiling, A/B); default: all. */
function selectedCases(): readonly FanoutCase[] {
  const wanted = process.env.RINGLINE_EVENTS_CASES;
  if (wanted === undefined || wanted === '') return CASES;
  const names = wanted.split(',');
  const unknown = names.filter((n) => !CASES.some((c) => c.name === n));
  if (unknown.length > 0) throw new RangeError(`RINGLINE_EVENTS_CASES: unknown case(s) ${unknown.join(', ')}; cases: ${CASES.map((c) => c.name).join(', ')}`);
  return CASES.filter((c) => names.includes(c.name) || names.some((n) => CASES.find((x) => x.name === n)?.baseline === c.name));
}

/**
 * A raw subscriber as a minimal client would be: reads every byte into one buffer shared by all the
 * subscribers (`onread`: no allocation and no stream machinery per read; the callback runs
 * synchronously, one socket at a time) and counts the records of every EVENTS frame from its header,
 * skipping the records; notes a CLOSING frame.
 */
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);
class CountingSubscriber {
  records = 0;
  closedSlow = false;
  /** Bytes of the current frame still to skip (after its header was read). */
  private skip = 0;
  /** The next frame's prefix and header, as far as received. */
  private readonly header = Buffer.alloc(4 + EventsFrame.BYTES);
  private headerHave = 0;
  private constructor(private readonly socket: Socket) {
    socket.on('error', () => undefined);
  }

  static open(host: string, port: number, key: string, stream: Stream): Promise<CountingSubscriber> {
    return new Promise((resolve, reject) => {
      let subscriber: CountingSubscriber | null = null;
      const socket = connect({
        host, port, onread: { buffer: READ_BUFFER, callback: (n: number, buf: Uint8Array): boolean => {
          subscriber?.take(buf, n);
          return true; // false would pause the socket
        } },
      }, () => {
        const frame = encodeSubscribe({ stream, afterSequence: -1, afterIndex: AFTER_ALL_OF_COMMAND, symbolId: stream === 'market' ? QUIET_SYMBOL : 0, key });
        const prefix = Buffer.alloc(4);
        prefix.writeUInt32LE(frame.byteLength);
        socket.write(Buffer.concat([prefix, frame]));
        subscriber = new CountingSubscriber(socket);
        resolve(subscriber);
      });
      socket.once('error', reject);
    });
  }

  /** The first `length` bytes of `chunk` are the next bytes of the stream. */
  private take(chunk: Uint8Array, length: number): void {
    let at = 0;
    while (at < length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, length - at);
        this.skip -= n;
        at += n;
        continue;
      }
      // Every frame is at least 8 bytes after its prefix (SUBSCRIBED 16, CLOSING 8, EVENTS 16).
      const wanted = this.headerHave < 8 ? 8 : 4 + Math.min(EventsFrame.BYTES, this.header.readUInt32LE(0));
      const n = Math.min(wanted - this.headerHave, length - at);
      this.header.set(chunk.subarray(at, at + n), this.headerHave);
      this.headerHave += n;
      at += n;
      if (this.headerHave < wanted || wanted === 8) continue;
      const frameLength = this.header.readUInt32LE(0);
      const type = this.header[4];
      if (type === EventFrameType.EVENTS) this.records += this.header.readUInt32LE(4 + EventsFrame.COUNT);
      else if (type === EventFrameType.CLOSING) this.closedSlow = true;
      this.skip = frameLength - (this.headerHave - 4);
      this.headerHave = 0;
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

function counter(metrics: string | null, name: string): number {
  const match = new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(metrics ?? '');
  return match === null ? 0 : Number(match[1]);
}

const FANOUT_SECONDS = 'ringline_event_fanout_seconds_total';
const EVENTS_SENT = 'ringline_events_sent_total';
const OVERRUNS = 'ringline_event_overruns_total';
const FANOUTS = 'ringline_event_fanouts_total';

interface FanoutRun {
  readonly throughput: number;
  readonly eventsPerS: number;
  /** Event records the gateway wrote to subscribers during the load (ringline_events_sent_total). */
  readonly eventsSent: number;
  /** Commands sent (and answered) during the load, warm-up included. */
  readonly commands: number;
  /** Releases evicted before the fan-out routed them (each sends every live subscriber to a journal replay). */
  readonly overruns: number;
  /** Fan-outs run during the load (each one write per subscriber concerned). */
  readonly fanOuts: number;
  readonly slow: number;
  readonly errors: number;
  /** Share of the gateway's main thread spent fanning events out (ringline_event_fanout_seconds_total over the load). */
  readonly fanOutShare: number;
  /** CPU µs per command over the load (warm-up and drain included; commands = every one sent): the engine process, all threads. */
  readonly engineCpuUsPerCommand: number;
  /** ...the engine's main thread (gateway, release gate, event feed, fan-out). */
  readonly engineMainCpuUsPerCommand: number;
  /** ...of which in the kernel (system calls: the socket writes' copies, on loopback often the receive path too). */
  readonly engineMainSystemCpuUsPerCommand: number;
  /** ...this process's main thread: the counting subscribers (the load generator is a worker thread). */
  readonly readersCpuUsPerCommand: number;
  readonly readersSystemCpuUsPerCommand: number;
  /** 1-minute load average at the end of the run (the machine is shared). */
  readonly load1m: number;
}

/** The private cases' world: PRIVATE_BUYERS principals, each owning one funded buyer account; their keys. */
async function setUpPrivateBuyers(engine: EngineProcess): Promise<string[]> {
  const admin = await ControlClient.connect(engine.host, engine.tcpPort, engine.adminKey);
  const keys: string[] = [];
  try {
    for (let i = 0; i < PRIVATE_BUYERS; i++) {
      const secret = randomBytes(24).toString('base64url');
      const response = await fetch(`http://${engine.host}:${engine.wsPort}/v1/commands/createPrincipal`, {
        method: 'POST', headers: { authorization: `Bearer ${engine.adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'createPrincipal', admin: 0, ...keyDigestFields(secret) }),
      });
      const answer = await response.json() as { code?: number; result?: { principalId?: number } };
      const id = answer.result?.principalId;
      if (answer.code !== 0 || typeof id !== 'number') throw new Error(`bench setup createPrincipal failed: ${JSON.stringify(answer)}`);
      const key = `rk_${id}_${secret}`;
      const owner = await ControlClient.connect(engine.host, engine.tcpPort, key);
      try {
        await owner.expectOk({ kind: 'createAccount', accountId: PRIVATE_FIRST_ACCOUNT + i });
      } finally {
        owner.close();
      }
      await admin.expectOk({ kind: 'deposit', accountId: PRIVATE_FIRST_ACCOUNT + i, assetId: FLASH_SALE.asset, amount: PRIVATE_FUNDS });
      keys.push(key);
    }
  } finally {
    admin.close();
  }
  return keys;
}

function cpuSince(now: ThreadCpu, before: ThreadCpu): ThreadCpu {
  return { userSeconds: now.userSeconds - before.userSeconds, systemSeconds: now.systemSeconds - before.systemSeconds };
}

async function runFanout(c: FanoutCase, mode: 'quick' | 'full', runIndex: number, log: (line: string) => void): Promise<FanoutRun> {
  const eventsPort = await freePort();
  const profileRoot = benchContext().profileDir;
  const profileDir = profileRoot === null ? null : `${profileRoot}/events-${c.name}-run${runIndex + 1}`;
  const engineRepo = process.env.RINGLINE_EVENTS_ENGINE_REPO;
  const engine = await startEngineProcess({
    durability: 'fsync', profileDir, log, extraArgs: ['--events-tcp-port', String(eventsPort)], maxOpenFiles: 4096,
    ...(engineRepo === undefined || engineRepo === '' ? {} : { repoRoot: engineRepo }),
  });
  const subscribers: CountingSubscriber[] = [];
  let profiles: string[] = [];
  try {
    await setUpFlashSale(engine);
    const privateKeys = c.stream === 'private' ? await setUpPrivateBuyers(engine) : [];
    for (let i = 0; i < c.subscribers; i++) {
      const key = c.stream === 'private' ? privateKeys[i % privateKeys.length] as string : engine.adminKey;
      subscribers.push(await CountingSubscriber.open(engine.host, eventsPort, key, c.stream));
    }
    const loaded = loadCase();
    const sizing = e2eSizing(mode, loaded.mode, 'tcp');
    const spec = e2eLoadSpec(engine, 'tcp', loaded, sizing, 0);
    const load = c.stream !== 'private' ? spec : {
      ...spec, messages: privateKeys.map((_, i) => patchableRequest({ kind: 'buy', itemId: FLASH_SALE.item, buyerAccountId: PRIVATE_FIRST_ACCOUNT + i, quantity: 1, maxUnitPrice: 0 }, true)),
    };
    const before = subscribers.reduce((sum, s) => sum + s.records, 0);
    const metricsBefore = await fetchMetrics(engine.host, engine.wsPort);
    const engineCpuBefore = readProcessUsage(engine.pid).cpuSeconds;
    const engineMainBefore = readThreadCpu(engine.pid, engine.pid);
    const threadsBefore = readThreadsCpuSeconds(engine.pid);
    const readersBefore = readThreadCpu(process.pid, process.pid);
    const started = performance.now();
    const result = await runLoad(load, sizing.workers);
    const readersCpu = cpuSince(readThreadCpu(process.pid, process.pid), readersBefore);
    const engineMainCpu = cpuSince(readThreadCpu(engine.pid, engine.pid), engineMainBefore);
    const engineCpu = readProcessUsage(engine.pid).cpuSeconds - engineCpuBefore;
    const threads = [...readThreadsCpuSeconds(engine.pid)].map(([tid, s]) => [tid, s - (threadsBefore.get(tid) ?? 0)] as const).filter(([, s]) => s > 0).sort((a, b) => b[1] - a[1]);
    log(`${c.name}: engine threads' CPU µs/command over the load: ${threads.slice(0, 8).map(([tid, s]) => `${tid === engine.pid ? 'main' : tid - engine.pid} ${((s * 1e6) / Math.max(1, result.sent)).toFixed(2)}`).join(', ')}`);
    const metricsAfter = await fetchMetrics(engine.host, engine.wsPort);
    const fanOutShare = (counter(metricsAfter, FANOUT_SECONDS) - counter(metricsBefore, FANOUT_SECONDS)) / ((performance.now() - started) / 1000);
    const sent = counter(metricsAfter, EVENTS_SENT) - counter(metricsBefore, EVENTS_SENT);
    const delivered = subscribers.reduce((sum, s) => sum + s.records, 0) - before;
    const seconds = (sizing.warmupMs + sizing.durationMs) / 1000;
    result.histogram?.destroy();
    const perCommandUs = (cpuSeconds: number): number => (result.sent > 0 ? (cpuSeconds * 1e6) / result.sent : 0);
    return {
      throughput: result.throughputPerS, eventsPerS: delivered / seconds, eventsSent: sent, commands: result.sent, overruns: counter(metricsAfter, OVERRUNS) - counter(metricsBefore, OVERRUNS),
      fanOuts: counter(metricsAfter, FANOUTS) - counter(metricsBefore, FANOUTS), slow: subscribers.filter((s) => s.closedSlow).length, errors: result.errors,
      load1m: loadavg()[0] ?? 0, fanOutShare,
      engineCpuUsPerCommand: perCommandUs(engineCpu),
      engineMainCpuUsPerCommand: perCommandUs(engineMainCpu.userSeconds + engineMainCpu.systemSeconds), engineMainSystemCpuUsPerCommand: perCommandUs(engineMainCpu.systemSeconds),
      readersCpuUsPerCommand: perCommandUs(readersCpu.userSeconds + readersCpu.systemSeconds), readersSystemCpuUsPerCommand: perCommandUs(readersCpu.systemSeconds),
    };
  } finally {
    for (const s of subscribers) s.close();
    profiles = await engine.stop();
    for (const p of profiles) {
      log(`cpu profile: ${p}`);
      for (const line of await summarizeProfileFile(p).catch(() => [] as string[])) log(`  ${line}`);
    }
  }
}

const STREAM_NOTES: Record<Stream, string> = {
  all: 'all (admin), TCP event port',
  market: 'market of a symbol without trades (progress only), TCP event port',
  private: `private: ${PRIVATE_BUYERS} principals each subscribed to its own stream, the buys spread round-robin over their accounts, TCP event port`,
};

const pct = (x: number): number => Math.round(x * 1000) / 10;
const us = (x: number): number => Math.round(x * 100) / 100;

export const run: ScenarioRun = async (options) => {
  const cases = selectedCases();
  const perFanout = new Map<string, FanoutRun[]>();
  for (let r = 0; r < options.runs; r++) {
    for (const c of cases) {
      // An engine that fails to start under the shared machine's load is started again, once.
      const result = await runFanout(c, options.mode, r, options.log).catch((error: unknown) => {
        options.log(`${c.name} run ${r + 1}: ${String(error)}; again`);
        return runFanout(c, options.mode, r, options.log);
      });
      options.log(`${c.name} run ${r + 1}/${options.runs}: ${Math.round(result.throughput)} commands/s, ${Math.round(result.eventsPerS)} events/s delivered (${result.eventsSent} sent for ${result.commands} commands), ${result.slow} slow, ${result.overruns} overruns, ${result.fanOuts} fan-outs, ` +
        `fan-out ${(result.fanOutShare * 100).toFixed(1)}% of the main thread, CPU µs/command: engine ${us(result.engineCpuUsPerCommand)} (main thread ${us(result.engineMainCpuUsPerCommand)}, kernel ${us(result.engineMainSystemCpuUsPerCommand)}), ` +
        `readers ${us(result.readersCpuUsPerCommand)} (kernel ${us(result.readersSystemCpuUsPerCommand)}), load ${result.load1m.toFixed(1)}`);
      perFanout.set(c.name, [...(perFanout.get(c.name) ?? []), result]);
    }
  }
  const medianOf = (name: string, figure: (x: FanoutRun) => number): number => {
    const runs = perFanout.get(name) ?? [];
    return runs.length === 0 ? 0 : median(runs.map(figure));
  };
  return cases.map((c): ResultRow => {
    const runs = perFanout.get(c.name) ?? [];
    const throughput = medianOf(c.name, (x) => x.throughput);
    const baseline = medianOf(c.baseline, (x) => x.throughput);
    const engineCpu = medianOf(c.name, (x) => x.engineCpuUsPerCommand);
    const baselineCpu = medianOf(c.baseline, (x) => x.engineCpuUsPerCommand);
    return {
      scenario: 'events',
      case: c.name,
      conditions: {
        subscribers: c.subscribers, stream: STREAM_NOTES[c.stream], load: loadCase().mode === 'open' ? `open-loop stock-buy at ${loadCase().ratePerS} commands/s` : 'closed-loop stock-buy, e2e-tcp max-throughput sizing', durability: 'fsync',
        events_per_command: 3, events_delivered_per_s: Math.round(medianOf(c.name, (x) => x.eventsPerS)), baseline: c.baseline,
        throughput_cost_vs_baseline_pct: baseline > 0 ? pct(1 - throughput / baseline) : 0,
        engine_cpu_us_per_command: us(engineCpu),
        engine_cpu_cost_vs_baseline_pct: baselineCpu > 0 ? pct(engineCpu / baselineCpu - 1) : 0,
        engine_main_thread_cpu_us_per_command: us(medianOf(c.name, (x) => x.engineMainCpuUsPerCommand)),
        engine_main_thread_extra_us_per_command_vs_baseline: us(medianOf(c.name, (x) => x.engineMainCpuUsPerCommand) - medianOf(c.baseline, (x) => x.engineMainCpuUsPerCommand)),
        engine_main_thread_kernel_cpu_us_per_command: us(medianOf(c.name, (x) => x.engineMainSystemCpuUsPerCommand)),
        readers_cpu_us_per_command: us(medianOf(c.name, (x) => x.readersCpuUsPerCommand)),
        readers_kernel_cpu_us_per_command: us(medianOf(c.name, (x) => x.readersSystemCpuUsPerCommand)),
        slow_consumer_disconnects: runs.reduce((sum, x) => sum + x.slow, 0), overruns: runs.reduce((sum, x) => sum + x.overruns, 0),
        commands_per_fanout: Math.round(medianOf(c.name, (x) => (x.fanOuts > 0 ? x.commands / x.fanOuts : 0)) * 10) / 10, runs: options.runs,
        fanout_main_thread_pct: pct(medianOf(c.name, (x) => x.fanOutShare)),
        load_average_1m_median: Math.round(medianOf(c.name, (x) => x.load1m) * 10) / 10,
        note: 'the subscribers (readers: this process\'s main thread) and the load generator (a worker thread) share the 2 cores with the engine; CPU per command counts warm-up and drain',
      },
      throughput_per_s: Math.round(throughput),
      latency_us: null,
      gc_events: null,
      errors: runs.reduce((sum, x) => sum + x.errors, 0),
    };
  });
};
