/**
 * cluster: etcd + 3 `ringline start --cluster` nodes on this machine (fsync on every node, a write
 * acknowledged once the leader and one follower hold it), beside one plain node in the same run.
 *
 *   single-rate-50k, sync-rate-50k   open loop at 50k/s of stock-buy commands over TCP to the plain
 *     node / to the cluster's leader: throughput and latency from each command's intended send time.
 *   failover   `runs` times (at least 10): kill -9 of the leader; latency_us = from the kill to the first
 *     acknowledged write on the new leader (a probe writes to every surviving node over HTTP every
 *     PROBE_EVERY_MS, with one idempotency id per failover); the killed node is restarted and the
 *     cluster is let settle (every node back, following) before the next one. errors = acknowledged
 *     commands lost: every acknowledged probe is a deposit of 1 into one account, applied once by its
 *     idempotency id, so the final balance is at least the number acknowledged.
 * Three nodes, their threads, etcd and the load generator share 2 cores here: compare the cluster with
 * the plain node of the same run, and read failover times with the load average in the conditions.
 */
import os from 'node:os';
import { ControlClient } from '../engine/control_client.ts';
import { startEngineProcess } from '../engine/engine_process.ts';
import { runLoad } from '../load/run_load.ts';
import type { LoadSpec } from '../load/load_spec.ts';
import { encodeLogin, patchableRequest } from '../load/wire_requests.ts';
import type { LatencyPercentilesUs, ResultRow, ScenarioOptions, ScenarioRun } from '../result_row.ts';
import { startBenchCluster, type BenchCluster, type BenchNode } from '../cluster/cluster_nodes.ts';
import { DEFAULT_CLUSTER_OPTIONS } from '../../replication/cluster/cluster_options.ts';

const RATE_PER_S = 50_000;
const PLENTY = 2 ** 50;
const PROBE_EVERY_MS = 10;
const FAILOVERS_MIN = 10;
/** The default TTL: the failover figures are quoted for it. */
const LEASE_TTL_SECONDS = DEFAULT_CLUSTER_OPTIONS.leaseTtlSeconds;
const PROBE_ACCOUNT = 3;

interface Answer { readonly code: number; readonly result?: { readonly available?: number } }

async function http(node: BenchNode, key: string, command: Record<string, unknown>, timeoutMs = 2000): Promise<Answer | null> {
  try {
    const response = await fetch(`http://127.0.0.1:${node.wsPort}/v1/commands/${String(command.type)}`, {
      method: 'POST', headers: { authorization: `Bearer ${key}` }, body: JSON.stringify(command), signal: AbortSignal.timeout(timeoutMs),
    });
    return await response.json() as Answer;
  } catch {
    return null;
  }
}

async function setup(host: string, tcpPort: number, adminKey: string): Promise<void> {
  const c = await ControlClient.connect(host, tcpPort, adminKey);
  try {
    await c.expectOk({ kind: 'createAsset', assetId: 1 });
    await c.expectOk({ kind: 'createAccount', accountId: 1 });
    await c.expectOk({ kind: 'createAccount', accountId: 2 });
    await c.expectOk({ kind: 'createAccount', accountId: PROBE_ACCOUNT });
    await c.expectOk({ kind: 'deposit', accountId: 2, assetId: 1, amount: PLENTY });
    await c.expectOk({ kind: 'createItem', itemId: 1, merchantAccountId: 1, priceAssetId: 1, unitPrice: 1, stock: PLENTY });
  } finally {
    c.close();
  }
}

async function rate50k(label: string, host: string, tcpPort: number, adminKey: string, options: ScenarioOptions): Promise<ResultRow> {
  const timing = options.mode === 'full' ? { warmupMs: 1000, durationMs: 5000 } : { warmupMs: 300, durationMs: 2000 };
  const spec: LoadSpec = {
    transport: 'tcp', host, port: tcpPort, wsPath: '/', connections: 4, mode: 'open', pipelineMax: 4096, writeBatch: 1,
    ratePerS: RATE_PER_S, pacingSleepUs: 100, ...timing, drainMs: 10_000, login: encodeLogin(adminKey),
    messages: [patchableRequest({ kind: 'buy', itemId: 1, buyerAccountId: 2, quantity: 1, maxUnitPrice: 0 }, true)],
    idStart: 1, recordLatency: true,
  };
  let load: Awaited<ReturnType<typeof runLoad>>;
  try {
    load = await runLoad(spec, 1);
  } catch (error) {
    // A leader that loses its lease under load stops its gateway and drops the connections: a failed
    // case, reported as such, not the end of the scenario.
    const message = (error as Error).message.split('\n')[0];
    options.log(`${label}: the run failed: ${message}`);
    return {
      scenario: 'cluster', case: label, conditions: { rate_per_s: RATE_PER_S, failed: message, load_average_1m: Math.round(os.loadavg()[0] * 100) / 100 },
      throughput_per_s: null, latency_us: null, gc_events: null, errors: 1,
    };
  }
  const latency = load.histogram?.percentilesUs() ?? null;
  load.histogram?.destroy();
  options.log(`${label}: ${Math.round(load.throughputPerS)}/s, p50 ${latency?.p50 ?? '–'} µs, p99 ${latency?.p99 ?? '–'} µs, errors ${load.errors}`);
  return {
    scenario: 'cluster', case: label,
    conditions: {
      rate_per_s: RATE_PER_S, load: 'open-loop', latency_from: 'intended send time', transport: 'tcp', mix: 'stock-buy', connections: 4,
      durability: 'fsync', topology: label.startsWith('sync') ? 'etcd + 3 nodes (leader + 1 of 2 followers acknowledge), same 2-core machine' : 'one plain node, same run',
      load_average_1m: Math.round(os.loadavg()[0] * 100) / 100,
    },
    throughput_per_s: Math.round(load.throughputPerS), latency_us: latency, gc_events: load.gcEvents, errors: load.errors,
  };
}

