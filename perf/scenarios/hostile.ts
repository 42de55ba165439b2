/**
 * hostile: the engine in a child process (fsync, default gateway limits, open-file soft limit raised
 * to the hard limit with `ulimit -n` in its wrapper shell) keeps serving an authenticated client while thousands
 * of connections that never log in hold the door.
 *
 *   1. unloaded: one authenticated TCP client sends getBalance, one in flight, for the phase; its
 *      round-trip latencies go into a histogram.
 *   2. a worker thread opens `hostile` connections from 64 loopback source addresses (127.0.1.x),
 *      each announcing a frame just under the pre-login limit and trickling it one byte a second;
 *      whatever the server closes (the 5 s login deadline, eviction) is reopened at once.
 *   3. once the server reports (GET /metrics ringline_connections_pre_login) that it holds them, the
 *      same client is measured again while they stay; the engine's RSS is sampled (/proc/PID/status).
 *
 * Rows: `unloaded` and `under-attack` (latency of the authenticated client), the attack row's
 * conditions give the pre-login connections held (min and mean over the phase), the engine's RSS
 * growth and p99 under attack / p99 unloaded. The target of issue 17: ≥ 10,000 held, RSS growth
 * ≤ 100 MB, p99 within 2×.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { spawnWorker } from '../../core/spawn_worker.ts';
import { RinglineClient } from '../../client/ringline_client.ts';
import { nowNs } from '../clock.ts';
import { startEngineProcess, type EngineProcess } from '../engine/engine_process.ts';
import { createLatencyHistogram } from '../histogram.ts';
import type { HostileStats } from '../load/hostile_worker.ts';
import type { ResultRow, ScenarioRun } from '../result_row.ts';

const SOURCE_ADDRESSES = Array.from({ length: 64 }, (_, i) => `127.0.1.${i + 1}`);
const PER_ADDRESS = 160; // 10,240 in all; under the default 256 per address
const HOLD_TARGET = 10_000;

interface Phase {
  readonly row: ResultRow;
  readonly p99Us: number;
}

export const run: ScenarioRun = async (options) => {
  const phaseMs = options.mode === 'full' ? 20_000 : 6_000;
  // The engine holds one descriptor per connection: raise its soft limit to the hard limit (a process
  // cannot go beyond that without CAP_SYS_RESOURCE; 10,240 + a few hundred must fit).
  const openFileLimit = Number(execFileSync('/bin/sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim()) || 65_536;
  if (openFileLimit < SOURCE_ADDRESSES.length * PER_ADDRESS + 1024) {
    throw new Error(`hostile: the open-file hard limit (${openFileLimit}) is below the ${SOURCE_ADDRESSES.length * PER_ADDRESS} connections + 1024 needed; raise it (ulimit -Hn as root)`);
  }
  const engine = await startEngineProcess({ durability: 'fsync', profileDir: null, log: options.log, maxOpenFiles: openFileLimit });
  let hostile: Worker | null = null;
  try {
    const client = await RinglineClient.connect({ url: `tcp://${engine.host}:${engine.tcpPort}`, apiKey: engine.adminKey, maxInFlight: 1 });
    await client.send({ type: 'createAsset', assetId: 1 });
    await client.send({ type: 'createAccount', accountId: 1 });
    await client.send({ type: 'deposit', accountId: 1, assetId: 1, amount: 1000 });
    await measure(client, 1000); // warm-up
    const unloaded = await measure(client, phaseMs);
    const rssBeforeMb = rssMb(engine.pid);
    options.log(`hostile: unloaded p99 ${unloaded.p99Us.toFixed(0)} µs, engine RSS ${rssBeforeMb.toFixed(1)} MB`);

    hostile = spawnWorker(new URL('../load/hostile_worker.ts', import.meta.url), {
      host: engine.host, port: engine.tcpPort, addresses: SOURCE_ADDRESSES, perAddress: PER_ADDRESS, trickleMs: 1000,
      announcedFrameBytes: 1000,
    });
    let stats: HostileStats = { type: 'stats', open: 0, opened: 0, closed: 0, errors: 0 };
    hostile.on('message', (m: HostileStats) => { stats = m; });
    const rampDeadline = Date.now() + 60_000;
    let held = 0;
    while ((held = await preLoginHeld(engine)) < HOLD_TARGET && Date.now() < rampDeadline) await sleep(250);
    options.log(`hostile: server holds ${held} pre-login connections (worker: ${JSON.stringify(stats)})`);

    const heldSamples: number[] = [];
    let rssPeakMb = rssMb(engine.pid);
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        heldSamples.push(await preLoginHeld(engine));
        rssPeakMb = Math.max(rssPeakMb, rssMb(engine.pid));
        await sleep(500);
      }
    })();
    const attacked = await measure(client, phaseMs);
    sampling = false;
    await sampler;
    await client.close();
    const heldMin = Math.min(...heldSamples);
    const heldMean = Math.round(heldSamples.reduce((a, b) => a + b, 0) / heldSamples.length);
    const growthMb = rssPeakMb - rssBeforeMb;
    const ratio = attacked.p99Us / unloaded.p99Us;
    options.log(`hostile: held min ${heldMin} mean ${heldMean}; RSS +${growthMb.toFixed(1)} MB; p99 ${attacked.p99Us.toFixed(0)} µs = ${ratio.toFixed(2)}× unloaded`);
    const common = { durability: 'fsync', client: 'getBalance, 1 in flight, TCP', phaseMs };
    return [
      { ...unloaded.row, case: 'unloaded', conditions: { ...common, hostileConnections: 0 } },
      {
        ...attacked.row, case: 'under-attack',
        conditions: {
          ...common, hostileConnections: SOURCE_ADDRESSES.length * PER_ADDRESS, sourceAddresses: SOURCE_ADDRESSES.length,
          trickle: '1 byte/s, frame never completed', loginTimeoutMs: 5000, preLoginHeldMin: heldMin, preLoginHeldMean: heldMean,
          hostileReconnects: stats.opened, rssBeforeMb: round1(rssBeforeMb), rssPeakMb: round1(rssPeakMb), rssGrowthMb: round1(growthMb),
          p99VsUnloaded: Math.round(ratio * 100) / 100, engineOpenFileLimit: openFileLimit,
        },
      },
    ];
  } finally {
    if (hostile !== null) {
      hostile.postMessage({ type: 'stop' });
      await hostile.terminate();
    }
    await engine.stop();
  }
};

/** Sends getBalance one at a time for `ms`; returns the latency row and its p99. */
async function measure(client: RinglineClient, ms: number): Promise<Phase> {
  const histogram = createLatencyHistogram();
  let errors = 0;
  const started = nowNs();
  const endNs = started + ms * 1e6;
  let count = 0;
  for (let t = nowNs(); t < endNs; count++) {
    const r = await client.send({ type: 'getBalance', accountId: 1, assetId: 1 });
    const after = nowNs();
    histogram.recordNs(after - t);
    if (r.code !== 0) errors++;
    t = after;
  }
  const latency = histogram.percentilesUs();
  return {
    row: {
      scenario: 'hostile', case: '', conditions: {}, throughput_per_s: Math.round(count / ((nowNs() - started) / 1e9)),
      latency_us: latency, gc_events: null, errors,
    },
    p99Us: latency?.p99 ?? 0,
  };
}

async function preLoginHeld(engine: EngineProcess): Promise<number> {
  const text = await (await fetch(`http://${engine.host}:${engine.wsPort}/metrics`)).text();
  const match = /^ringline_connections_pre_login (\d+)/m.exec(text);
  return match === null ? 0 : Number(match[1]);
}

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match === null ? 0 : Number(match[1]) / 1024;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
