import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketQuantile, buildFrame, type FamilyReading, type HistogramSeries, type Reading, type ScalarSeries } from './console_frame.ts';
import { histogramSamples } from '../collected_metric.ts';

const BOUNDS = [0.001, 0.002, 0.004, 0.008];

function histogram(name: string, counts: number[], sum: number, labels: Record<string, string> = {}): FamilyReading {
  return { name, type: 'histogram', values: histogramSamples(name, BOUNDS, counts, sum, labels) };
}

function reading(atMs: number, ...families: FamilyReading[]): Reading {
  return { atMs, families: new Map(families.map((f) => [f.name, f])) };
}

describe('bucketQuantile', () => {
  it('interpolates inside the bucket the rank falls in, like histogram_quantile', () => {
    // 10 in (0, 1 ms], 10 in (1, 2 ms]: the median is the top of the first bucket, p75 half way up the second.
    expect(bucketQuantile(0.5, [0.001, 0.002, Infinity], [10, 20, 20])).toBeCloseTo(0.001);
    expect(bucketQuantile(0.75, [0.001, 0.002, Infinity], [10, 20, 20])).toBeCloseTo(0.0015);
    expect(bucketQuantile(0.99, [0.001, 0.002, Infinity], [0, 0, 5])).toBe(0.002);
    expect(bucketQuantile(0.5, [0.001, Infinity], [0, 0])).toBeNull();
  });

  it('is monotone in q and stays within the finite bounds (property)', () => {
    fc.assert(fc.property(fc.array(fc.nat(1000), { minLength: 5, maxLength: 5 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (counts, a, b) => {
      const bounds = [...BOUNDS, Infinity];
      const cumulative = counts.map((_c, i) => counts.slice(0, i + 1).reduce((x, y) => x + y, 0));
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      const qLo = bucketQuantile(lo, bounds, cumulative);
      const qHi = bucketQuantile(hi, bounds, cumulative);
      if (cumulative[4] === 0) return qLo === null && qHi === null;
      return qLo !== null && qHi !== null && qLo <= qHi + 1e-12 && qHi <= BOUNDS[3] && qLo >= 0;
    }));
  });
});

describe('buildFrame', () => {
  const counter = (value: number, labels: Record<string, string> = {}): FamilyReading => ({ name: 'ringline_x_total', type: 'counter', values: [{ value, labels }] });

  it('gives counters a rate per second against the previous reading, none on the first', () => {
    const first = buildFrame(reading(1000, counter(10)), null, null);
    expect((first.families.ringline_x_total.series[0] as ScalarSeries).rate).toBeNull();
    const second = buildFrame(reading(1500, counter(60)), reading(1000, counter(10)), reading(1000, counter(10)));
    expect(second.families.ringline_x_total.series[0]).toEqual({ labels: {}, value: 60, rate: 100 });
    expect(second.rateWindowSeconds).toBe(0.5);
  });

  it('treats a series that appears between readings as starting from zero', () => {
    const before = reading(0, { name: 'ringline_x_total', type: 'counter', values: [{ value: 5, labels: { code: '0' } }] });
    const now = reading(1000, { name: 'ringline_x_total', type: 'counter', values: [{ value: 9, labels: { code: '0' } }, { value: 3, labels: { code: '402' } }] });
    const series = buildFrame(now, before, before).families.ringline_x_total.series as ScalarSeries[];
    expect(series.map((s) => s.rate)).toEqual([4, 3]);
  });

  it('takes histogram percentiles from the window only, per label set, for any histogram family', () => {
    const old = reading(0, histogram('ringline_stage_latency_seconds', [100, 0, 0, 0, 0], 0.05, { stage: 'journal' }));
    // 100 old observations at <= 1 ms; in the window 10 new ones in (4, 8 ms].
    const now = reading(1000, histogram('ringline_stage_latency_seconds', [100, 0, 0, 10, 0], 0.11, { stage: 'journal' }));
    const frame = buildFrame(now, old, old);
    const series = frame.families.ringline_stage_latency_seconds.series[0] as HistogramSeries;
    expect(frame.families.ringline_stage_latency_seconds.type).toBe('histogram');
    expect(series.labels).toEqual({ stage: 'journal' });
    expect(series.count).toBe(110);
    expect(series.rate).toBe(10);
    expect(series.p50).toBeGreaterThan(0.004);
    expect(series.p999).toBeLessThanOrEqual(0.008);
    expect(series.mean).toBeCloseTo(0.006);
  });

  it('reports no percentile for a window without observations', () => {
    const same = reading(0, histogram('ringline_h_seconds', [3, 0, 0, 0, 0], 0.001));
    const series = buildFrame(reading(1000, histogram('ringline_h_seconds', [3, 0, 0, 0, 0], 0.001)), same, same).families.ringline_h_seconds.series[0] as HistogramSeries;
    expect(series).toMatchObject({ rate: 0, p50: null, p99: null, mean: null });
  });
});
