import { describe, expect, it } from 'vitest';
import type { TimelinePoint } from '../result_row.ts';
import { renderTimelineSvg } from './timeline_plot.ts';

const point = (t: number, snapshots: number, maxUs: number): TimelinePoint => ({
  t_s: t, rss_mib: 280 + t, completed: 1000, p50_us: 400, p99_us: 2000, max_us: maxUs, errors: 0, dropped: t === 20 ? 7 : 0, snapshots, logic_gc_events: 0,
});

describe('renderTimelineSvg', () => {
  it('draws latency, RSS and errors/dropped panels over time, marking the intervals where a snapshot was asked for', () => {
    const svg = renderTimelineSvg([point(10, 0, 9000), point(20, 1, 120_000), point(30, 1, 8000), point(40, 2, 7000)], 'soak <rate>');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('<title>soak &lt;rate&gt;</title>');
    for (const label of ['latency per interval', 'engine RSS', 'errors, dropped per interval', '>p99<', '>max<', '>dropped<']) expect(svg).toContain(label);
    expect(svg.match(/snapshot asked for in this interval/g)?.length).toBe(2 * 3); // two intervals, three panels
    expect(svg).toContain('100ms'); // the log latency axis reaches the 120 ms max
  });
});
