/**
 * console: what one open operator console costs the engine. The engine in a child process
 * (`ringline start`, fsync), one console (logged in through /console/login, reading every Server-Sent
 * Events frame at the default 1 Hz, watching symbol 7, a book with resting orders), on one engine;
 * every case alternates without and with the console many times, in alternating order, so a drift in
 * the shared machine's load favours neither side.
 *
 *   case cpu-per-command (the headline; and cpu-per-command-no-symbol, a console watching nothing):
 *   an open loop of RATE_PER_S flash-sale buys (the e2e benches'
 *   rate-50k load) per slice; the engine's CPU time (every thread, utime + stime from /proc/PID/stat)
 *   divided by the commands it applied in the same window (ringline_commands_applied_total). Work, not
 *   throughput: a throughput-bound engine turns CPU into commands, so with ÷ without of CPU per command
 *   is the console's share of the engine's capacity (1.01 = 1% less throughput at saturation).
 *   throughput_per_s: the median applied rate with a console; conditions: per-run ratios and their
 *   median, CPU µs per command each side, the load average.
 *   case with-vs-without-console: the e2e-tcp max-throughput load (closed loop) without and with a
 *   console, per-run ratios; on a shared 2-core machine this row is noise-bound (±10–20% per run).
 *   case idle-cpu: the engine's CPU over IDLE_WINDOW_MS with no traffic, without and with a console:
 *   what the console costs when nothing happens, as a share of one core.
 */
import { loadavg } from 'node:os';
import { benchContext } from '../bench_context.ts';
import { median } from '../median.ts';
import { e2eLoadSpec, e2eSizing, setUpFlashSale, type E2eCase } from '../engine/e2e_run.ts';
import { fetchMetrics } from '../engine/engine_metrics.ts';
import { startEngineProcess, type EngineProcess } from '../engine/engine_process.ts';
import { readProcessUsage } from '../engine/process_usage.ts';
import { consoleLogin, readConsoleFrames } from '../load/console_stream_client.ts';
import { runLoad } from '../load/run_load.ts';
import type { ResultRow, ScenarioRun } from '../result_row.ts';

const MAX_CASE: E2eCase = { name: 'max-throughput', mix: 'stock-buy', durability: 'fsync', mode: 'closed', ratePerS: 0 };
const RATE_PER_S = 50_000;
const RATE_CASE: E2eCase = { name: 'rate-50k', mix: 'stock-buy', durability: 'fsync', mode: 'open', ratePerS: RATE_PER_S };
/** The watched symbol: a book with resting orders on both sides (setUpBook). */
const WATCHED_SYMBOL = 7;
const IDLE_WINDOW_MS = 5_000;
/** Open-loop slices per run of the cpu-per-command case (each a pair without / with). */
const CPU_PAIRS_PER_RUN = 2;
const CONSOLE_DESCRIPTION = `one client on /console/stream (1 Hz frames), watching symbol ${WATCHED_SYMBOL} (resting orders both sides)`;

