/**
 * The scenarios `npm run bench` knows, each a module under perf/scenarios exporting `run: ScenarioRun`.
 * Modules are imported only when asked for, so a scenario whose module does not exist yet (or fails to
 * load because a part of the engine is missing) is reported as "not available" and the suite goes on.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ScenarioRun } from './result_row.ts';

export interface ScenarioEntry {
  readonly name: string;
  /** The module file under perf/scenarios. */
  readonly file: string;
  readonly description: string;
  /** Cores below which the scenario's topology shares cores and its figures understate the design. */
  readonly coresWanted: number;
}

export const SCENARIOS: readonly ScenarioEntry[] = [
  { name: 'ring', file: 'ring.ts', description: 'SharedArrayBuffer ring hops: 1→1, 1→3 batched, hop latency at 100k/s', coresWanted: 4 },
  { name: 'codec', file: 'codec.ts', description: 'FlatBuffers verify + translate to internal records, result encode', coresWanted: 1 },
  { name: 'logic', file: 'logic.ts', description: 'business logic alone: transfer, stock-buy, seat-booking, checkout, order-mix', coresWanted: 1 },
  { name: 'journal', file: 'journal.ts', description: 'journaler group commit in fsync / batch / none modes', coresWanted: 2 },
  { name: 'replay', file: 'replay.ts', description: 'recovery: replay speed and restart with a large journal', coresWanted: 2 },
  { name: 'e2e-tcp', file: 'e2e_tcp.ts', description: 'engine in a child process over loopback TCP: max-throughput, rate-50k, max-throughput-none, transfer', coresWanted: 4 },
  { name: 'e2e-ws', file: 'e2e_ws.ts', description: 'engine over WebSocket: max-throughput, rate-50k', coresWanted: 4 },
  { name: 'e2e-http', file: 'e2e_http.ts', description: 'engine over HTTP/JSON (keep-alive, 64 connections): max-throughput, rate-50k, rate-10k', coresWanted: 4 },
  { name: 'peers', file: 'peers.ts', description: 'Redis + Lua stock decrement and nodejs-order-book beside ringline', coresWanted: 4 },
  { name: 'replication', file: 'replication.ts', description: 'primary → standby replication: throughput and latency in sync mode', coresWanted: 4 },
  { name: 'cluster', file: 'cluster.ts', description: 'etcd + 3 cluster nodes: sync-rate-50k beside a plain node, and failover (kill -9 of the leader to the first acknowledged write, ≥ 10 times)', coresWanted: 8 },
  { name: 'snapshot', file: 'snapshot.ts', description: 'the logic thread\'s pause per snapshot at the default capacities: stop-the-world export + hash vs the snapshot shadow', coresWanted: 2 },
  { name: 'soak', file: 'soak.ts', description: 'minutes of open loop at half the max throughput, default config (snapshots on): latency, RSS, errors over time', coresWanted: 4 },
  { name: 'hostile', file: 'hostile.ts', description: 'an authenticated client\'s latency while 10,240 connections that never log in hold the door (engine with the pre-login door vs without; generator as a worker thread and as a separate nice-19 process, side by side)', coresWanted: 2 },
  { name: 'client', file: 'client.ts', description: 'the client library alone: one RinglineClient, one TCP connection, pipelined, against a correlation-echo server', coresWanted: 2 },
  { name: 'console', file: 'console.ts', description: 'engine CPU per command at 50k/s, max throughput and idle CPU, each alternated without and with one operator console streaming', coresWanted: 4 },
  { name: 'projector', file: 'projector.ts', description: 'PostgreSQL projection: batch writer events/s and rows/s; ringline project\'s lag at 50k commands/s', coresWanted: 4 },
  { name: 'idle', file: 'idle.ts', description: 'an engine with no traffic: CPU over 30 s and resident memory', coresWanted: 1 },
  { name: 'events', file: 'events.ts', description: 'event subscriptions: e2e throughput with 0, 1, 100, 1000 subscribers to every event (and 100, 1000 to a quiet symbol), events/s delivered, fan-out share of the main thread', coresWanted: 4 },
];

export const SCENARIO_NAMES: readonly string[] = SCENARIOS.map((s) => s.name);

/** What `npm run bench` runs with no scenario named: everything but the soak (minutes by design), the hostile bench (10,240 sockets) and the cluster (ten failovers). */
export const DEFAULT_SUITE: readonly string[] = SCENARIO_NAMES.filter((name) => name !== 'soak' && name !== 'hostile' && name !== 'cluster');

export function scenarioEntry(name: string): ScenarioEntry {
  const entry = SCENARIOS.find((s) => s.name === name);
  if (entry === undefined) throw new Error(`unknown scenario ${name}`);
  return entry;
}

export type LoadedScenario =
  | { readonly available: true; readonly run: ScenarioRun }
  | { readonly available: false; readonly reason: string };

/** Imports a scenario module; a missing module or one without `run` is "not available" with a reason. */
export async function loadScenario(name: string, scenariosDir: URL = new URL('./scenarios/', import.meta.url)): Promise<LoadedScenario> {
  const entry = scenarioEntry(name);
  const url = new URL(entry.file, scenariosDir);
  if (!existsSync(fileURLToPath(url))) return { available: false, reason: `perf/scenarios/${entry.file} does not exist yet` };
  let mod: { run?: unknown };
  try {
    mod = (await import(url.href)) as { run?: unknown };
  } catch (err) {
    return { available: false, reason: `perf/scenarios/${entry.file} failed to load: ${firstLine(String((err as Error).message))}` };
  }
  if (typeof mod.run !== 'function') return { available: false, reason: `perf/scenarios/${entry.file} does not export run()` };
  return { available: true, run: mod.run as ScenarioRun };
}

function firstLine(text: string): string {
  const nl = text.indexOf('\n');
  return nl < 0 ? text : text.slice(0, nl);
}
