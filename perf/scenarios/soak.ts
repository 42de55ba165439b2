/**
 * soak: the engine in a child process with its default configuration (fsync, periodic snapshots on),
 * first driven closed loop for a few seconds to find its maximum throughput, then open loop at half of
 * it (or at `--rate N` commands/s: case `rate-N`) for `--minutes` (10 by default, 1 with --quick), over
 * loopback TCP. Every interval (1/30 of the run,
 * 2 s to 20 s) it records the latency of the replies that arrived in it (p50, p99, max), the errors and
 * dropped commands, the engine process's RSS and the snapshots asked for: the row's `timeline`, drawn
 * over time in the report. The row also carries the logic thread's longest snapshot pause.
 *
 *   load generator (1 worker, 4 connections, open loop) ──TCP──► ringline start (default config)
 */
import { readFileSync } from 'node:fs';
import { benchContext } from '../bench_context.ts';
import { e2eLoadSpec, e2eSizing, setUpFlashSale, OPEN_LOOP_PACING_US, type E2eCase } from '../engine/e2e_run.ts';
import {
  fetchMetrics, gcDelta, metricSample, parseGatewayHeap, parseGcMetrics, parseGcPauseMs, SoakSeries, type GatewayHeapReading,
} from '../engine/engine_metrics.ts';
import { parseStageMetrics, stageFigures, type StageHistogram } from '../engine/stage_metrics.ts';
import { startEngineProcess, type EngineProcess } from '../engine/engine_process.ts';
import { mergeEncodedHistograms } from '../histogram.ts';
import { runLoad } from '../load/run_load.ts';
import type { LoadInterval } from '../load/load_spec.ts';
import { publishCurve } from '../report/curve_store.ts';
import type { ResultRow, ScenarioRun, TimelinePoint } from '../result_row.ts';

const PROBE: E2eCase = { name: 'max-throughput', mix: 'stock-buy', durability: 'fsync', mode: 'closed', ratePerS: 0 };
const PROBE_MS = 3000;
const INTERVALS = 30;

/** The engine's RSS in MiB (Linux /proc), or 0 where it cannot be read. */
export function processRssMib(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? 0 : Number(m[1]) / 1024;
  } catch {
    return 0;
  }
}

interface MetricsReading {
  readonly stages: Map<string, StageHistogram>;
  readonly gcEvents: Map<string, number>;
  readonly gcPauseMs: Map<string, number>;
  readonly gatewayHeap: GatewayHeapReading | null;
}

