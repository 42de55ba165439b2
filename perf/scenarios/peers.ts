/**
 * peers: the usual answers to ringline's problems, measured on the same machine in the same run.
 *   redis-lua            redis-server (default persistence: RDB snapshots, no AOF) + Lua stock decrement,
 *                        ioredis pipelined (closed loop)
 *   redis-lua-fsync      the same with appendonly yes + appendfsync always (every write fsynced)
 *   redis-lua-rate-50k   default persistence, open loop at 50k/s, one command per request
 *   redis-lua-fsync-rate-50k  the same with appendfsync always (beside ringline's e2e-tcp rate-50k)
 *   nodejs-order-book    from perf/scenarios/order_book_peer.ts (the business-logic engineer's), when present
 * ratio_vs_peer = ringline's e2e-tcp stock-buy max-throughput (fsync) ÷ the peer's throughput; ringline's
 * figure comes from e2e-tcp earlier in the same invocation, or is measured here when e2e-tcp did not run.
 * Without redis-server on PATH the Redis cases are skipped with a message.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { median, medianRun } from '../median.ts';
import { publishCurve } from '../report/curve_store.ts';
import type { ResultRow, ScenarioOptions, ScenarioRun } from '../result_row.ts';
import { ScenarioUnavailableError } from '../scenario_unavailable.ts';
import { OPEN_LOOP_PACING_US, runE2eCases } from '../engine/e2e_run.ts';
import { ringlineThroughput } from '../engine/ringline_figures.ts';
import { runRedisOnce, type RedisLoadShape, type RedisRun } from '../peers/redis_bench.ts';
import type { RedisPersistence } from '../peers/redis_server.ts';
import { locateRedis, type RedisBinary } from '../peers/redis_debian.ts';

interface RedisCase {
  readonly name: string;
  readonly persistence: RedisPersistence;
  readonly mode: 'closed' | 'open';
}

const REDIS_CASES: readonly RedisCase[] = [
  { name: 'redis-lua', persistence: 'default', mode: 'closed' },
  { name: 'redis-lua-fsync', persistence: 'appendfsync-always', mode: 'closed' },
  { name: 'redis-lua-rate-50k', persistence: 'default', mode: 'open' },
  { name: 'redis-lua-fsync-rate-50k', persistence: 'appendfsync-always', mode: 'open' },
];

function shape(mode: 'quick' | 'full', load: 'closed' | 'open'): RedisLoadShape {
  const timing = mode === 'full' ? { warmupMs: 1000, durationMs: 5000 } : { warmupMs: 300, durationMs: 1500 };
  return { ...timing, drainMs: 5000, mode: load, connections: load === 'closed' ? 2 : 1, concurrentPipelines: 4, pipelineDepth: 256, ratePerS: 50_000, pacingSleepUs: OPEN_LOOP_PACING_US };
}

/** Ringline's stock-buy max-throughput over TCP in fsync mode: from this invocation, or measured now. */
async function ringlineFigure(options: ScenarioOptions, rows: ResultRow[]): Promise<number | undefined> {
  const known = ringlineThroughput('tcp', 'stock-buy', 'fsync');
  if (known !== undefined) return known;
  options.log('e2e-tcp did not run in this invocation: measuring ringline stock-buy max-throughput (fsync) for the ratios');
  try {
    rows.push(...await runE2eCases('e2e-tcp', 'tcp', [{ name: 'max-throughput', mix: 'stock-buy', durability: 'fsync', mode: 'closed', ratePerS: 0 }], options));
  } catch (err) {
    if (err instanceof ScenarioUnavailableError) {
      options.log(`ringline end-to-end is not available (${err.message}): peer rows carry no ratio`);
      return undefined;
    }
    throw err;
  }
  return ringlineThroughput('tcp', 'stock-buy', 'fsync');
}

