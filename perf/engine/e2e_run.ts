/**
 * The end-to-end cases shared by e2e-tcp, e2e-ws and peers: start the engine in a child process,
 * set up a flash-sale (one item with a huge stock, one funded buyer), drive it with the load
 * generator over raw sockets, stop it, and report a ResultRow (median over runs).
 *
 *   max-throughput  closed loop, pipelined connections, stock-buy, durability fsync (every reply
 *                   is sent only after fdatasync)
 *   rate-50k        open loop at 50,000 commands/s, latency from each command's intended send time
 */
import { setTimeout as delay } from 'node:timers/promises';
import { benchContext } from '../bench_context.ts';
import type { LatencyHistogram } from '../histogram.ts';
import { median, medianRun } from '../median.ts';
import { publishCurve } from '../report/curve_store.ts';
import { summarizeProfileFile } from '../report/profile_summary.ts';
import type { ResultRow, ScenarioOptions } from '../result_row.ts';
import { runLoad, type LoadResult } from '../load/run_load.ts';
import type { LoadMode, LoadSpec, LoadTransport } from '../load/load_spec.ts';
import { encodeLogin, HTTP_ID_START, patchableHttpRequest, patchableRequest, type WireCommand } from '../load/wire_requests.ts';
import { ControlClient } from './control_client.ts';
import { startEngineProcess, type Durability, type EngineProcess } from './engine_process.ts';
import { fetchMetrics, gcDelta, parseGcMetrics, parseGcPauseMs } from './engine_metrics.ts';
import { parseStageMetrics, stageFigures } from './stage_metrics.ts';
import type { StageFigures } from '../result_row.ts';
import { rememberRinglineThroughput } from './ringline_figures.ts';

export type E2eMix = 'stock-buy' | 'transfer';

export interface E2eCase {
  readonly name: string;
  readonly mix: E2eMix;
  readonly durability: Durability;
  readonly mode: LoadMode;
  /** open loop only: commands per second over all workers. */
  readonly ratePerS: number;
}

export interface E2eSizing {
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly connections: number;
  readonly workers: number;
  readonly pipelineMax: number;
  readonly writeBatch: number;
}

/**
 * Load sizes per mode. The engine's defaults bound them: 4096 commands in flight per connection.
 * HTTP is not pipelined: uWebSockets.js closes a connection that sends a request while an earlier
 * response is still pending (async responses), so HTTP load uses many connections, one request each.
 * Closed loop keeps 4 × 512 commands in flight: enough to cover a group commit of ~2 ms at 1M/s. Deeper
 * pipelines (4 × 2048) are not steadier on this 2-core machine (2026-11-22, fsync): as the first load on a
 * fresh engine they gave 810k–1.0M/s vs 618k–839k/s (9 of 9 interleaved rounds), but as the second load
 * on the same engine 480k–628k/s vs 673k–784k/s, with p50 8–11 ms instead of ~2.5 ms.
 */
export function e2eSizing(mode: 'quick' | 'full', load: LoadMode, transport: LoadTransport): E2eSizing {
  const timing = mode === 'full' ? { warmupMs: 1000, durationMs: 5000 } : { warmupMs: 300, durationMs: 1500 };
  if (transport === 'http') return { ...timing, connections: 64, workers: 1, pipelineMax: 1, writeBatch: 1 };
  if (load === 'open') return { ...timing, connections: 4, workers: 1, pipelineMax: 4096, writeBatch: 1 };
  return { ...timing, connections: 4, workers: 1, pipelineMax: 512, writeBatch: 64 };
}

/** Open-loop send batches: one every 100 µs tick of a pacing thread (a spinning generator would take a core from the engine). */
export const OPEN_LOOP_PACING_US = 100;

const ASSET = 1;
const MERCHANT = 1;
const BUYER = 2;
const ITEM = 1;
/** Stock and funds large enough that no bench sells out (2^50 buys). */
const PLENTY = 2 ** 50;
/** The flash sale's ids, for benches that add buyers of their own. */
export const FLASH_SALE = { asset: ASSET, merchant: MERCHANT, item: ITEM, plenty: PLENTY } as const;

