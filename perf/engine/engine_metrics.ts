/**
 * Reads GC counters from the engine's GET /metrics (Prometheus text) so a bench row can report GC
 * events per engine thread beside the load generators' (the family ringline_gc_events_total, one
 * series per thread label: main, logic, replicator) and the time they took (ringline_gc_pause_seconds_total).
 */
import { request } from 'node:http';

const GC_EVENTS = /^ringline_gc_events_total\{(?:[^}]*,)?thread="([^"]+)"[^}]*\}\s+([0-9.eE+-]+)$/;
const GC_PAUSE_S = /^ringline_gc_pause_seconds_total\{(?:[^}]*,)?thread="([^"]+)"[^}]*\}\s+([0-9.eE+-]+)$/;

function parseByThread(text: string, series: RegExp): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = series.exec(line.trim());
    if (m !== null) out.set(m[1], Number(m[2]));
  }
  return out;
}

/** Thread → GC events so far, from a Prometheus text body. */
export function parseGcMetrics(text: string): Map<string, number> {
  return parseByThread(text, GC_EVENTS);
}

/** Thread → milliseconds spent in GC so far (ringline_gc_pause_seconds_total), from a Prometheus text body. */
export function parseGcPauseMs(text: string): Map<string, number> {
  const seconds = parseByThread(text, GC_PAUSE_S);
  return new Map([...seconds].map(([thread, s]) => [thread, s * 1000]));
}

/** GC events between two readings, keyed `engine:<thread>`. */
export function gcDelta(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [thread, value] of after) {
    const delta = value - (before.get(thread) ?? 0);
    if (Number.isFinite(delta)) out[`engine:${thread}`] = delta;
  }
  return out;
}

/**
 * One sample of a /metrics text by its exact series, e.g. `ringline_snapshots_total` or
 * `ringline_gc_events_total{thread="logic"}`; NaN when the text or the series is missing.
 */
export function metricSample(text: string | null, series: string): number {
  if (text === null) return Number.NaN;
  for (const line of text.split('\n')) {
    if (line.startsWith(series) && line.charCodeAt(series.length) === 0x20) return Number(line.slice(series.length + 1));
  }
  return Number.NaN;
}

/** The series the soak bench follows (test/metrics_exposition.test.ts checks a real engine has them). */
export const SoakSeries = {
  SNAPSHOTS: 'ringline_snapshots_total',
  /** Present from the first snapshot on. */
  SNAPSHOT_PAUSE_MAX_S: 'ringline_snapshot_pause_seconds{which="max"}',
  LOGIC_GC_EVENTS: 'ringline_gc_events_total{thread="logic"}',
  LOGIC_GC_PAUSE_S: 'ringline_gc_pause_seconds_total{thread="logic"}',
} as const;

/** GET /metrics from the engine's HTTP port; null when it cannot be read (the row then omits engine GC). */
export function fetchMetrics(host: string, port: number, timeoutMs = 2000): Promise<string | null> {
  return new Promise((resolve) => {
    const req = request({ host, port, path: '/metrics', method: 'GET', timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => resolve(res.statusCode === 200 ? body : null));
    });
    req.on('error', () => resolve(null));
    req.on('timeout', () => { req.destroy(); resolve(null); });
    req.end();
  });
}

/**
 * The gateway's (the engine's main thread's) heap as /metrics shows it: Node's default metrics, from
 * prom-client. Why a soak records it: V8 counts the external memory (ArrayBuffers) allocated since the
 * last mark-compact against the old generation's limit, and a memory-reducing mark-compact shrinks the
 * young generation; either shows here first (docs/performance.md, soak, #14).
 */
export interface GatewayHeapReading {
  /** Cumulative GC events by kind (major, minor, incremental). */
  readonly major: number;
  readonly minor: number;
  readonly incremental: number;
  readonly oldUsedMib: number;
  readonly newCapacityMib: number;
  readonly externalMib: number;
}

const MIB = 1024 * 1024;

/** The gateway heap reading of a /metrics text; null when a series is missing. */
export function parseGatewayHeap(text: string | null): GatewayHeapReading | null {
  const reading: GatewayHeapReading = {
    major: metricSample(text, 'nodejs_gc_duration_seconds_count{kind="major"}'),
    minor: metricSample(text, 'nodejs_gc_duration_seconds_count{kind="minor"}'),
    incremental: metricSample(text, 'nodejs_gc_duration_seconds_count{kind="incremental"}'),
    oldUsedMib: metricSample(text, 'nodejs_heap_space_size_used_bytes{space="old"}') / MIB,
    newCapacityMib: metricSample(text, 'nodejs_heap_space_size_total_bytes{space="new"}') / MIB,
    externalMib: metricSample(text, 'nodejs_external_memory_bytes') / MIB,
  };
  // A kind with no collection yet has no series: 0, not missing.
  const counts = { major: reading.major || 0, minor: reading.minor || 0, incremental: reading.incremental || 0 };
  const sizes = [reading.oldUsedMib, reading.newCapacityMib, reading.externalMib];
  return sizes.every(Number.isFinite) ? { ...reading, ...counts } : null;
}
