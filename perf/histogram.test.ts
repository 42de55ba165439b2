import { describe, it, expect } from 'vitest';
import { Worker } from 'node:worker_threads';
import { createLatencyHistogram, mergeEncodedHistograms, histogramUsesWebAssembly, LatencyHistogram } from './histogram.ts';

describe('LatencyHistogram', () => {
  it('reports percentiles in microseconds within 0.1% of the recorded nanoseconds', () => {
    const h = createLatencyHistogram();
    for (let i = 1; i <= 10_000; i++) h.recordNs(i * 1000); // 1 µs .. 10 ms
    const p = h.percentilesUs();
    expect(p).not.toBeNull();
    expect(p!.p50).toBeCloseTo(5000, -1);
    expect(Math.abs(p!.p99 - 9900) / 9900).toBeLessThan(0.001);
    expect(Math.abs(p!.max - 10_000) / 10_000).toBeLessThan(0.001);
    expect(p!.p50).toBeLessThanOrEqual(p!.p90);
    expect(p!.p999).toBeLessThanOrEqual(p!.p9999);
    expect(p!.p9999).toBeLessThanOrEqual(p!.max);
    h.destroy();
  });

  it('returns null percentiles when empty', () => {
    const h = createLatencyHistogram();
    expect(h.percentilesUs()).toBeNull();
    expect(h.percentileCurve()).toEqual([]);
    h.destroy();
  });

  it('clamps values outside its fixed range instead of resizing or throwing, and counts them', () => {
    const h = createLatencyHistogram(1_000_000);
    h.recordNs(5_000_000);
    h.recordNs(-3);
    h.recordNs(500);
    expect(h.count).toBe(3);
    expect(h.clampedCount).toBe(2);
    expect(h.maxNs).toBeGreaterThanOrEqual(999_000);
    expect(h.maxNs).toBeLessThanOrEqual(1_001_000);
    h.destroy();
  });

  it('merges encoded histograms so the total equals recording everything in one', () => {
    const a = createLatencyHistogram();
    const b = createLatencyHistogram();
    const all = createLatencyHistogram();
    for (let i = 0; i < 5000; i++) {
      const v = 1000 + ((i * 7919) % 100_000);
      (i % 3 === 0 ? a : b).recordNs(v);
      all.recordNs(v);
    }
    const merged = mergeEncodedHistograms([a.encode(), b.encode()]);
    expect(merged.count).toBe(5000);
    const m = merged.percentilesUs()!;
    const o = all.percentilesUs()!;
    // Bucket contents add exactly; the exact max is lost in the encoding (it becomes its bucket's top).
    expect([m.p50, m.p90, m.p99, m.p999]).toEqual([o.p50, o.p90, o.p99, o.p999]);
    expect(Math.abs(m.max - o.max) / o.max).toBeLessThan(0.001);
    for (const h of [a, b, all, merged]) h.destroy();
  });

  it('gives a monotone percentile curve from the median to 100 ending at the max', () => {
    const h = createLatencyHistogram();
    for (let i = 1; i <= 100_000; i++) h.recordNs(i * 10);
    const curve = h.percentileCurve();
    expect(curve[0].percentile).toBeCloseTo(50, 5);
    expect(curve[curve.length - 1]).toEqual({ percentile: 100, valueUs: h.percentilesUs()!.max });
    for (let i = 1; i < curve.length; i++) {
      expect(curve[i].percentile).toBeGreaterThan(curve[i - 1].percentile);
      expect(curve[i].valueUs).toBeGreaterThanOrEqual(curve[i - 1].valueUs);
    }
    expect(curve.some((p) => p.percentile > 99.99)).toBe(true);
    h.destroy();
  });

  it('rejects a range too small to be useful', () => {
    expect(() => new LatencyHistogram(10)).toThrow(/highestNs must be/);
  });

  it('uses the WebAssembly build on this machine', () => {
    expect(histogramUsesWebAssembly()).toBe(true);
  });

  it('merges a histogram recorded in another worker thread', async () => {
    const source = `
      const { parentPort } = require('node:worker_threads');
      const hdr = require(${JSON.stringify(require_resolve_hdr())});
      const h = hdr.build({ autoResize: false, lowestDiscernibleValue: 1, highestTrackableValue: 60e9 });
      for (let i = 1; i <= 1000; i++) h.recordValue(i * 1000);
      parentPort.postMessage(hdr.encodeIntoCompressedBase64(h));
    `;
    const encoded = await new Promise<string>((resolve, reject) => {
      const w = new Worker(source, { eval: true });
      w.once('message', (m: string) => resolve(m));
      w.once('error', reject);
    });
    const total = createLatencyHistogram();
    total.recordNs(2_000_000);
    total.addEncoded(encoded);
    expect(total.count).toBe(1001);
    expect(total.percentilesUs()!.max).toBeCloseTo(2000, -1);
    total.destroy();
  });
});

function require_resolve_hdr(): string {
  return new URL('../node_modules/hdr-histogram-js/dist/index.js', import.meta.url).pathname;
}
