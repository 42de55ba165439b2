/**
 * GET /metrics: Prometheus text exposition of the gateway's counters and the engine's metrics
 * (sequences, ring lag, durable sequence, fsync latency, GC counts per thread). The engine's
 * metrics object is rendered generically: every numeric leaf becomes `ringline_engine_<path>`, so
 * the engine can grow metrics without a change here.
 */
import { resultName } from '../codec/result_codes.ts';
import { CommandType } from '../codec/records/command_descriptor.ts';
import type { GatewayMetrics } from './gateway_metrics.ts';

const COMMAND_NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(CommandType).map(([name, type]) => [type, name]),
);

export function renderMetrics(gateway: GatewayMetrics, engine: unknown, sessions: number, preLogin = 0): string {
  const lines: string[] = [];
  const gauge = (name: string, help: string, value: number): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${formatNumber(value)}`);
  };
  const counter = (name: string, help: string, value: number): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`, `${name} ${formatNumber(value)}`);
  };
  gauge('ringline_connections_open', 'Open TCP and WebSocket connections', gateway.connectionsOpenTcp + gateway.connectionsOpenWs);
  lines.push(`ringline_connections_open_by_transport{transport="tcp"} ${gateway.connectionsOpenTcp}`);
  lines.push(`ringline_connections_open_by_transport{transport="ws"} ${gateway.connectionsOpenWs}`);
  counter('ringline_connections_total', 'TCP and WebSocket connections accepted', gateway.connectionsTotal);
  counter('ringline_connections_rejected_total', 'Connections refused (limit or shutdown)', gateway.connectionsRejected);
  gauge('ringline_connections_pre_login', 'Open connections that have not logged in yet', preLogin);
  gauge('ringline_sessions', 'Sessions open (connections plus HTTP requests awaiting results)', sessions);
  gauge('ringline_http_in_flight', 'HTTP requests waiting for their result', gateway.httpInFlight);
  counter('ringline_http_requests_total', 'HTTP command requests received', gateway.httpRequestsTotal);
  counter('ringline_ring_full_total', 'Times the input ring was full when the gateway tried to claim', gateway.ringFullEvents);
  counter('ringline_publish_batches_total', 'Batches published into the input ring', gateway.publishBatches);
  counter('ringline_slow_consumer_disconnects_total', 'Clients disconnected for not reading results', gateway.slowConsumerDisconnects);
  counter('ringline_protocol_error_disconnects_total', 'Connections closed for framing errors', gateway.protocolErrorDisconnects);
  counter('ringline_pre_login_evictions_total', 'Pre-login connections closed to admit a newer one (pool full)', gateway.preLoginEvictions);
  counter('ringline_login_timeouts_total', 'Connections closed for not logging in within loginTimeoutMs', gateway.loginTimeouts);

  lines.push('# HELP ringline_commands_total Commands published into the ring, by command', '# TYPE ringline_commands_total counter');
  for (let t = 0; t < gateway.commandsByType.length; t++) {
    if (gateway.commandsByType[t] > 0) lines.push(`ringline_commands_total{command="${COMMAND_NAMES[t] ?? t}"} ${gateway.commandsByType[t]}`);
  }
  lines.push('# HELP ringline_results_total Results sent to clients, by code', '# TYPE ringline_results_total counter');
  for (let c = 0; c < gateway.resultsByCode.length; c++) {
    if (gateway.resultsByCode[c] > 0) lines.push(`ringline_results_total{code="${c}",name="${resultName(c)}"} ${gateway.resultsByCode[c]}`);
  }
  lines.push('# HELP ringline_gateway_rejections_total Requests answered by the gateway without reaching the ring, by code',
    '# TYPE ringline_gateway_rejections_total counter');
  for (let c = 0; c < gateway.gatewayRepliesByCode.length; c++) {
    if (gateway.gatewayRepliesByCode[c] > 0) {
      lines.push(`ringline_gateway_rejections_total{code="${c}",name="${resultName(c)}"} ${gateway.gatewayRepliesByCode[c]}`);
    }
  }
  const engineLines: string[] = [];
  flatten(engine, 'ringline_engine', engineLines, 0);
  if (engineLines.length > 0) lines.push(...engineLines);
  return lines.join('\n') + '\n';
}

function flatten(value: unknown, name: string, out: string[], depth: number): void {
  if (depth > 6) return;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) out.push(`${name} ${formatNumber(value)}`);
    return;
  }
  if (typeof value === 'bigint') {
    out.push(`${name} ${value.toString()}`);
    return;
  }
  if (typeof value === 'boolean') {
    out.push(`${name} ${value ? 1 : 0}`);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => flatten(v, `${name}_${i}`, out, depth + 1));
    return;
  }
  for (const [key, v] of Object.entries(value)) flatten(v, `${name}_${snakeCase(key)}`, out, depth + 1);
}

function snakeCase(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/[^A-Za-z0-9_]/g, '_').toLowerCase();
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? value.toString() : value.toPrecision(9);
}
