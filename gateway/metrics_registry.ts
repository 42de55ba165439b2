/**
 * GET /metrics: one prom-client Registry holding
 *   - Node's default process and runtime metrics (process_cpu_seconds_total, nodejs_heap_size_used_bytes,
 *     nodejs_eventloop_lag_seconds, ...), under their standard names, except the ones whose cost grows
 *     with the connections on the main thread: nodejs_active_handles / _resources (an object per socket,
 *     built at every scrape) are left out, and process_open_fds reads /proc/self/fd in libuv's thread
 *     pool instead of with readdirSync (10,000 pre-login sockets made one scrape a 20 ms stall of the
 *     gateway: docs/performance.md, hostile);
 *   - ringline_build_info{version, node_version} 1;
 *   - the gateway's own families (below), labelled by transport where there is more than one;
 *   - whatever the caller adds with `add` (the engine's families: cli/engine_metric_families.ts).
 * Every family has HELP and TYPE (prom-client writes them), counters end in `_total`, durations are in
 * seconds. Values are read at scrape time; nothing on the request path touches prom-client.
 */
import { readdir } from 'node:fs/promises';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { CommandType } from '../codec/records/command_descriptor.ts';
import { resultName } from '../codec/result_codes.ts';
import { registerCollected, type CollectedMetricDefinition, type MetricSample } from './collected_metric.ts';
import type { GatewayMetrics } from './gateway_metrics.ts';

/** The event-loop delay sampler's tick: coarse, so an idle engine's main thread stays asleep. */
const EVENT_LOOP_MONITORING_PRECISION_MS = 100;

/** prom-client defaults that walk every socket (or every fd) on the main thread at each scrape. */
const MAIN_THREAD_HEAVY_DEFAULTS = [
  'process_open_fds', 'nodejs_active_handles', 'nodejs_active_handles_total', 'nodejs_active_resources', 'nodejs_active_resources_total',
];

const COMMAND_NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(CommandType).map(([name, type]) => [type, name]),
);

export interface MetricsRegistryOptions {
  /** ringline's version (package.json), for ringline_build_info; without it there is no build info family. */
  readonly version?: string;
}

export class MetricsRegistry {
  readonly registry = new Registry();

  constructor(options: MetricsRegistryOptions) {
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: EVENT_LOOP_MONITORING_PRECISION_MS });
    for (const name of MAIN_THREAD_HEAVY_DEFAULTS) this.registry.removeSingleMetric(name);
    if (process.platform === 'linux') {
      new Gauge({
        name: 'process_open_fds', help: 'Number of open file descriptors (read in the thread pool)', registers: [this.registry],
        async collect() {
          this.set((await readdir('/proc/self/fd')).length - 1); // less the one the readdir holds
        },
      });
    }
    if (options.version === undefined) return;
    const buildInfo = new Gauge({
      name: 'ringline_build_info', help: 'Always 1; the labels say which ringline and Node.js run here',
      labelNames: ['version', 'node_version'] as const, registers: [this.registry],
    });
    buildInfo.set({ version: options.version, node_version: process.version }, 1);
  }

  /** Adds a family read at scrape time (counter, gauge or histogram: collected_metric.ts). */
  add(definition: CollectedMetricDefinition): void {
    registerCollected(this.registry, definition);
  }

  /** The exposition text (Prometheus text format 0.0.4). */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

export interface GatewayMetricsSource {
  readonly metrics: GatewayMetrics;
  readonly sessionCount: number;
  /** TCP and WebSocket connections not logged in yet (their own bounded pool: gateway/pre_login_pool.ts). */
  readonly preLoginCount: number;
}

/** The gateway's families: connections, sessions, HTTP, publishing, commands and results. */
export function addGatewayFamilies(registry: MetricsRegistry, gateway: GatewayMetricsSource): void {
  const m = gateway.metrics;
  const one = (value: number): MetricSample[] => [{ value }];
  registry.add({
    name: 'ringline_connections_open', type: 'gauge', help: 'Open client connections, by transport',
    collect: () => [{ labels: { transport: 'tcp' }, value: m.connectionsOpenTcp }, { labels: { transport: 'ws' }, value: m.connectionsOpenWs }],
  });
  registry.add({ name: 'ringline_connections_accepted_total', type: 'counter', help: 'TCP and WebSocket connections accepted', collect: () => one(m.connectionsTotal) });
  registry.add({ name: 'ringline_connections_rejected_total', type: 'counter', help: 'Connections refused (connection limit or shutting down)', collect: () => one(m.connectionsRejected) });
  registry.add({
    name: 'ringline_disconnects_total', type: 'counter', help: 'Connections the gateway closed, by reason',
    collect: () => [
      { labels: { reason: 'slow_consumer' }, value: m.slowConsumerDisconnects },
      { labels: { reason: 'protocol_error' }, value: m.protocolErrorDisconnects },
      { labels: { reason: 'login_timeout' }, value: m.loginTimeouts },
      { labels: { reason: 'pre_login_eviction' }, value: m.preLoginEvictions },
    ],
  });
  registry.add({ name: 'ringline_connections_pre_login', type: 'gauge', help: 'Open connections that have not logged in yet', collect: () => one(gateway.preLoginCount) });
  registry.add({ name: 'ringline_sessions_open', type: 'gauge', help: 'Sessions open: connections plus HTTP requests awaiting their result', collect: () => one(gateway.sessionCount) });
  registry.add({ name: 'ringline_http_requests_in_flight', type: 'gauge', help: 'HTTP command requests waiting for their result', collect: () => one(m.httpInFlight) });
  registry.add({ name: 'ringline_http_requests_total', type: 'counter', help: 'HTTP command requests received', collect: () => one(m.httpRequestsTotal) });
  registry.add({ name: 'ringline_input_ring_full_total', type: 'counter', help: 'Claims refused because the input ring was full (answered BUSY)', collect: () => one(m.ringFullEvents) });
  registry.add({
    name: 'ringline_gateway_buffers_allocated_total', type: 'counter',
    help: 'Buffers the gateway allocated for TCP reads and replies (V8 counts each as external memory until collected), by use',
    collect: () => [{ labels: { use: 'tcp_read' }, value: m.tcpReadBuffers }, { labels: { use: 'tcp_output' }, value: m.tcpOutputBuffers }],
  });
  registry.add({ name: 'ringline_publish_batches_total', type: 'counter', help: 'Batches the gateway published into the input ring', collect: () => one(m.publishBatches) });
  registry.add({
    name: 'ringline_commands_total', type: 'counter', help: 'Commands published into the input ring, by command',
    collect: () => indexed(m.commandsByType, (t) => ({ command: COMMAND_NAMES[t] ?? String(t) })),
  });
  registry.add({
    name: 'ringline_results_total', type: 'counter', help: 'Results sent to clients (engine results and gateway rejections), by result code',
    collect: () => indexed(m.resultsByCode, (c) => ({ code: c, name: resultName(c) })),
  });
  registry.add({
    name: 'ringline_gateway_rejections_total', type: 'counter', help: 'Requests the gateway answered without reaching the ring, by result code',
    collect: () => indexed(m.gatewayRepliesByCode, (c) => ({ code: c, name: resultName(c) })),
  });
}

/** One sample per non-zero slot of a counter array, labelled by its index. */
function indexed(counts: Float64Array, labels: (index: number) => Record<string, string | number>): MetricSample[] {
  const out: MetricSample[] = [];
  for (let i = 0; i < counts.length; i++) if (counts[i] > 0) out.push({ labels: labels(i), value: counts[i] });
  return out;
}
