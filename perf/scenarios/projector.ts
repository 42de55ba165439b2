/**
 * The PostgreSQL projection (projection/, `ringline project`) against the embedded PostgreSQL 17
 * (synchronous_commit on, fsync on):
 *
 *   writer   events/s (and rows/s) the batch writer commits, in process, from a pre-generated mixed
 *            scenario (orders, fills, transfers, sales, seats) of the real logic, 20,000 events per
 *            transaction; no engine.
 *   lag-50k  an engine child process (fsync) under an open loop of 50,000 buys/s over TCP (3 events
 *            each: a sale and two balance changes), `ringline project` as a child process: its lag
 *            (now − the sequencer time of the last committed event, while events wait) sampled every
 *            100 ms from GET /status; throughput_per_s is events committed per second during the load;
 *            catch-up time after the load stops in the conditions. Goal: lag < 1 s. The conditions give
 *            the CPU each process took during the load, in cores (of 2): PostgreSQL (every server
 *            process), the projector and the engine, from /proc.
 *
 * A/B: RINGLINE_BENCH_PROJECTOR_BASE=/path/to/other/checkout/cli/ringline.mjs runs every lag run twice,
 * interleaved (base, then this checkout), against the same PostgreSQL, and adds a `lag-50k-base` row.
 * RINGLINE_BENCH_PROJECTOR_NODE_ARGS adds node flags to the projector (e.g. --cpu-prof).
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { median } from '../median.ts';
import type { ResultRow, ScenarioOptions } from '../result_row.ts';
import { runLoad } from '../load/run_load.ts';
import { freePort } from '../engine/free_port.ts';
import { startEngineProcess } from '../engine/engine_process.ts';
import { e2eLoadSpec, e2eSizing, setUpFlashSale } from '../engine/e2e_run.ts';
import { EmbeddedPostgres } from '../../projection/embedded_postgres.ts';
import { migrate } from '../../projection/schema_migrations.ts';
import { writeBatch } from '../../projection/projection_writer.ts';
import type { ProjectorStatus } from '../../projection/projector.ts';
import { recordSlice, runScenario, type Scenario } from '../../projection/test_support/logic_scenario.ts';

const CLI = fileURLToPath(new URL('../../cli/ringline.mjs', import.meta.url));
const BATCH_EVENTS = 20_000;
const BASE_CLI = process.env.RINGLINE_BENCH_PROJECTOR_BASE ?? '';
const NODE_ARGS = (process.env.RINGLINE_BENCH_PROJECTOR_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
const CLOCK_TICKS_PER_S = 100;

/** CPU seconds (user + system, every thread) of process `root` and all its descendants, from /proc. */
function cpuSeconds(root: number | undefined): number {
  if (root === undefined) return 0;
  const parent = new Map<number, number>();
  const ticks = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // Fields after the command name (which may hold spaces): state ppid pgrp … utime(14) stime(15).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    parent.set(Number(name), Number(fields[1]));
    ticks.set(Number(name), Number(fields[11]) + Number(fields[12]));
  }
  let total = 0;
  for (const [pid, t] of ticks) {
    for (let p: number | undefined = pid; p !== undefined && p > 1; p = parent.get(p)) {
      if (p === root) {
        total += t;
        break;
      }
    }
  }
  return total / CLOCK_TICKS_PER_S;
}

async function startPostgres(): Promise<{ server: EmbeddedPostgres; dispose: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ringline-bench-pg-'));
  const server = new EmbeddedPostgres({ dataDir, port: await freePort() });
  await server.start();
  return { server, dispose: async () => { await server.stop(); rmSync(dataDir, { recursive: true, force: true }); } };
}

async function freshDatabase(server: EmbeddedPostgres, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(server.url);
  url.pathname = `/${name}`;
  return url.toString();
}

/** One batch of the scenario, events `from` to `to` (the other checkout's writer may take decoded events). */
type WriteBatch = (client: pg.Client, scenario: Scenario, from: number, to: number) => Promise<{ rows: number }>;
const thisWriter: WriteBatch = (client, scenario, from, to) => writeBatch(client, recordSlice(scenario, from, to));

