/**
 * The PostgreSQL projection (projection/, `ringline project`) against the embedded PostgreSQL 17
 * (synchronous_commit on, fsync on):
 *
 *   writer   events/s (and rows/s) the batch writer commits, in process, from a pre-generated mixed
 *            scenario (orders, fills, transfers, sales, seats) of the real logic, 5000 events per
 *            transaction; no engine.
 *   lag-50k  an engine child process (fsync) under an open loop of 50,000 buys/s over TCP (3 events
 *            each: a sale and two balance changes), `ringline project` as a child process: its lag
 *            (now − the sequencer time of the last committed event, while events wait) sampled every
 *            100 ms from GET /status; throughput_per_s is events committed per second during the load;
 *            catch-up time after the load stops in the conditions. Goal: lag < 1 s.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
import { runScenario } from '../../projection/test_support/logic_scenario.ts';

const CLI = fileURLToPath(new URL('../../cli/ringline.mjs', import.meta.url));
const BATCH_EVENTS = 5000;

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

async function writerRun(server: EmbeddedPostgres, run: number, commands: number): Promise<{ eventsPerS: number; rowsPerS: number; events: number }> {
  const scenario = runScenario(1000 + run, commands, 16);
  const client = new pg.Client({ connectionString: await freshDatabase(server, `bench_writer_${run}`) });
  await client.connect();
  await migrate(client);
  let rows = 0;
  const started = performance.now();
  for (let at = 0; at < scenario.events.length; at += BATCH_EVENTS) rows += (await writeBatch(client, scenario.events.slice(at, at + BATCH_EVENTS))).rows;
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

async function lagRun(server: EmbeddedPostgres, run: number, options: ScenarioOptions): Promise<{ lagsMs: number[]; eventsPerS: number; catchUpMs: number; commandsPerS: number }> {
  const url = await freshDatabase(server, `bench_lag_${run}`);
  const engine = await startEngineProcess({ durability: 'fsync', profileDir: null, log: options.log });
  const httpPort = await freePort();
  const projector = spawn(process.execPath, [CLI, 'project', '--postgres', url, '--engine', `ws://${engine.host}:${engine.wsPort}`, '--admin-key', engine.adminKey,
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
    const loadStarted = Date.now();
    const load = await runLoad(e2eLoadSpec(engine, 'tcp', { name: 'lag-50k', mix: 'stock-buy', durability: 'fsync', mode: 'open', ratePerS: 50_000 }, sizing, 0), sizing.workers);
    const loadSeconds = (Date.now() - loadStarted) / 1000;
    const atLoadEnd = (await status(httpPort))?.eventsApplied ?? 0;
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
    options.log(`lag-50k run ${run + 1}: engine ${Math.round(load.throughputPerS)} cmd/s, projector ${Math.round((atLoadEnd - before) / loadSeconds)} events/s during the load, lag p50 ${median(lagsMs)} ms max ${Math.max(...lagsMs)} ms`);
    return { lagsMs, eventsPerS: (atLoadEnd - before) / loadSeconds, catchUpMs: stillSince - loadEnded, commandsPerS: load.throughputPerS };
  } finally {
    projector.kill('SIGTERM');
    await new Promise((r) => projector.once('exit', r));
    await engine.stop();
  }
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
    for (let r = 0; r < options.runs; r++) {
      writer.push(await writerRun(pgServer.server, r, commands));
      options.log(`writer run ${r + 1}/${options.runs}: ${Math.round(writer[r].eventsPerS)} events/s, ${Math.round(writer[r].rowsPerS)} rows/s (${writer[r].events} events)`);
    }
    const lag = [];
    for (let r = 0; r < options.runs; r++) lag.push(await lagRun(pgServer.server, r, options));
    const lags = lag.flatMap((l) => l.lagsMs);
    return [
      {
        scenario: 'projector', case: 'writer',
        conditions: { postgres: '17 embedded, synchronous_commit on, fsync on', batchEvents: BATCH_EVENTS, events: writer[0].events,
          rowsPerS: Math.round(median(writer.map((w) => w.rowsPerS))), runs: options.runs },
        throughput_per_s: Math.round(median(writer.map((w) => w.eventsPerS))), latency_us: null, gc_events: null, errors: 0,
      },
      {
        scenario: 'projector', case: 'lag-50k',
        conditions: { engine: 'child process, durability fsync, TCP open loop, stock-buy (3 events per command)', targetCommandsPerS: 50_000,
          commandsPerS: Math.round(median(lag.map((l) => l.commandsPerS))), lagP50Ms: Math.round(percentile(lags, 0.5)),
          lagP99Ms: Math.round(percentile(lags, 0.99)), lagMaxMs: Math.round(Math.max(0, ...lags)),
          catchUpMs: Math.round(median(lag.map((l) => l.catchUpMs))), batchEvents: 5000, runs: options.runs },
        throughput_per_s: Math.round(median(lag.map((l) => l.eventsPerS))), latency_us: null, gc_events: null, errors: 0,
      },
    ];
  } finally {
    await pgServer.dispose();
  }
}