/** A symbol with a book: bids 99 × 5 and 98 × 2, asks 101 × 3 (through the HTTP/JSON API, as admin). */
async function setUpBook(engine: EngineProcess): Promise<void> {
  const commands: [string, Record<string, number | string>][] = [
    ['createAsset', { assetId: 70 }], ['createAsset', { assetId: 71 }],
    ['createSymbol', { symbolId: WATCHED_SYMBOL, baseAssetId: 70, quoteAssetId: 71, tickSize: 1, lotSize: 1 }],
    ['createAccount', { accountId: 700 }],
    ['deposit', { accountId: 700, assetId: 70, amount: 1_000_000 }], ['deposit', { accountId: 700, assetId: 71, amount: 1_000_000 }],
    ['placeOrder', { symbolId: WATCHED_SYMBOL, accountId: 700, price: 99, quantity: 5, side: 'buy' }],
    ['placeOrder', { symbolId: WATCHED_SYMBOL, accountId: 700, price: 98, quantity: 2, side: 'buy' }],
    ['placeOrder', { symbolId: WATCHED_SYMBOL, accountId: 700, price: 101, quantity: 3, side: 'sell' }],
  ];
  let correlationId = 1;
  for (const [type, body] of commands) {
    const response = await fetch(`http://${engine.host}:${engine.wsPort}/v1/commands/${type}`, {
      method: 'POST', headers: { authorization: `Bearer ${engine.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ correlationId: correlationId++, ...body }),
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`console bench setup ${type} failed: ${response.status} ${text}`);
  }
}

/** A console streaming from the engine until the returned stop(). */
async function openConsole(engine: EngineProcess, symbols: string): Promise<{ frames: () => number; stop: () => Promise<number> }> {
  const httpUrl = `http://${engine.host}:${engine.wsPort}`;
  let stopped = false;
  let count = 0;
  let booksShown = false;
  const cookie = await consoleLogin(httpUrl, engine.adminKey);
  const streaming = readConsoleFrames(httpUrl, cookie, symbols, (all) => {
    count = all.length;
    booksShown ||= symbols === '' || (all.at(-1)?.books[0]?.bids.length ?? 0) > 0;
    return stopped;
  }, 3_600_000);
  const deadline = Date.now() + 30_000;
  // Measured once the console shows the book: its set-up (login, subscriptions, first book) is done.
  while ((count < 2 || !booksShown) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
  if (count < 2 || !booksShown) throw new Error(`console bench: the console showed no book within 30 s (${count} frames)`);
  return {
    frames: () => count,
    stop: async () => {
      stopped = true;
      await streaming;
      return count;
    },
  };
}

/** Percent of one core the engine used over `windowMs`. */
async function cpuPercent(engine: EngineProcess, windowMs: number): Promise<number> {
  const before = readProcessUsage(engine.pid);
  const started = Date.now();
  await new Promise((res) => setTimeout(res, windowMs));
  const after = readProcessUsage(engine.pid);
  return (100 * (after.cpuSeconds - before.cpuSeconds)) / ((Date.now() - started) / 1000);
}

/** The engine's counters a slice is judged by, from GET /metrics. */
interface EngineCounters {
  readonly applied: number;
  /** Main-thread time in the console's ticks (ringline_console_seconds_total). */
  readonly consoleSeconds: number;
  /** Main-thread time in the event hub's fan-out (ringline_event_fanout_seconds_total): the console's market subscription is its only subscriber here. */
  readonly fanOutSeconds: number;
  /** GET_DEPTH commands received (the console's book queries). */
  readonly getDepth: number;
  /** Event-hub overruns and journal replays (a subscriber the fan-out fell behind). */
  readonly overruns: number;
  readonly replays: number;
}

function counter(text: string, name: string, labels = ''): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    const value = labels === '' ? /^\s+([0-9.eE+-]+)$/.exec(rest) : rest.startsWith('{') && rest.includes(labels) ? /\}\s+([0-9.eE+-]+)$/.exec(rest) : null;
    if (value !== null) return Number(value[1]);
  }
  return 0;
}

async function engineCounters(engine: EngineProcess): Promise<EngineCounters> {
  const text = await fetchMetrics(engine.host, engine.wsPort, 10_000);
  if (text === null || !text.includes('ringline_commands_applied_total')) throw new Error('console bench: cannot read the engine\'s /metrics');
  return {
    applied: counter(text, 'ringline_commands_applied_total'),
    consoleSeconds: counter(text, 'ringline_console_seconds_total'),
    fanOutSeconds: counter(text, 'ringline_event_fanout_seconds_total'),
    getDepth: counter(text, 'ringline_commands_total', 'command="GET_DEPTH"'),
    overruns: counter(text, 'ringline_event_overruns_total'),
    replays: counter(text, 'ringline_event_replays_total'),
  };
}

const ratioText = (xs: readonly number[]): string => xs.map((x) => x.toFixed(4)).join(' ');
const spread = (xs: readonly number[]): string => [Math.min(...xs), median(xs), Math.max(...xs)].map((x) => x.toFixed(2)).join(' / ');

/** No console; one console watching no symbol (the page as it opens); one watching WATCHED_SYMBOL (its book and trades). */
type Variant = 'none' | 'page' | 'book';
const SYMBOLS_OF: Readonly<Record<Exclude<Variant, 'none'>, string>> = { page: '', book: String(WATCHED_SYMBOL) };

/**
 * Runs `measure` once per variant per round, `rounds` times, rotating which goes first so a drift in
 * the machine's load favours none; returns each variant's figures in round order.
 */
async function alternate<T>(engine: EngineProcess, variants: readonly Variant[], rounds: number, label: string, log: (line: string) => void,
  loads: number[], measure: () => Promise<T>, show: (x: T) => string): Promise<Record<Variant, T[]>> {
  const out: Record<Variant, T[]> = { none: [], page: [], book: [] };
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < variants.length; i++) {
      const variant = variants[(i + r) % variants.length] as Variant;
      const viewer = variant === 'none' ? null : await openConsole(engine, SYMBOLS_OF[variant]);
      loads.push(loadavg()[0]);
      const x = await measure();
      loads.push(loadavg()[0]);
      await viewer?.stop();
      out[variant].push(x);
      log(`${label} ${r + 1}/${rounds} ${variant === 'none' ? 'no console' : variant === 'page' ? 'console, no symbol' : `console watching ${WATCHED_SYMBOL}`}: ${show(x)}, load average ${loadavg()[0].toFixed(2)}`);
    }
  }
  return out;
}

