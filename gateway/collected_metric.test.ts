import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { histogramSamples, log2HistogramSamples, registerCollected } from './collected_metric.ts';
import { parseExposition } from './test_support/exposition_text.ts';

describe('registerCollected', () => {
  it('reads the source at every scrape and lets prom-client write HELP, TYPE and labels', async () => {
    const registry = new Registry();
    let value = 1;
    registerCollected(registry, { name: 'x_things_total', help: 'Things', type: 'counter', collect: () => [{ labels: { thread: 'logic' }, value }] });
    expect(await registry.metrics()).toBe('# HELP x_things_total Things\n# TYPE x_things_total counter\nx_things_total{thread="logic"} 1\n');
    value = 7;
    expect(await registry.metrics()).toContain('x_things_total{thread="logic"} 7');
  });

  it('refuses a counter without _total, a gauge with it, a bad name and an empty help, naming the metric', () => {
    const registry = new Registry();
    const collect = (): [] => [];
    expect(() => registerCollected(registry, { name: 'x_things', help: 'h', type: 'counter', collect })).toThrow(/counter x_things must end in _total/);
    expect(() => registerCollected(registry, { name: 'x_total', help: 'h', type: 'gauge', collect })).toThrow(/gauge x_total must not end in _total/);
    expect(() => registerCollected(registry, { name: 'x-y', help: 'h', type: 'gauge', collect })).toThrow(/not a Prometheus name/);
    expect(() => registerCollected(registry, { name: 'x_y', help: ' ', type: 'gauge', collect })).toThrow(/x_y needs a help text/);
  });
});

describe('histogram samples', () => {
  it('turns per-bucket counts into cumulative buckets, +Inf, _sum and _count', async () => {
    const registry = new Registry();
    registerCollected(registry, {
      name: 'h_seconds', help: 'H', type: 'histogram',
      collect: () => histogramSamples('h_seconds', [0.1, 1], [2, 3, 4], 9.5, { stage: 'journal' }),
    });
    const f = parseExposition(await registry.metrics()).get('h_seconds');
    expect(f?.type).toBe('histogram');
    expect(f?.samples.map((s) => [s.name, s.labels.le ?? '', s.value])).toEqual([
      ['h_seconds_bucket', '0.1', 2], ['h_seconds_bucket', '1', 5], ['h_seconds_bucket', '+Inf', 9],
      ['h_seconds_sum', '', 9.5], ['h_seconds_count', '', 9],
    ]);
    expect(f?.samples.every((s) => s.labels.stage === 'journal')).toBe(true);
  });

  it('reads log2 buckets of µs as seconds bounds 2^(b+1) µs, the unshown ones counted in +Inf', () => {
    const memory = new Float64Array(8);
    memory.set([1, 0, 2, 0, 1], 2); // buckets 0..4 start at index 2
    const samples = log2HistogramSamples('f_seconds', memory, 2, 5, 3, 1e-6, 123e-6);
    expect(samples.filter((s) => s.metricName === 'f_seconds_bucket').map((s) => [s.labels?.le, s.value])).toEqual([
      [2e-6, 1], [4e-6, 1], [8e-6, 3], ['+Inf', 4],
    ]);
    expect(samples.find((s) => s.metricName === 'f_seconds_sum')?.value).toBe(123e-6);
  });
});