/** The flash sale every e2e case sells from: one item with a huge stock, one funded buyer. */
export async function setUpFlashSale(engine: EngineProcess): Promise<void> {
  const c = await ControlClient.connect(engine.host, engine.tcpPort, engine.adminKey);
  try {
    await c.expectOk({ kind: 'createAsset', assetId: ASSET });
    await c.expectOk({ kind: 'createAccount', accountId: MERCHANT });
    await c.expectOk({ kind: 'createAccount', accountId: BUYER });
    await c.expectOk({ kind: 'deposit', accountId: BUYER, assetId: ASSET, amount: PLENTY });
    await c.expectOk({ kind: 'createItem', itemId: ITEM, merchantAccountId: MERCHANT, priceAssetId: ASSET, unitPrice: 1, stock: PLENTY });
  } finally {
    c.close();
  }
}

function mixCommand(mix: E2eMix): WireCommand {
  return mix === 'stock-buy'
    ? { kind: 'buy', itemId: ITEM, buyerAccountId: BUYER, quantity: 1, maxUnitPrice: 0 }
    : { kind: 'transfer', fromAccountId: BUYER, toAccountId: MERCHANT, assetId: ASSET, amount: 1 };
}

interface OneRun {
  readonly load: LoadResult;
  readonly engineGc: Record<string, number>;
  /** Engine thread → ms in GC during this load. */
  readonly engineGcPauseMs: Record<string, number>;
  /** Per-stage latency of the engine's sampled commands during this load (empty when /metrics was unreadable). */
  readonly stages: Record<string, StageFigures>;
}

/** Ids of successive loads on one engine never meet (the idempotency window would answer repeats). */
const LOAD_ID_STRIDE = 1e13;

/** The load of one case against a running engine; `loadIndex` keeps its ids apart from earlier loads. */
export function e2eLoadSpec(engine: EngineProcess, transport: LoadTransport, c: E2eCase, sizing: E2eSizing, loadIndex: number): LoadSpec {
  return {
    transport,
    host: engine.host,
    port: transport === 'tcp' ? engine.tcpPort : engine.wsPort,
    wsPath: '/',
    connections: sizing.connections,
    mode: c.mode,
    pipelineMax: sizing.pipelineMax,
    writeBatch: sizing.writeBatch,
    ratePerS: c.mode === 'open' ? c.ratePerS : 1,
    pacingSleepUs: OPEN_LOOP_PACING_US,
    warmupMs: sizing.warmupMs,
    durationMs: sizing.durationMs,
    drainMs: 5000,
    login: transport === 'http' ? null : encodeLogin(engine.adminKey),
    messages: [transport === 'http'
      ? patchableHttpRequest(mixCommand(c.mix), `${engine.host}:${engine.wsPort}`, engine.adminKey, true)
      : patchableRequest(mixCommand(c.mix), true)],
    idStart: (transport === 'http' ? HTTP_ID_START : 1) + loadIndex * LOAD_ID_STRIDE,
    recordLatency: true,
  };
}

/** One load against a running engine; `loadIndex` keeps its ids apart from earlier loads. */
async function loadOnce(engine: EngineProcess, transport: LoadTransport, c: E2eCase, sizing: E2eSizing, loadIndex: number): Promise<OneRun> {
  const spec = e2eLoadSpec(engine, transport, c, sizing, loadIndex);
  const before = await fetchMetrics(engine.host, engine.wsPort);
  // The stages count from the end of the warm-up (as the row's latency does), read while the load runs;
  // the load's connections open first, so this starts a few ms early at most.
  const warmedUp = delay(sizing.warmupMs).then(() => fetchMetrics(engine.host, engine.wsPort));
  const load = await runLoad(spec, sizing.workers);
  const after = await fetchMetrics(engine.host, engine.wsPort);
  const stagesFrom = await warmedUp;
  const engineGc = before !== null && after !== null ? gcDelta(parseGcMetrics(before), parseGcMetrics(after)) : {};
  const engineGcPauseMs = before !== null && after !== null ? roundedValues(gcDelta(parseGcPauseMs(before), parseGcPauseMs(after))) : {};
  const stages = stagesFrom !== null && after !== null ? stageFigures(parseStageMetrics(stagesFrom), parseStageMetrics(after)) : {};
  return { load, engineGc, engineGcPauseMs, stages };
}

function roundedValues(values: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Math.round(v * 100) / 100]));
}

/**
 * One run of every case: one engine per durability mode (cases sharing a mode run one after the
 * other on the same engine, as a long-running server would), set up once.
 */