/** Waits until every node answers /health as leader or follower, all holding `sequence` or more. */
async function settled(cluster: BenchCluster, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const statuses = await Promise.all(cluster.nodes.map(async (n) => {
      try {
        const body = await (await fetch(`http://127.0.0.1:${n.wsPort}/health`, { signal: AbortSignal.timeout(2000) })).json() as
          { engine?: { cluster?: { role: string; durableSequence: number } } };
        return body.engine?.cluster ?? null;
      } catch {
        return null;
      }
    }));
    const leader = statuses.find((s) => s?.role === 'leader');
    if (leader !== undefined && statuses.every((s) => s !== null && (s.role === 'leader' || (s.role === 'follower' && s.durableSequence >= leader!.durableSequence)))) return;
    if (Date.now() > deadline) throw new Error(`the cluster did not settle: ${JSON.stringify(statuses)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function percentiles(values: readonly number[]): LatencyPercentilesUs {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number): number => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]);
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), p999: at(0.999), p9999: at(0.9999), max: Math.round(sorted[sorted.length - 1]) };
}

async function failovers(cluster: BenchCluster, count: number, options: ScenarioOptions): Promise<ResultRow> {
  const timesUs: number[] = [];
  const loads: number[] = [];
  let acknowledged = 0;
  for (let i = 0; i < count; i++) {
    await settled(cluster);
    const { node: leader, epoch } = await cluster.readyLeader();
    // One acknowledged write before the kill: the leader takes writes now.
    const before = await http(leader, cluster.adminKey, { type: 'deposit', accountId: PROBE_ACCOUNT, assetId: 1, amount: 1, idempotencyId: 1_000_000 + i * 2 });
    if (before?.code === 0) acknowledged++;
    loads.push(os.loadavg()[0]);
    const killedAt = performance.now();
    await cluster.kill(leader);
    const probe = { type: 'deposit', accountId: PROBE_ACCOUNT, assetId: 1, amount: 1, idempotencyId: 1_000_001 + i * 2 };
    const survivors = cluster.nodes.filter((n) => n !== leader);
    let tookUs = -1;
    const deadline = killedAt + 60_000;
    while (tookUs < 0 && performance.now() < deadline) {
      const round = performance.now();
      const answers = await Promise.all(survivors.map((n) => http(n, cluster.adminKey, probe, 1000)));
      if (answers.some((a) => a?.code === 0)) tookUs = (performance.now() - killedAt) * 1000;
      else await new Promise((r) => setTimeout(r, Math.max(0, PROBE_EVERY_MS - (performance.now() - round))));
    }
    if (tookUs < 0) throw new Error(`failover ${i + 1}: no write acknowledged within 60 s of killing ${leader.nodeId}`);
    acknowledged++;
    timesUs.push(tookUs);
    const next = await cluster.readyLeader(leader.nodeId);
    options.log(`failover ${i + 1}/${count}: killed ${leader.nodeId} (epoch ${epoch}), first write acknowledged by ${next.node.nodeId} (epoch ${next.epoch}) after ${Math.round(tookUs / 1000)} ms, load ${os.loadavg()[0].toFixed(1)}`);
    cluster.start(leader);
  }
  await settled(cluster);
  const { node } = await cluster.readyLeader();
  const balance = await http(node, cluster.adminKey, { type: 'getBalance', accountId: PROBE_ACCOUNT, assetId: 1 });
  const held = balance?.result?.available ?? -1;
  const lost = Math.max(0, acknowledged - held);
  options.log(`failover: ${acknowledged} probe writes acknowledged, balance ${held}: ${lost} lost`);
  return {
    scenario: 'cluster', case: 'failover',
    conditions: {
      failovers: count, lease_ttl_s: cluster.leaseTtlSeconds, probe_every_ms: PROBE_EVERY_MS, probe: 'HTTP deposit to every surviving node',
      measured: 'kill -9 of the leader to the first acknowledged write on the new leader', topology: 'etcd + 3 nodes, same 2-core machine',
      load_average_1m_min: Math.round(Math.min(...loads) * 100) / 100, load_average_1m_max: Math.round(Math.max(...loads) * 100) / 100,
      acknowledged_probes: acknowledged, final_balance: held,
    },
    throughput_per_s: null, latency_us: percentiles(timesUs), gc_events: null, errors: lost,
  };
}

export const run: ScenarioRun = async (options) => {
  const rows: ResultRow[] = [];
  const single = await startEngineProcess({ durability: 'fsync', profileDir: null, log: options.log });
  try {
    await setup(single.host, single.tcpPort, single.adminKey);
    rows.push(await rate50k('single-rate-50k', single.host, single.tcpPort, single.adminKey, options));
  } finally {
    await single.stop();
  }
  const cluster = await startBenchCluster(3, LEASE_TTL_SECONDS);
  try {
    const { node } = await cluster.readyLeader();
    await settled(cluster);
    await setup('127.0.0.1', node.tcpPort, cluster.adminKey);
    rows.push(await rate50k('sync-rate-50k', '127.0.0.1', node.tcpPort, cluster.adminKey, options));
    rows.push(await failovers(cluster, Math.max(FAILOVERS_MIN, options.runs), options));
  } finally {
    await cluster.destroy();
  }
  return rows;
};