async function writerRun(server: EmbeddedPostgres, run: number, commands: number, write: WriteBatch, label: string): Promise<{ eventsPerS: number; rowsPerS: number; events: number }> {
  const scenario = runScenario(1000 + run, commands, 16);
  const client = new pg.Client({ connectionString: await freshDatabase(server, `bench_${label.replace(/\W/g, '_')}_${run}`) });
  await client.connect();
  await migrate(client);
  let rows = 0;
  const started = performance.now();
  for (let at = 0; at < scenario.events.length; at += BATCH_EVENTS) rows += (await write(client, scenario, at, at + BATCH_EVENTS)).rows;
  const seconds = (performance.now() - started) / 1000;
  await client.end();
  return { eventsPerS: scenario.events.length / seconds, rowsPerS: rows / seconds, events: scenario.events.length };
}

async function status(port: number): Promise<ProjectorStatus | null> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/status`);
    return (await response.json()) as ProjectorStatus;
  } catch {
    return null;
  }
}

interface LagRun { lagsMs: number[]; eventsPerS: number; catchUpMs: number; commandsPerS: number; cores: { postgres: number; projector: number; engine: number } }

async function lagRun(server: EmbeddedPostgres, run: number, options: ScenarioOptions, cli: string, label: string): Promise<LagRun> {
  const url = await freshDatabase(server, `bench_lag_${label.replace(/\W/g, '_')}_${run}`);
  const engine = await startEngineProcess({ durability: 'fsync', profileDir: null, log: options.log });
  const httpPort = await freePort();
  const projector = spawn(process.execPath, [...NODE_ARGS, cli, 'project', '--postgres', url, '--engine', `ws://${engine.host}:${engine.wsPort}`, '--admin-key', engine.adminKey,
    '--http-port', String(httpPort), '--log-every-ms', '0', '--log-format', 'json'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  projector.stderr.setEncoding('utf8').on('data', (d: string) => { stderr = (stderr + d).slice(-4000); });
  try {
    await setUpFlashSale(engine);
    const deadline = Date.now() + 30_000;
    while ((await status(httpPort))?.state !== 'streaming') {
      if (Date.now() > deadline) throw new Error(`ringline project did not start streaming: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const sizing = e2eSizing(options.mode, 'open', 'tcp');
    const before = (await status(httpPort))?.eventsApplied ?? 0;
    const lagsMs: number[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const s = await status(httpPort);
        if (s !== null) lagsMs.push(s.lagMs);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const cpuBefore = { postgres: cpuSeconds(server.pid), projector: cpuSeconds(projector.pid), engine: cpuSeconds(engine.pid) };
    const loadStarted = Date.now();
    const load = await runLoad(e2eLoadSpec(engine, 'tcp', { name: 'lag-50k', mix: 'stock-buy', durability: 'fsync', mode: 'open', ratePerS: 50_000 }, sizing, 0), sizing.workers);
    const loadSeconds = (Date.now() - loadStarted) / 1000;
    const atLoadEnd = (await status(httpPort))?.eventsApplied ?? 0;
    const cores = {
      postgres: (cpuSeconds(server.pid) - cpuBefore.postgres) / loadSeconds,
      projector: (cpuSeconds(projector.pid) - cpuBefore.projector) / loadSeconds,
      engine: (cpuSeconds(engine.pid) - cpuBefore.engine) / loadSeconds,
    };
    load.histogram?.destroy();
    // Caught up: nothing waiting and the position still for 500 ms.
    const loadEnded = Date.now();
    let stillSince = Date.now();
    let last = -1;
    while (Date.now() - stillSince < 500) {
      const s = await status(httpPort);
      if (s === null || s.queuedEvents > 0 || s.eventsApplied !== last) { stillSince = Date.now(); last = s?.eventsApplied ?? -1; }
      if (Date.now() - loadEnded > 120_000) throw new Error('the projector did not catch up within 120 s');
      await new Promise((r) => setTimeout(r, 50));
    }
    sampling = false;
    await sampler;
    options.log(`${label} run ${run + 1}: engine ${Math.round(load.throughputPerS)} cmd/s, projector ${Math.round((atLoadEnd - before) / loadSeconds)} events/s during the load, `
      + `lag p50 ${Math.round(percentile(lagsMs, 0.5))} ms max ${Math.round(Math.max(...lagsMs))} ms, catch-up ${stillSince - loadEnded} ms; cores: postgres ${cores.postgres.toFixed(2)}, `
      + `projector ${cores.projector.toFixed(2)}, engine ${cores.engine.toFixed(2)}; load average ${loadavg()[0].toFixed(1)}`);
    return { lagsMs, eventsPerS: (atLoadEnd - before) / loadSeconds, catchUpMs: stillSince - loadEnded, commandsPerS: load.throughputPerS, cores };
  } finally {
    projector.kill('SIGTERM');
    await new Promise((r) => projector.once('exit', r));
    await engine.stop();
  }
}

function lagRow(name: string, runs: readonly LagRun[], runCount: number, cli = 'this checkout'): ResultRow {
  const lags = runs.flatMap((l) => l.lagsMs);
  const cores = (key: keyof LagRun['cores']): number => Number(median(runs.map((l) => l.cores[key])).toFixed(2));
  return {
    scenario: 'projector', case: name,
    conditions: { engine: 'child process, durability fsync, TCP open loop, stock-buy (3 events per command)', targetCommandsPerS: 50_000,
      commandsPerS: Math.round(median(runs.map((l) => l.commandsPerS))), lagP50Ms: Math.round(percentile(lags, 0.5)),
      lagP99Ms: Math.round(percentile(lags, 0.99)), lagMaxMs: Math.round(Math.max(0, ...lags)),
      catchUpMs: Math.round(median(runs.map((l) => l.catchUpMs))), coresPostgres: cores('postgres'), coresProjector: cores('projector'),
      coresEngine: cores('engine'), projector: cli, runs: runCount },
    throughput_per_s: Math.round(median(runs.map((l) => l.eventsPerS))), latency_us: null, gc_events: null, errors: 0,
  };
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

export async function run(options: ScenarioOptions): Promise<ResultRow[]> {
  const pgServer = await startPostgres();
  try {
    const commands = options.mode === 'full' ? 60_000 : 20_000;
    const writer = [];
    const writerBase = [];
    // The other checkout's writer, interleaved with this one's (A/B in one run).
    const baseModule = BASE_CLI === '' ? null
      : (await import(join(dirname(BASE_CLI), '..', 'projection', 'projection_writer.ts'))) as { writeBatch: (client: pg.Client, batch: unknown) => Promise<{ rows: number }> };
    // Before records, the writer took decoded events.
    const baseWrite: WriteBatch | null = baseModule === null ? null : (client, scenario, from, to) => baseModule.writeBatch(client, scenario.events.slice(from, to));
    for (let r = 0; r < options.runs; r++) {
      if (baseWrite !== null) {
        writerBase.push(await writerRun(pgServer.server, r, commands, baseWrite, 'writer-base'));
        options.log(`writer-base run ${r + 1}/${options.runs}: ${Math.round(writerBase[r].eventsPerS)} events/s (load average ${loadavg()[0].toFixed(1)})`);
      }
      writer.push(await writerRun(pgServer.server, r, commands, thisWriter, 'writer'));
      options.log(`writer run ${r + 1}/${options.runs}: ${Math.round(writer[r].eventsPerS)} events/s, ${Math.round(writer[r].rowsPerS)} rows/s (${writer[r].events} events, load average ${loadavg()[0].toFixed(1)})`);
    }
    const lag: LagRun[] = [];
    const base: LagRun[] = [];
    for (let r = 0; r < options.runs; r++) {
      if (BASE_CLI !== '') base.push(await lagRun(pgServer.server, r, options, BASE_CLI, 'lag-50k-base'));
      lag.push(await lagRun(pgServer.server, r, options, CLI, 'lag-50k'));
    }
    return [
      {
        scenario: 'projector', case: 'writer',
        conditions: { postgres: '17 embedded, synchronous_commit on, fsync on', batchEvents: BATCH_EVENTS, events: writer[0].events,
          rowsPerS: Math.round(median(writer.map((w) => w.rowsPerS))), runs: options.runs },
        throughput_per_s: Math.round(median(writer.map((w) => w.eventsPerS))), latency_us: null, gc_events: null, errors: 0,
      },
      ...(writerBase.length === 0 ? [] : [{
        scenario: 'projector', case: 'writer-base',
        conditions: { projector: BASE_CLI, batchEvents: BATCH_EVENTS, events: writerBase[0].events, runs: options.runs },
        throughput_per_s: Math.round(median(writerBase.map((w) => w.eventsPerS))), latency_us: null, gc_events: null, errors: 0,
      } satisfies ResultRow]),
      lagRow('lag-50k', lag, options.runs),
      ...(base.length === 0 ? [] : [lagRow('lag-50k-base', base, options.runs, BASE_CLI)]),
    ];
  } finally {
    await pgServer.dispose();
  }
}