async function runCasesOnce(transport: LoadTransport, cases: readonly E2eCase[], options: ScenarioOptions, runIndex: number, sizingOf: SizingOf): Promise<Map<E2eCase, OneRun>> {
  const out = new Map<E2eCase, OneRun>();
  const ctx = benchContext();
  const durabilities = [...new Set(cases.map((c) => c.durability))];
  for (const durability of durabilities) {
    const profileDir = ctx.profileDir === null ? null : `${ctx.profileDir}/engine-${transport}-${durability}-run${runIndex + 1}`;
    const engine = await startEngineProcess({ durability, profileDir, log: options.log });
    let profiles: string[] = [];
    try {
      await setUpFlashSale(engine);
      let loadIndex = 0;
      for (const c of cases) {
        if (c.durability !== durability) continue;
        const r = await loadOnce(engine, transport, c, sizingOf(c), loadIndex++);
        const p = r.load.histogram?.percentilesUs();
        options.log(`${c.name} run ${runIndex + 1}/${options.runs}: ${Math.round(r.load.throughputPerS)}/s, p50 ${p?.p50 ?? '–'} µs, p99 ${p?.p99 ?? '–'} µs, errors ${r.load.errors} (codes ${JSON.stringify(r.load.codeCounts)})`);
        options.log(`  stages p50/p99 µs: ${Object.entries(r.stages).map(([stage, f]) => `${stage} ${f.p50_us}/${f.p99_us}`).join(', ')}; ` +
          `GC ms: ${Object.entries(r.engineGcPauseMs).map(([thread, ms]) => `${thread} ${ms}`).join(', ')}`);
        out.set(c, r);
      }
    } catch (err) {
      for (const r of out.values()) r.load.histogram?.destroy();
      throw new Error(`${(err as Error).message}\nengine stderr (tail):\n${engine.stderrTail()}`);
    } finally {
      profiles = await engine.stop();
    }
    for (const p of profiles) {
      options.log(`cpu profile: ${p}`);
      for (const line of await summarizeProfileFile(p).catch(() => [] as string[])) options.log(`  ${line}`);
    }
  }
  return out;
}

type SizingOf = (c: E2eCase) => E2eSizing;

/**
 * Runs each case `options.runs` times and returns one row per case. `sizingOverride` replaces the
 * mode's sizes (tests use tiny ones).
 */
export async function runE2eCases(scenario: string, transport: LoadTransport, cases: readonly E2eCase[], options: ScenarioOptions,
  sizingOverride?: SizingOf): Promise<ResultRow[]> {
  const sizingOf: SizingOf = sizingOverride ?? ((c) => e2eSizing(options.mode, c.mode, transport));
  const perRun: Map<E2eCase, OneRun>[] = [];
  for (let i = 0; i < options.runs; i++) perRun.push(await runCasesOnce(transport, cases, options, i, sizingOf));
  const rows: ResultRow[] = [];
  for (const c of cases) {
    const sizing = sizingOf(c);
    const runs = perRun.map((m) => m.get(c)).filter((r): r is OneRun => r !== undefined);
    const throughput = median(runs.map((r) => r.load.throughputPerS));
    const chosen = c.mode === 'closed'
      ? medianRun(runs, (r) => r.load.throughputPerS)
      : medianRun(runs, (r) => r.load.histogram?.valueAtPercentileNs(99) ?? 0);
    const histogram: LatencyHistogram | null = chosen.load.histogram;
    if (histogram !== null) publishCurve(scenario, c.name, histogram.percentileCurve());
    rows.push({
      scenario,
      case: c.name,
      conditions: {
        transport, mix: c.mix, durability: c.durability, load: c.mode === 'closed' ? 'closed-loop' : 'open-loop',
        ...(c.mode === 'open' ? { rate_per_s: c.ratePerS, pacing_sleep_us: OPEN_LOOP_PACING_US } : { pipeline_per_connection: sizing.pipelineMax, write_batch: sizing.writeBatch }),
        connections: sizing.connections * sizing.workers, load_workers: sizing.workers, warmup_ms: sizing.warmupMs,
        duration_ms: sizing.durationMs, runs: options.runs, idempotency_ids: 'unique', engine: 'child process, default config, one per durability mode per run',
        latency_from: c.mode === 'open' ? 'intended send time' : 'write time',
      },
      throughput_per_s: Math.round(throughput),
      latency_us: histogram?.percentilesUs() ?? null,
      gc_events: { ...chosen.load.gcEvents, ...chosen.engineGc },
      gc_pause_ms: chosen.engineGcPauseMs,
      errors: runs.reduce((sum, r) => sum + r.load.errors, 0),
      stages: chosen.stages, // the stages of the run the row's figures come from
    });
    if (c.mode === 'closed') rememberRinglineThroughput(transport, c.mix, c.durability, throughput);
    for (const r of runs) r.load.histogram?.destroy();
  }
  return rows;
}
