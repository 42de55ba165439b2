import { describe, expect, it } from 'vitest';
import { renderStageSvg } from './stage_plot.ts';

describe('renderStageSvg', () => {
  it('draws a p50 and a p99 bar per stage, in pipeline order, on a log axis that reaches the slowest', () => {
    const f = (p50: number, p99: number): { samples: number; p50_us: number; p90_us: number; p99_us: number; mean_us: number } =>
      ({ samples: 100, p50_us: p50, p90_us: p99, p99_us: p99, mean_us: p50 });
    const svg = renderStageSvg({ total: f(900, 14_000), apply: f(3, 40), journal: f(400, 9000), publish: f(20, 300), reply: f(80, 2000) }, 'e2e-tcp <rate-50k>');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('<title>e2e-tcp &lt;rate-50k&gt;</title>');
    const order = ['publish', 'apply', 'journal', 'reply', 'total'].map((s) => svg.indexOf(`>${s}</text>`));
    expect(order.every((at, i) => at > 0 && (i === 0 || at > order[i - 1]))).toBe(true);
    expect(svg.match(/<rect x="110"/g)?.length).toBe(10);
    expect(svg).toContain('10ms'); // the axis reaches the 14 ms p99
    expect(svg).toContain('journal p99 9000 µs');
  });
});