function readingOf(metrics: string | null): MetricsReading | null {
  return metrics === null ? null : {
    stages: parseStageMetrics(metrics), gcEvents: parseGcMetrics(metrics), gcPauseMs: parseGcPauseMs(metrics), gatewayHeap: parseGatewayHeap(metrics),
  };
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

/** The gateway's collections by kind between two readings and its heap at the second. */
function gatewayHeapOf(before: GatewayHeapReading | null, after: GatewayHeapReading | null): TimelinePoint['gateway_heap'] {
  if (before === null || after === null) return undefined;
  return {
    major_gcs: after.major - before.major, minor_gcs: after.minor - before.minor, old_mib: round1(after.oldUsedMib),
    new_capacity_mib: round1(after.newCapacityMib), external_mib: round1(after.externalMib),
  };
}

export const run: ScenarioRun = async (options) => {
  const { soakMinutes: minutes, soakRatePerS: askedRatePerS } = benchContext();
  const durationMs = Math.round(minutes * 60_000);
  const intervalMs = Math.min(20_000, Math.max(2000, Math.round(durationMs / INTERVALS)));
  const engine: EngineProcess = await startEngineProcess({ durability: 'fsync', profileDir: null, log: options.log });
  try {
    await setUpFlashSale(engine);
    const probeSizing = { ...e2eSizing('quick', 'closed', 'tcp'), warmupMs: 500, durationMs: PROBE_MS };
    const probe = await runLoad(e2eLoadSpec(engine, 'tcp', PROBE, probeSizing, 0), probeSizing.workers);
    probe.histogram?.destroy();
    const ratePerS = askedRatePerS ?? Math.max(1000, Math.round(probe.throughputPerS / 2 / 1000) * 1000);
    options.log(`max throughput ${Math.round(probe.throughputPerS)}/s (closed loop, ${PROBE_MS} ms): soak at ${ratePerS}/s` +
      `${askedRatePerS === null ? '' : ' (--rate)'} for ${minutes} min, ${intervalMs / 1000} s intervals`);

    const soakCase: E2eCase = { name: askedRatePerS === null ? 'rate-half-max' : `rate-${ratePerS}`, mix: 'stock-buy', durability: 'fsync', mode: 'open', ratePerS };
    const sizing = { ...e2eSizing('quick', 'open', 'tcp'), warmupMs: 1000, durationMs: Math.floor(durationMs / intervalMs) * intervalMs };
    const spec = { ...e2eLoadSpec(engine, 'tcp', soakCase, sizing, 1), intervalMs };
    const timeline: TimelinePoint[] = [];
    // The logic thread's GC events from here on: the probe's warm-up (code compiled, tiers up) is behind,
    // and so are its GC counts once the idle logic thread has returned to its event loop (within ~1 s).
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const before = await fetchMetrics(engine.host, engine.wsPort);
    const logicGcBefore = metricSample(before, SoakSeries.LOGIC_GC_EVENTS);
    const logicGcPauseBeforeS = metricSample(before, SoakSeries.LOGIC_GC_PAUSE_S);
    // Each interval's stages and GC are the difference from the reading before it: readings are taken
    // as intervals end and handled in that order.
    let previous = readingOf(before);
    let samples: Promise<void> = Promise.resolve();
    const onInterval = (_worker: number, interval: LoadInterval): void => {
      const rssMib = processRssMib(engine.pid);
      const fetched = fetchMetrics(engine.host, engine.wsPort);
      samples = samples.then(() => fetched).then((metrics) => {
        const h = mergeEncodedHistograms([interval.histogram]);
        const p = h.percentilesUs();
        h.destroy();
        const reading = readingOf(metrics);
        const stages = previous === null || reading === null ? undefined : stageFigures(previous.stages, reading.stages);
        const point: TimelinePoint = {
          t_s: ((interval.index + 1) * intervalMs) / 1000, rss_mib: Math.round(rssMib * 10) / 10, completed: interval.completed,
          p50_us: p?.p50 ?? 0, p99_us: p?.p99 ?? 0, max_us: p?.max ?? 0, errors: interval.errors, dropped: interval.dropped,
          snapshots: metricSample(metrics, SoakSeries.SNAPSHOTS), logic_gc_events: metricSample(metrics, SoakSeries.LOGIC_GC_EVENTS) - logicGcBefore,
          ...(previous === null || reading === null ? {} : {
            stages, engine_gc_events: gcDelta(previous.gcEvents, reading.gcEvents), engine_gc_pause_ms: gcDelta(previous.gcPauseMs, reading.gcPauseMs),
            gateway_heap: gatewayHeapOf(previous.gatewayHeap, reading.gatewayHeap),
          }),
        };
        if (reading !== null) previous = reading;
        timeline.push(point);
        const stageP99 = stages === undefined ? '' : `; stage p99 (µs) ${Object.entries(stages).map(([name, f]) => `${name} ${Math.round(f.p99_us)}`).join(', ')}`;
        const gcMain = point.engine_gc_events === undefined ? '' : `; gateway GC ${point.engine_gc_events['engine:main'] ?? 0} ` +
          `(${(point.engine_gc_pause_ms?.['engine:main'] ?? 0).toFixed(1)} ms)`;
        const heap = point.gateway_heap;
        const gatewayHeap = heap === undefined ? '' : `; gateway major/minor GCs ${heap.major_gcs}/${heap.minor_gcs}, old ${heap.old_mib} MiB, ` +
          `young ${heap.new_capacity_mib} MiB, external ${heap.external_mib} MiB`;
        options.log(`t=${point.t_s}s: ${Math.round(interval.completed / (intervalMs / 1000))}/s, p50 ${point.p50_us} µs, p99 ${point.p99_us} µs, ` +
          `max ${point.max_us} µs, errors ${point.errors}, dropped ${point.dropped}, RSS ${point.rss_mib} MiB, snapshots ${point.snapshots}, ` +
          `logic GC events ${point.logic_gc_events}${stageP99}${gcMain}${gatewayHeap}`);
      });
    };
    const load = await runLoad(spec, sizing.workers, onInterval);
    await samples;
    timeline.sort((a, b) => a.t_s - b.t_s);
    const metrics = await fetchMetrics(engine.host, engine.wsPort);
    const histogram = load.histogram;
    if (histogram !== null) publishCurve('soak', soakCase.name, histogram.percentileCurve());
    const rss = timeline.map((t) => t.rss_mib).filter((v) => v > 0);
    const row: ResultRow = {
      scenario: 'soak',
      case: soakCase.name,
      conditions: {
        transport: 'tcp', mix: 'stock-buy', durability: 'fsync', load: 'open-loop', rate_per_s: ratePerS, max_throughput_probe_per_s: Math.round(probe.throughputPerS),
        minutes, interval_s: intervalMs / 1000, pacing_sleep_us: OPEN_LOOP_PACING_US, connections: sizing.connections, engine: 'child process, default config (snapshots on)',
        latency_from: 'intended send time', snapshots: metricSample(metrics, SoakSeries.SNAPSHOTS),
        logic_snapshot_pause_us_max: Math.round(metricSample(metrics, SoakSeries.SNAPSHOT_PAUSE_MAX_S) * 1e6),
        logic_gc_events: metricSample(metrics, SoakSeries.LOGIC_GC_EVENTS) - logicGcBefore,
        logic_gc_pause_ms: Math.round((metricSample(metrics, SoakSeries.LOGIC_GC_PAUSE_S) - logicGcPauseBeforeS) * 1e6) / 1000,
        rss_mib_first: rss[0] ?? 0, rss_mib_max: Math.max(0, ...rss), rss_mib_last: rss.at(-1) ?? 0,
        interval_p99_us_max: Math.max(0, ...timeline.map((t) => t.p99_us)), dropped: load.dropped,
      },
      throughput_per_s: Math.round(load.throughputPerS),
      latency_us: histogram?.percentilesUs() ?? null,
      gc_events: load.gcEvents,
      errors: load.errors,
      timeline,
    };
    histogram?.destroy();
    return [row];
  } catch (err) {
    throw new Error(`${(err as Error).message}\nengine stderr (tail):\n${engine.stderrTail()}`);
  } finally {
    await engine.stop();
  }
};