async function redisRows(options: ScenarioOptions, ringline: number | undefined): Promise<ResultRow[]> {
  let binary: RedisBinary;
  try {
    binary = locateRedis(options.log);
  } catch (err) {
    options.log(`redis-lua: not available — ${(err as Error).message}`);
    return [];
  }
  const rows: ResultRow[] = [];
  // durability none (acknowledged before fdatasync) is the like-for-like partner of Redis without AOF
  const ringlineNone = ringlineThroughput('tcp', 'stock-buy', 'none');
  for (const c of REDIS_CASES) {
    const s = shape(options.mode, c.mode);
    const runs: RedisRun[] = [];
    for (let i = 0; i < options.runs; i++) {
      const r = await runRedisOnce(binary, c.persistence, s);
      const p = r.load.histogram?.percentilesUs();
      options.log(`${c.name} run ${i + 1}/${options.runs}: ${Math.round(r.load.throughputPerS)}/s, p50 ${p?.p50 ?? '–'} µs, p99 ${p?.p99 ?? '–'} µs, errors ${r.load.errors}`);
      runs.push(r);
    }
    const throughput = median(runs.map((r) => r.load.throughputPerS));
    const chosen = c.mode === 'closed' ? medianRun(runs, (r) => r.load.throughputPerS) : medianRun(runs, (r) => r.load.histogram?.valueAtPercentileNs(99) ?? 0);
    if (chosen.load.histogram !== null) publishCurve('peers', c.name, chosen.load.histogram.percentileCurve());
    const peer = `redis ${chosen.version} + lua (${c.persistence === 'default' ? 'default persistence' : 'appendfsync always'})`;
    rows.push({
      scenario: 'peers',
      case: c.name,
      conditions: {
        peer_transport: 'tcp (RESP, ioredis)', mix: 'stock-decrement', persistence: c.persistence, redis_from: binary.source,
        load: c.mode === 'closed' ? 'closed-loop' : 'open-loop',
        ...(c.mode === 'closed' ? { connections: s.connections, concurrent_pipelines: s.concurrentPipelines, pipeline_depth: s.pipelineDepth } : { rate_per_s: s.ratePerS, pacing_sleep_us: s.pacingSleepUs, connections: 1 }),
        warmup_ms: s.warmupMs, duration_ms: s.durationMs, runs: options.runs,
        ...(ringline !== undefined && c.mode === 'closed' ? { ringline_case: 'e2e-tcp max-throughput (stock-buy, fsync)', ringline_per_s: Math.round(ringline) } : {}),
        ...(ringlineNone !== undefined && c.mode === 'closed' ? { ringline_none_per_s: Math.round(ringlineNone) } : {}),
      },
      throughput_per_s: Math.round(throughput),
      latency_us: chosen.load.histogram?.percentilesUs() ?? null,
      gc_events: chosen.load.gcEvents,
      errors: runs.reduce((sum, r) => sum + r.load.errors, 0),
      peer,
      ...(ringline !== undefined && c.mode === 'closed' && throughput > 0 ? { ratio_vs_peer: Math.round((ringline / throughput) * 100) / 100 } : {}),
    });
    for (const r of runs) r.load.histogram?.destroy();
  }
  return rows;
}

async function orderBookRows(options: ScenarioOptions): Promise<ResultRow[]> {
  const url = new URL('./order_book_peer.ts', import.meta.url);
  if (!existsSync(fileURLToPath(url))) {
    options.log('nodejs-order-book: not available — perf/scenarios/order_book_peer.ts does not exist yet');
    return [];
  }
  const mod = (await import(url.href)) as { run?: ScenarioRun };
  if (typeof mod.run !== 'function') {
    options.log('nodejs-order-book: not available — perf/scenarios/order_book_peer.ts does not export run()');
    return [];
  }
  return mod.run(options);
}

export const run: ScenarioRun = async (options) => {
  const rows: ResultRow[] = [];
  const ringline = await ringlineFigure(options, rows);
  rows.push(...await redisRows(options, ringline));
  rows.push(...await orderBookRows(options));
  return rows;
};