export const run: ScenarioRun = async (options) => {
  const maxSizing = e2eSizing(options.mode, 'closed', 'tcp');
  const rateSizing = e2eSizing(options.mode, 'open', 'tcp');
  const engine = await startEngineProcess({ durability: 'fsync', profileDir: benchContext().profileDir, log: options.log });
  let errors = 0;
  let loadIndex = 0;
  const rows: ResultRow[] = [];
  try {
    await setUpFlashSale(engine);
    await setUpBook(engine);
    // A first load of each kind warms the engine (JIT, journal segments) and is not counted.
    for (const c of [RATE_CASE, MAX_CASE]) {
      const sizing = c === RATE_CASE ? rateSizing : maxSizing;
      await runLoad(e2eLoadSpec(engine, 'tcp', c, sizing, loadIndex++), sizing.workers).then((r) => r.histogram?.destroy());
    }

    // ---- CPU per command at a fixed rate -------------------------------------------------------
    const cpuLoads: number[] = [];
    const cpu = await alternate(engine, ['none', 'page', 'book'], options.runs * CPU_PAIRS_PER_RUN, 'cpu', options.log, cpuLoads, async () => {
      const cpuBefore = readProcessUsage(engine.pid).cpuSeconds;
      const before = await engineCounters(engine);
      const startedMs = Date.now();
      const load = await runLoad(e2eLoadSpec(engine, 'tcp', RATE_CASE, rateSizing, loadIndex++), rateSizing.workers);
      const after = await engineCounters(engine);
      const cpuSeconds = readProcessUsage(engine.pid).cpuSeconds - cpuBefore;
      const seconds = (Date.now() - startedMs) / 1000;
      const applied = after.applied - before.applied;
      errors += load.errors;
      load.histogram?.destroy();
      const tickSeconds = after.consoleSeconds - before.consoleSeconds;
      const fanOutSeconds = after.fanOutSeconds - before.fanOutSeconds;
      return {
        usPerCommand: (1e6 * cpuSeconds) / applied, appliedPerS: applied / seconds, cores: cpuSeconds / seconds,
        consoleShare: (tickSeconds + fanOutSeconds) / cpuSeconds, tickShare: tickSeconds / cpuSeconds, fanOutShare: fanOutSeconds / cpuSeconds,
        getDepthPerS: (after.getDepth - before.getDepth) / seconds,
      };
    }, (x) => `${x.usPerCommand.toFixed(3)} µs CPU per command, ${Math.round(x.appliedPerS)} applied/s, ${x.cores.toFixed(2)} cores, ` +
      `console's main-thread time ${(100 * x.consoleShare).toFixed(3)}% of the engine's CPU (ticks ${(100 * x.tickShare).toFixed(3)}%, ` +
      `fan-out ${(100 * x.fanOutShare).toFixed(3)}%), ${x.getDepthPerS.toFixed(2)} GET_DEPTH/s`);
    for (const variant of ['book', 'page'] as const) {
      const withConsole = cpu[variant];
      const ratios = withConsole.map((w, i) => w.usPerCommand / (cpu.none[i]?.usPerCommand ?? Number.NaN));
      const usWith = median(withConsole.map((x) => x.usPerCommand));
      const usWithout = median(cpu.none.map((x) => x.usPerCommand));
      rows.push({
        scenario: 'console',
        case: variant === 'book' ? 'cpu-per-command' : 'cpu-per-command-no-symbol',
        conditions: {
          transport: 'tcp', mix: RATE_CASE.mix, durability: RATE_CASE.durability, load: 'open-loop', rate_per_s: RATE_PER_S,
          connections: rateSizing.connections, warmup_ms: rateSizing.warmupMs, duration_ms: rateSizing.durationMs, rounds: withConsole.length,
          engine: 'child process, default config, one engine for every slice (no console / console without symbol / console watching a symbol, rotating)',
          console: variant === 'book' ? CONSOLE_DESCRIPTION : 'one client on /console/stream (1 Hz frames), no symbol watched',
          cpu_us_per_command_without: Number(usWithout.toFixed(3)),
          cpu_us_per_command_with: Number(usWith.toFixed(3)),
          ratio_per_run_median: Number(median(ratios).toFixed(4)),
          ratio_of_medians: Number((usWith / usWithout).toFixed(4)),
          ratios_per_run: ratioText(ratios),
          engine_cores_without_with: `${median(cpu.none.map((x) => x.cores)).toFixed(2)} / ${median(withConsole.map((x) => x.cores)).toFixed(2)}`,
          console_accounted_percent_of_engine_cpu: Number((100 * median(withConsole.map((x) => x.consoleShare))).toFixed(3)),
          console_accounted_percent_max: Number((100 * Math.max(...withConsole.map((x) => x.consoleShare))).toFixed(3)),
          console_ticks_percent_of_engine_cpu: Number((100 * median(withConsole.map((x) => x.tickShare))).toFixed(3)),
          console_fanout_percent_of_engine_cpu: Number((100 * median(withConsole.map((x) => x.fanOutShare))).toFixed(3)),
          get_depth_per_s_with: Number(median(withConsole.map((x) => x.getDepthPerS)).toFixed(2)),
          load_average_1m_min_median_max: spread(cpuLoads),
          note: 'engine CPU (all threads, /proc utime+stime) ÷ ringline_commands_applied_total over each slice; ratio = with ÷ without of the same round (1.01 = console costs 1%); ' +
            'accounted = main-thread wall time of console ticks + event-hub fan-out (its only subscriber is the console) ÷ engine CPU, same slices (counts preemption: high, never low)',
        },
        throughput_per_s: Math.round(median(withConsole.map((x) => x.appliedPerS))),
        latency_us: null, gc_events: null, errors,
      });
    }

    // ---- max throughput (noise-bound on a shared machine) ----------------------------------------
    const maxLoads: number[] = [];
    let maxReplays = 0;
    const max = await alternate(engine, ['none', 'book'], options.runs, 'max', options.log, maxLoads, async () => {
      const before = await engineCounters(engine);
      const load = await runLoad(e2eLoadSpec(engine, 'tcp', MAX_CASE, maxSizing, loadIndex++), maxSizing.workers);
      const after = await engineCounters(engine);
      errors += load.errors;
      load.histogram?.destroy();
      maxReplays += after.replays - before.replays;
      options.log(`  event hub during it: ${after.overruns - before.overruns} overruns, ${after.replays - before.replays} journal replays, ` +
        `fan-out ${((after.fanOutSeconds - before.fanOutSeconds) * 1000).toFixed(1)} ms, console ticks ${((after.consoleSeconds - before.consoleSeconds) * 1000).toFixed(1)} ms`);
      return load.throughputPerS;
    }, (x) => `${Math.round(x)}/s`);
    const maxRatios = max.book.map((w, i) => w / (max.none[i] ?? Number.NaN));
    rows.push({
      scenario: 'console',
      case: 'with-vs-without-console',
      conditions: {
        transport: 'tcp', mix: MAX_CASE.mix, durability: MAX_CASE.durability, load: 'closed-loop', pipeline_per_connection: maxSizing.pipelineMax,
        connections: maxSizing.connections, warmup_ms: maxSizing.warmupMs, duration_ms: maxSizing.durationMs, pairs: max.book.length,
        engine: 'child process, default config, one engine for every load (alternating order)', console: CONSOLE_DESCRIPTION,
        throughput_without_console_per_s: Math.round(median(max.none)),
        ratio_with_vs_without: Number((median(max.book) / median(max.none)).toFixed(4)),
        ratio_per_run_median: Number(median(maxRatios).toFixed(4)),
        ratios_per_run: ratioText(maxRatios),
        event_hub_journal_replays: maxReplays,
        load_average_1m_min_median_max: spread(maxLoads),
      },
      throughput_per_s: Math.round(median(max.book)),
      latency_us: null, gc_events: null, errors,
    });

    // ---- idle ------------------------------------------------------------------------------------
    const idleLoads: number[] = [];
    const idle = await alternate(engine, ['none', 'page', 'book'], options.runs, 'idle', options.log, idleLoads, () => cpuPercent(engine, IDLE_WINDOW_MS),
      (x) => `${x.toFixed(2)}% of a core`);
    rows.push({
      scenario: 'console',
      case: 'idle-cpu',
      conditions: {
        window_s: IDLE_WINDOW_MS / 1000, durability: 'fsync', rounds: idle.book.length, console: CONSOLE_DESCRIPTION,
        cpu_percent_of_core_without: Number(median(idle.none).toFixed(3)),
        cpu_percent_of_core_with_no_symbol: Number(median(idle.page).toFixed(3)),
        cpu_percent_of_core_with: Number(median(idle.book).toFixed(3)),
        console_cost_percent_of_core: Number((median(idle.book) - median(idle.none)).toFixed(3)),
        load_average_1m_min_median_max: spread(idleLoads),
        note: 'no traffic; CPU time of all engine threads (user + system) from /proc',
      },
      throughput_per_s: null, latency_us: null, gc_events: null, errors: 0,
    });
  } catch (error) {
    throw new Error(`${(error as Error).message}\nengine stderr (tail):\n${engine.stderrTail()}`);
  } finally {
    await engine.stop();
  }
  return rows;
};
