/**
 * console: what one open operator console costs the engine. The engine in a child process
 * (`ringline start`, fsync), the e2e-tcp max-throughput load (closed loop, stock-buy), run alternately
 * without a console and with one console streaming (logged in through /console/login, reading every
 * Server-Sent Events frame at the default 4 Hz, watching one symbol: one GET_DEPTH through the ring per
 * tick), on the same engine; medians over the runs and their ratio. The issue's bar: ratio >= 0.99.
 *
 *   case with-vs-without-console: throughput_per_s = median with a console; conditions carry the
 *   median without, the ratio of the medians, the median of the per-run ratios (each run's with / its
 *   own without, measured back to back: less sensitive to the machine's load drifting over the runs),
 *   the 1-minute load average around every load (min / median / max), and the frames the console
 *   received per second of load.
 *   case idle-cpu: the engine's CPU time (all threads, /proc) over IDLE_WINDOW_MS with no traffic,
 *   without and with one console streaming: what building and sending frames costs, as a share of
 *   one core, without the noise of a throughput figure on a shared 2-core machine.
 */
import { loadavg } from 'node:os';
import { benchContext } from '../bench_context.ts';
import { median } from '../median.ts';
import { e2eLoadSpec, e2eSizing, setUpFlashSale, type E2eCase } from '../engine/e2e_run.ts';
import { startEngineProcess, type EngineProcess } from '../engine/engine_process.ts';
import { readProcessUsage } from '../engine/process_usage.ts';
import { consoleLogin, readConsoleFrames } from '../load/console_stream_client.ts';
import { runLoad } from '../load/run_load.ts';
import type { ResultRow, ScenarioRun } from '../result_row.ts';

const CASE: E2eCase = { name: 'max-throughput', mix: 'stock-buy', durability: 'fsync', mode: 'closed', ratePerS: 0 };
/** A symbol that does not exist: its GET_DEPTH still travels the ring and the logic every tick. */
const WATCHED_SYMBOL = '1';
const IDLE_WINDOW_MS = 10_000;

/** A console streaming from the engine until the returned stop() (which resolves with its frame count). */
async function openConsole(engine: EngineProcess): Promise<{ frames: () => number; stop: () => Promise<number> }> {
  const httpUrl = `http://${engine.host}:${engine.wsPort}`;
  let stopped = false;
  let count = 0;
  const cookie = await consoleLogin(httpUrl, engine.adminKey);
  const streaming = readConsoleFrames(httpUrl, cookie, WATCHED_SYMBOL, (all) => {
    count = all.length;
    return stopped;
  }, 3_600_000);
  const deadline = Date.now() + 30_000;
  while (count < 2 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
  if (count < 2) throw new Error('console bench: the console received no frames within 30 s');
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

export const run: ScenarioRun = async (options) => {
  const sizing = e2eSizing(options.mode, 'closed', 'tcp');
  const engine = await startEngineProcess({ durability: 'fsync', profileDir: benchContext().profileDir, log: options.log });
  const without: number[] = [];
  const withConsole: number[] = [];
  const framesPerS: number[] = [];
  const idleWithout: number[] = [];
  const idleWith: number[] = [];
  const pairRatios: number[] = [];
  const loadAverages: number[] = [];
  let errors = 0;
  try {
    await setUpFlashSale(engine);
    let loadIndex = 0;
    // A first load warms the engine (JIT, journal segments) and is not counted.
    await runLoad(e2eLoadSpec(engine, 'tcp', CASE, sizing, loadIndex++), sizing.workers).then((r) => r.histogram?.destroy());
    for (let r = 0; r < options.runs; r++) {
      // Alternate which goes first, so a drift over the runs does not favour one side.
      for (const open of r % 2 === 0 ? [false, true] : [true, false]) {
        // The console is streaming before the load starts.
        const viewer = open ? await openConsole(engine) : null;
        const framesBefore = viewer?.frames() ?? 0;
        const loadStartedMs = Date.now();
        const load = await runLoad(e2eLoadSpec(engine, 'tcp', CASE, sizing, loadIndex++), sizing.workers);
        const framesDuring = (viewer?.frames() ?? 0) - framesBefore;
        const loadSeconds = (Date.now() - loadStartedMs) / 1000;
        await viewer?.stop();
        errors += load.errors;
        load.histogram?.destroy();
        (open ? withConsole : without).push(load.throughputPerS);
        loadAverages.push(loadavg()[0]);
        if (open) framesPerS.push(framesDuring / loadSeconds);
        options.log(`run ${r + 1}/${options.runs} ${open ? 'with' : 'without'} console: ${Math.round(load.throughputPerS)}/s${open ? `, ${framesDuring} frames during the load` : ''}, load average ${loadavg()[0].toFixed(2)}`);
      }
      pairRatios.push((withConsole.at(-1) ?? 0) / (without.at(-1) ?? 1));
    }
    for (let r = 0; r < options.runs; r++) {
      idleWithout.push(await cpuPercent(engine, IDLE_WINDOW_MS));
      const viewer = await openConsole(engine);
      idleWith.push(await cpuPercent(engine, IDLE_WINDOW_MS));
      await viewer.stop();
      options.log(`run ${r + 1}/${options.runs} idle CPU: ${idleWithout.at(-1)?.toFixed(2)}% without, ${idleWith.at(-1)?.toFixed(2)}% with a console`);
    }
  } catch (error) {
    throw new Error(`${(error as Error).message}\nengine stderr (tail):\n${engine.stderrTail()}`);
  } finally {
    await engine.stop();
  }
  const withMedian = median(withConsole);
  const withoutMedian = median(without);
  const row: ResultRow = {
    scenario: 'console',
    case: 'with-vs-without-console',
    conditions: {
      transport: 'tcp', mix: CASE.mix, durability: CASE.durability, load: 'closed-loop', pipeline_per_connection: sizing.pipelineMax,
      connections: sizing.connections, warmup_ms: sizing.warmupMs, duration_ms: sizing.durationMs, runs: options.runs,
      engine: 'child process, default config, one engine for every load (alternating order)',
      console: 'one client on /console/stream (4 Hz frames), watching one symbol',
      throughput_without_console_per_s: Math.round(withoutMedian),
      ratio_with_vs_without: Number((withMedian / withoutMedian).toFixed(4)),
      ratio_per_run_median: Number(median(pairRatios).toFixed(4)),
      ratios_per_run: pairRatios.map((x) => Number(x.toFixed(4))).join(' '),
      load_average_1m_min_median_max: [Math.min(...loadAverages), median(loadAverages), Math.max(...loadAverages)].map((x) => x.toFixed(2)).join(' / '),
      console_frames_per_s: Number(median(framesPerS).toFixed(2)),
    },
    throughput_per_s: Math.round(withMedian),
    latency_us: null,
    gc_events: null,
    errors,
  };
  const idle: ResultRow = {
    scenario: 'console',
    case: 'idle-cpu',
    conditions: {
      window_s: IDLE_WINDOW_MS / 1000, durability: 'fsync', runs: options.runs, console: 'one client on /console/stream (4 Hz frames), watching one symbol',
      cpu_percent_of_core_without: Number(median(idleWithout).toFixed(3)),
      cpu_percent_of_core_with: Number(median(idleWith).toFixed(3)),
      console_cost_percent_of_core: Number((median(idleWith) - median(idleWithout)).toFixed(3)),
      note: 'no traffic; CPU time of all engine threads (user + system) from /proc',
    },
    throughput_per_s: null, latency_us: null, gc_events: null, errors: 0,
  };
  return [row, idle];
};
