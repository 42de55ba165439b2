/**
 * replication: a primary (`ringline start --replication async|sync`) and a hot standby (`ringline
 * follow`), both child processes on this machine, fsync durability on both, over loopback TCP.
 *
 *   load generator ──TCP──► primary ──journal frames──► follower (journals + applies, ACKs durable)
 *        ▲                     │   ◄────────ACK─────────┘
 *        └──── reply ──────────┘   async: after the primary's fdatasync
 *                                  sync:  after the primary's fdatasync AND a follower's ACK
 *
 * Cases, for each mode (off = the same primary without replication, the baseline), open loop (latency from each command's intended send time, no coordinated
 * omission), stock-buy commands:
 *   <mode>-rate-10k, <mode>-rate-50k   latency_us = the client's end-to-end latency. Conditions carry the
 *     follower lag sampled every 10 ms from the primary's GET /health during the load: in sequences
 *     (published − acknowledged) and in µs (sequencer timestamp of the newest acknowledged live batch
 *     to the moment its ACK arrived), p50 / p99 / max.
 *   sync-cost-rate-<k>                 the same rates' sync − async (and async − off) difference of p50 /
 *     p99 latency (µs), measured in the same run, as conditions; throughput and latency null.
 * Check: at the end of each mode the follower is durable up to the primary's last sequence (else an
 * error is counted). Two processes, four busy threads each and the load generator share 2 cores here:
 * lag and tails are dominated by scheduling; compare modes, not absolute figures.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ControlClient } from '../engine/control_client.ts';
import { startEngineProcess, type EngineProcess } from '../engine/engine_process.ts';
import { freePort } from '../engine/free_port.ts';
import { runLoad } from '../load/run_load.ts';
import type { LoadSpec } from '../load/load_spec.ts';
import { encodeLogin, patchableRequest } from '../load/wire_requests.ts';
import { median } from '../median.ts';
import { publishCurve } from '../report/curve_store.ts';
import type { LatencyPercentilesUs, ResultRow, ScenarioOptions, ScenarioRun } from '../result_row.ts';

const CLI = fileURLToPath(new URL('../../cli/ringline.mjs', import.meta.url));
const MODES = ['off', 'async', 'sync'] as const;
type Mode = (typeof MODES)[number];
const RATES = [10_000, 50_000] as const;
const SAMPLE_EVERY_MS = 10;
const PLENTY = 2 ** 50;
const LOAD_ID_STRIDE = 1e13;

interface Follower {
  readonly child: ChildProcess;
  readonly dataDir: string;
  readonly httpPort: number;
  stop(): Promise<void>;
}

async function startFollower(primaryReplicationPort: number, log: (line: string) => void): Promise<Follower> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ringline-bench-follower-'));
  const httpPort = await freePort();
  const child = spawn(process.execPath, [CLI, 'follow', '--primary', `127.0.0.1:${primaryReplicationPort}`, '--data', dataDir,
    '--http-port', String(httpPort)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => { out = (out + d).slice(-4000); });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => { out = (out + d).slice(-4000); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 60_000;
  while (!/following 127\.0\.0\.1/.test(out)) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`ringline follow did not start:\n${out}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  log(`follower pid ${child.pid} up: http ${httpPort}, data ${dataDir}`);
  return {
    child, dataDir, httpPort,
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function getJson(url: string): Promise<Record<string, unknown> | null> {
  try {
    return (await (await fetch(url)).json()) as Record<string, unknown>;
  } catch {
    return null;
  }
}

interface LagSamples {
  readonly sequences: number[];
  readonly us: number[];
}

function sampleLag(engine: EngineProcess, samples: LagSamples): () => void {
  let running = true;
  const loop = async (): Promise<void> => {
    while (running) {
      const health = await getJson(`http://${engine.host}:${engine.wsPort}/health`);
      const r = (health?.engine as { replication?: { lagSequences: number; lagUsLast: number } | null } | undefined)?.replication;
      if (r !== undefined && r !== null) {
        samples.sequences.push(r.lagSequences);
        if (r.lagUsLast > 0) samples.us.push(r.lagUsLast);
      }
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_EVERY_MS));
    }
  };
  void loop();
  return () => { running = false; };
}

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return -1;
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]);
}

interface CaseResult {
  readonly mode: Mode;
  readonly ratePerS: number;
  readonly throughputPerS: number;
  readonly latency: LatencyPercentilesUs | null;
  readonly lag: LagSamples;
  readonly errors: number;
  readonly gcEvents: Record<string, number>;
}

async function runMode(mode: Mode, options: ScenarioOptions, runIndex: number): Promise<CaseResult[]> {
  const replicationPort = await freePort();
  const saved = { mode: process.env.RINGLINE_REPLICATION, port: process.env.RINGLINE_REPLICATION_PORT };
  // The replication flags travel to the child through its environment (startEngineProcess passes it on).
  if (mode !== 'off') {
    process.env.RINGLINE_REPLICATION = mode;
    process.env.RINGLINE_REPLICATION_PORT = String(replicationPort);
  }
  let engine: EngineProcess;
  try {
    engine = await startEngineProcess({ durability: 'fsync', profileDir: null, log: options.log });
  } finally {
    if (saved.mode === undefined) delete process.env.RINGLINE_REPLICATION; else process.env.RINGLINE_REPLICATION = saved.mode;
    if (saved.port === undefined) delete process.env.RINGLINE_REPLICATION_PORT; else process.env.RINGLINE_REPLICATION_PORT = saved.port;
  }
  let follower: Follower | null = null;
  const results: CaseResult[] = [];
  try {
    if (mode !== 'off') follower = await startFollower(replicationPort, options.log);
    const c = await ControlClient.connect(engine.host, engine.tcpPort, engine.adminKey);
    try {
      await c.expectOk({ kind: 'createAsset', assetId: 1 });
      await c.expectOk({ kind: 'createAccount', accountId: 1 });
      await c.expectOk({ kind: 'createAccount', accountId: 2 });
      await c.expectOk({ kind: 'deposit', accountId: 2, assetId: 1, amount: PLENTY });
      await c.expectOk({ kind: 'createItem', itemId: 1, merchantAccountId: 1, priceAssetId: 1, unitPrice: 1, stock: PLENTY });
    } finally {
      c.close();
    }
    const timing = options.mode === 'full' ? { warmupMs: 1000, durationMs: 5000 } : { warmupMs: 300, durationMs: 1500 };
    for (let i = 0; i < RATES.length; i++) {
      const ratePerS = RATES[i];
      const spec: LoadSpec = {
        transport: 'tcp', host: engine.host, port: engine.tcpPort, wsPath: '/', connections: 4, mode: 'open',
        pipelineMax: 4096, writeBatch: 1, ratePerS, pacingSleepUs: 100, ...timing, drainMs: 5000,
        login: encodeLogin(engine.adminKey),
        messages: [patchableRequest({ kind: 'buy', itemId: 1, buyerAccountId: 2, quantity: 1, maxUnitPrice: 0 }, true)],
        idStart: 1 + (runIndex * RATES.length + i) * LOAD_ID_STRIDE, recordLatency: true,
      };
      const lag: LagSamples = { sequences: [], us: [] };
      const stopSampling = sampleLag(engine, lag);
      const load = await runLoad(spec, 1);
      stopSampling();
      const latency = load.histogram?.percentilesUs() ?? null;
      const name = `${mode}-rate-${ratePerS / 1000}k`;
      if (load.histogram !== null && runIndex === 0) publishCurve('replication', name, load.histogram.percentileCurve());
      load.histogram?.destroy();
      options.log(`${name} run ${runIndex + 1}: ${Math.round(load.throughputPerS)}/s, p50 ${latency?.p50 ?? '–'} µs, p99 ${latency?.p99 ?? '–'} µs, ` +
        `follower lag p99 ${percentile(lag.sequences, 99)} seq / ${percentile(lag.us, 99)} µs, errors ${load.errors}`);
      results.push({ mode, ratePerS, throughputPerS: load.throughputPerS, latency, lag, errors: load.errors, gcEvents: load.gcEvents });
    }
    // Check: the follower holds everything the primary has.
    if (follower === null) return results;
    const primaryHealth = await getJson(`http://${engine.host}:${engine.wsPort}/health`);
    const published = (primaryHealth?.engine as { sequences?: { published: number } } | undefined)?.sequences?.published ?? -1;
    let durable = -2;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const f = await getJson(`http://127.0.0.1:${follower.httpPort}/health`);
      durable = typeof f?.durableSequence === 'number' ? f.durableSequence : -2;
      if (durable >= published) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    if (durable < published) {
      options.log(`${mode}: the follower is durable to ${durable} but the primary published ${published}`);
      const last = results[results.length - 1];
      results[results.length - 1] = { ...last, errors: last.errors + 1 };
    }
  } finally {
    await follower?.stop();
    await engine.stop();
  }
  return results;
}

function row(name: string, results: readonly CaseResult[], options: ScenarioOptions): ResultRow {
  const chosen = [...results].sort((a, b) => (a.latency?.p99 ?? 0) - (b.latency?.p99 ?? 0))[Math.floor(results.length / 2)];
  const r0 = results[0];
  return {
    scenario: 'replication',
    case: name,
    conditions: {
      replication: r0.mode === 'off' ? 'off (baseline)' : r0.mode, rate_per_s: r0.ratePerS, load: 'open-loop', latency_from: 'intended send time', transport: 'tcp',
      mix: 'stock-buy', durability: 'fsync (primary and follower)', connections: 4, runs: options.runs,
      topology: 'primary + follower child processes, loopback TCP, same 2-core machine',
      ...(r0.mode === 'off' ? {} : {
        follower_lag_seq_p50: percentile(chosen.lag.sequences, 50), follower_lag_seq_p99: percentile(chosen.lag.sequences, 99),
        follower_lag_seq_max: percentile(chosen.lag.sequences, 100),
        follower_lag_us_p50: percentile(chosen.lag.us, 50), follower_lag_us_p99: percentile(chosen.lag.us, 99),
        follower_lag_us_max: percentile(chosen.lag.us, 100), lag_sample_every_ms: SAMPLE_EVERY_MS,
      }),
    },
    throughput_per_s: Math.round(median(results.map((r) => r.throughputPerS))),
    latency_us: chosen.latency,
    gc_events: chosen.gcEvents,
    errors: results.reduce((sum, r) => sum + r.errors, 0),
  };
}

export const run: ScenarioRun = async (options) => {
  const perMode = new Map<Mode, CaseResult[][]>();
  for (let runIndex = 0; runIndex < options.runs; runIndex++) {
    for (const mode of MODES) {
      const results = await runMode(mode, options, runIndex);
      const list = perMode.get(mode) ?? [];
      list.push(results);
      perMode.set(mode, list);
    }
  }
  const rows: ResultRow[] = [];
  for (const mode of MODES) {
    RATES.forEach((rate, i) => rows.push(row(`${mode}-rate-${rate / 1000}k`, perMode.get(mode)!.map((r) => r[i]), options)));
  }
  for (const rate of RATES) {
    const off = rows.find((r) => r.case === `off-rate-${rate / 1000}k`)?.latency_us;
    const a = rows.find((r) => r.case === `async-rate-${rate / 1000}k`)?.latency_us;
    const s = rows.find((r) => r.case === `sync-rate-${rate / 1000}k`)?.latency_us;
    rows.push({
      scenario: 'replication', case: `sync-cost-rate-${rate / 1000}k`,
      conditions: {
        rate_per_s: rate, load: 'open-loop', runs: options.runs, measured: 'sync minus async latency in the same run (median runs)',
        p50_cost_us: a && s ? Math.round(s.p50 - a.p50) : -1, p99_cost_us: a && s ? Math.round(s.p99 - a.p99) : -1,
        async_vs_off_p50_cost_us: a && off ? Math.round(a.p50 - off.p50) : -1, async_vs_off_p99_cost_us: a && off ? Math.round(a.p99 - off.p99) : -1,
      },
      throughput_per_s: null, latency_us: null, gc_events: null, errors: 0,
    });
  }
  return rows;
};
