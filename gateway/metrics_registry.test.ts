import { openSync, closeSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GatewayMetrics } from './gateway_metrics.ts';
import { addGatewayFamilies, MetricsRegistry } from './metrics_registry.ts';
import { parseExposition } from './test_support/exposition_text.ts';

describe('MetricsRegistry', () => {
  it('has process metrics always, build info only when it knows the version', async () => {
    const bare = parseExposition(await new MetricsRegistry({}).text());
    expect(bare.get('process_cpu_seconds_total')?.type).toBe('counter');
    expect(bare.has('ringline_build_info')).toBe(false);
    const versioned = parseExposition(await new MetricsRegistry({ version: '1.2.3' }).text());
    expect(versioned.get('ringline_build_info')?.samples[0]).toMatchObject({ value: 1, labels: { version: '1.2.3', node_version: process.version } });
  });

  it('exposes the gateway counters with transports and reasons as labels, commands and codes by name', async () => {
    const registry = new MetricsRegistry({});
    const metrics = new GatewayMetrics();
    metrics.connectionsOpenTcp = 3;
    metrics.connectionsOpenWs = 1;
    metrics.slowConsumerDisconnects = 2;
    metrics.countResult(402);
    addGatewayFamilies(registry, { metrics, sessionCount: 4, preLoginCount: 2 });
    const families = parseExposition(await registry.text());
    expect(families.get('ringline_connections_open')?.samples.map((s) => [s.labels.transport, s.value])).toEqual([['tcp', 3], ['ws', 1]]);
    expect(families.get('ringline_disconnects_total')?.samples.find((s) => s.labels.reason === 'slow_consumer')?.value).toBe(2);
    expect(families.get('ringline_results_total')?.samples).toEqual([{ name: 'ringline_results_total', labels: { code: '402', name: 'INSUFFICIENT_STOCK' }, value: 1 }]);
    expect(families.get('ringline_sessions_open')?.samples[0].value).toBe(4);
    for (const f of families.values()) expect([f.name, f.help !== null, f.type !== null]).toEqual([f.name, true, true]);
  });

  it('counts open descriptors off the main thread and leaves out the per-socket handle lists', async () => {
    const registry = new MetricsRegistry({});
    const before = parseExposition(await registry.text()).get('process_open_fds')?.samples[0].value ?? -1;
    const fds = Array.from({ length: 50 }, () => openSync('/dev/null', 'r'));
    try {
      const during = parseExposition(await registry.text());
      const open = during.get('process_open_fds')?.samples[0].value ?? -1;
      // The 50 just opened; a few of the runtime's own may come or go meanwhile.
      expect(open).toBeGreaterThanOrEqual(before + 45);
      expect(open).toBeLessThanOrEqual(before + 55);
      expect(during.has('nodejs_active_handles')).toBe(false);
      expect(during.has('nodejs_active_resources_total')).toBe(false);
    } finally {
      for (const fd of fds) closeSync(fd);
    }
  });
});
