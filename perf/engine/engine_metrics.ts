/**
 * Reads GC counters from the engine's GET /metrics (Prometheus text) so a bench row can report GC
 * events per engine thread beside the load generators'. The metrics renderer names engine metrics
 * `ringline_engine_<path>`; every such counter whose name mentions gc is taken, so the bench follows
 * whatever per-thread names the engine publishes.
 */
import { request } from 'node:http';

/** Metric name → value, for the engine's GC-related metrics in a Prometheus text body. */
export function parseGcMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^(ringline_engine_\S*gc\S*)\s+([0-9.eE+-]+)$/i.exec(line.trim());
    if (m !== null && !/pause|ms|seconds|duration/i.test(m[1])) out.set(m[1], Number(m[2]));
  }
  return out;
}

/** GC events between two readings, keyed by the metric name less its `ringline_engine_` prefix. */
export function gcDelta(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, value] of after) {
    const delta = value - (before.get(name) ?? 0);
    if (Number.isFinite(delta)) out[`engine:${name.replace(/^ringline_engine_/, '')}`] = delta;
  }
  return out;
}

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
