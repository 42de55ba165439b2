import { describe, it, expect } from 'vitest';
import type { ResultRow } from '../result_row.ts';
import { renderMarkdownTable } from './markdown_table.ts';
import { curveFromRow, decadeLabel, percentileToX, renderHtmlReport, renderPercentileSvg } from './percentile_plot.ts';
import { formatRate, formatRatio, formatUs } from './format.ts';
import { publishCurve, takeCurves } from './curve_store.ts';

const rows: ResultRow[] = [
  {
    scenario: 'e2e-tcp', case: 'rate-50k', conditions: { durability: 'fsync', rate_per_s: 50_000, connections: 2 },
    throughput_per_s: 49_990, latency_us: { p50: 169.4, p90: 310, p99: 3712, p999: 12_500, p9999: 28_000, max: 1_250_000 },
    gc_events: { gateway: 12, logic: 0 }, errors: 0,
  },
  {
    scenario: 'peers', case: 'redis-lua', conditions: { pipeline: 256 }, throughput_per_s: 95_210, latency_us: null,
    gc_events: null, errors: 3, peer: 'redis-lua', ratio_vs_peer: 12.345,
  },
];

describe('format', () => {
  it('formats rates, latencies and ratios compactly', () => {
    expect(formatRate(1_234_567)).toBe('1.23M');
    expect(formatRate(95_210)).toBe('95.2k');
    expect(formatRate(812)).toBe('812');
    expect(formatRate(null)).toBe('–');
    expect(formatUs(0.61)).toBe('0.61');
    expect(formatUs(169.4)).toBe('169');
    expect(formatUs(3712)).toBe('3712');
    expect(formatUs(28_000)).toBe('28.0ms');
    expect(formatUs(1_250_000)).toBe('1.25s');
    expect(formatRatio(12.345)).toBe('12.3×');
    expect(formatRatio(0.5)).toBe('0.50×');
    expect(formatRatio(undefined)).toBe('–');
  });
});

describe('renderMarkdownTable', () => {
  it('renders one line per row with percentiles, GC per thread, errors, peer ratio and conditions', () => {
    const lines = renderMarkdownTable(rows).split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^\| scenario \| case \| ops\/s \| p50 µs/);
    expect(lines[2]).toBe('| e2e-tcp | rate-50k | 50.0k | 169 | 310 | 3712 | 12.5ms | 28.0ms | 1.25s | gateway 12, logic 0 | 0 | – | durability=fsync rate_per_s=50000 connections=2 |');
    expect(lines[3]).toContain('| 95.2k | – | – | – | – | – | – | – | 3 | 12.3× redis-lua | pipeline=256 |');
  });

  it('escapes pipes inside cells', () => {
    const t = renderMarkdownTable([{ ...rows[1], case: 'a|b' }]);
    expect(t).toContain('a\\|b');
  });
});

describe('percentile plot', () => {
  it('places 50%, 90%, 99% one decade apart on x', () => {
    expect(percentileToX(90, 9)).toBeCloseTo(1, 9);
    expect(percentileToX(99, 9)).toBeCloseTo(2, 9);
    expect(percentileToX(50, 9)).toBeCloseTo(Math.log10(2), 9);
    expect(percentileToX(100, 4.5)).toBe(4.5);
  });

  it('labels latency decades in µs, ms and s', () => {
    expect([-1, 0, 2, 3, 4, 6].map(decadeLabel)).toEqual(['0.1µs', '1µs', '100µs', '1ms', '10ms', '1s']);
  });

  it('draws one path per curve with a legend entry, and a message when there is none', () => {
    publishCurve('e2e-tcp', 'rate-50k', [{ percentile: 50, valueUs: 100 }, { percentile: 99, valueUs: 900 }, { percentile: 100, valueUs: 5000 }]);
    publishCurve('peers', 'redis-lua', [{ percentile: 50, valueUs: 169 }, { percentile: 100, valueUs: 3700 }]);
    publishCurve('empty', 'none', []);
    const curves = takeCurves();
    expect(curves.map((c) => c.case)).toEqual(['rate-50k', 'redis-lua']);
    expect(takeCurves()).toEqual([]);
    const svg = renderPercentileSvg(curves, 'title <&>');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg).toContain('>e2e-tcp rate-50k</text>');
    expect(svg).toContain('99.99%');
    expect(svg).toContain('title &lt;&amp;&gt;');
    expect(svg).not.toMatch(/NaN|Infinity/);
    expect(renderPercentileSvg([], 't')).toContain('no latency measured');
  });

  it('makes a coarse curve from a row with latency, and none from a row without', () => {
    expect(curveFromRow(rows[0])?.points).toEqual([
      { percentile: 50, valueUs: 169.4 }, { percentile: 90, valueUs: 310 }, { percentile: 99, valueUs: 3712 },
      { percentile: 99.9, valueUs: 12_500 }, { percentile: 99.99, valueUs: 28_000 }, { percentile: 100, valueUs: 1_250_000 }]);
    expect(curveFromRow(rows[1])).toBeNull();
  });

  it('draws one plot per scenario, growing to fit its legend', () => {
    const many = Array.from({ length: 30 }, (_, i) => ({ scenario: i < 25 ? 'ring' : 'e2e-tcp', case: `c${i}`, points: [{ percentile: 50, valueUs: i + 1 }, { percentile: 100, valueUs: 10 * (i + 1) }] }));
    const html = renderHtmlReport({ machineLine: 'm', warnings: [], rows, curves: many, command: 'c' });
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html).toContain('<h2>ring: latency by percentile</h2>');
    expect(html).toContain('stroke-dasharray="6 3"'); // the 11th curve of a plot repeats a colour dashed
    const ringSvg = renderPercentileSvg(many.slice(0, 25), 't');
    expect(Number(/height="(\d+)"/.exec(ringSvg)?.[1])).toBeGreaterThan(480);
  });

  it('renders an HTML page with the machine line, warnings, the plot and the table', () => {
    const html = renderHtmlReport({ machineLine: 'node v20, 2 cores', warnings: ['warning: few cores'], rows, curves: [], command: 'npm run bench' });
    expect(html).toContain('<svg');
    expect(html).toContain('node v20, 2 cores');
    expect(html).toContain('class="warn">warning: few cores');
    expect(html.match(/<tr>/g)).toHaveLength(3);
    expect(html).toContain('<td>12.3× redis-lua</td>');
  });
});
