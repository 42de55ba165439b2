/**
 * StageLatency turns a sampled command's stamps into six stage latencies; worker threads write their
 * columns through StageStamper. Times here are written by hand (stampWith), so each stage's bucket is
 * known exactly.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { StageStamper } from '../core/stage_stamper.ts';
import { SAMPLE_EVERY, STAMP_SEQUENCE_SPAN, StampColumn } from '../core/stage_stamps_descriptor.ts';
import { sampleAllocatedBytes } from '../core/test_support/heap_sampling.ts';
import { STAGE_BUCKETS, Stage, StageLatency, stageBucket, stageBucketUpperUs } from './stage_latency.ts';

const bucketOf = (latency: StageLatency, stage: Stage): number[] => {
  const out: number[] = [];
  for (let b = 0; b < STAGE_BUCKETS; b++) if (latency.counts[stage * STAGE_BUCKETS + b] > 0) out.push(b);
  return out;
};

describe('stage latency', () => {
  it('turns the stamps of a sampled command into its stages', () => {
    const latency = new StageLatency(1024);
    const s = 5 * SAMPLE_EVERY;
    const t0 = 1000; // ms, main-thread clock
    const stamp = (column: StampColumn, ms: number): void => new StageStamper(latency.memory, column).stampWith(s, s, ms);
    latency.claimed(s);
    stamp(StampColumn.RECEIVED_MS, t0);
    latency.published(s - 3, s + 3, t0 + 0.010); // publish 10 µs after receive
    stamp(StampColumn.APPLIED_MS, t0 + 0.030); // apply 20 µs
    stamp(StampColumn.JOURNALED_MS, t0 + 0.410); // journal 400 µs
    latency.released(s - 3, 7, t0 + 0.500); // reply 90 µs after the journal, total 500 µs
    expect(bucketOf(latency, Stage.PUBLISH)).toEqual([stageBucket(10)]);
    expect(bucketOf(latency, Stage.APPLY)).toEqual([stageBucket(20)]);
    expect(bucketOf(latency, Stage.JOURNAL)).toEqual([stageBucket(400)]);
    expect(bucketOf(latency, Stage.REPLY)).toEqual([stageBucket(90)]);
    expect(bucketOf(latency, Stage.TOTAL)).toEqual([stageBucket(500)]);
    expect(latency.samples(Stage.REPLICATE)).toBe(0);
    expect(latency.sumsUs[Stage.TOTAL]).toBeCloseTo(500, 6);
    expect(latency.sumsUs[Stage.JOURNAL]).toBeCloseTo(400, 6);
  });

  it('counts only sampled sequences, only once claimed here, and leaves out publish and total without a receive time', () => {
    const latency = new StageLatency(1024);
    const s = 7 * SAMPLE_EVERY;
    latency.claimed(s - 1); // not sampled: no row
    latency.published(s - 1, s - 1, 1);
    latency.released(s - 1, 1, 2);
    expect(latency.samples(Stage.REPLY)).toBe(0);
    latency.released(s, 1, 2); // sampled, but never claimed: its row belongs to nobody
    expect(latency.samples(Stage.REPLY)).toBe(0);
    latency.claimed(s); // no received() since the last publish: receive time unknown
    latency.published(s, s, 1);
    latency.released(s, 1, 1.5);
    expect(latency.samples(Stage.REPLY)).toBe(1);
    expect(latency.samples(Stage.PUBLISH)).toBe(0);
    expect(latency.samples(Stage.TOTAL)).toBe(0);
    // A row reused by a later sequence (same row, other owner) is not read for the earlier one.
    const rows = (new Float64Array(latency.memory)[1]);
    latency.claimed(s + rows * SAMPLE_EVERY);
    latency.released(s, 1, 3);
    expect(latency.samples(Stage.REPLY)).toBe(1);
  });

  it('puts every latency in the bucket whose bounds hold it', () => {
    fc.assert(fc.property(fc.double({ min: 1, max: 2 ** 25, noNaN: true }), (us) => {
      const b = stageBucket(us);
      expect(us).toBeLessThan(stageBucketUpperUs(b) * (1 + 1e-12));
      if (b > 0) expect(us).toBeGreaterThanOrEqual(stageBucketUpperUs(b - 1) * (1 - 1e-12));
    }));
    expect(stageBucket(0.2)).toBe(0);
    expect(stageBucket(-5)).toBe(0);
    expect(stageBucket(Number.NaN)).toBe(0);
    expect(stageBucket(1e12)).toBe(STAGE_BUCKETS - 1);
  });

  it('stamps sequences beyond 2^32 (reduced as writers pass them) into the right rows, allocating nothing for a batch with no sampled sequence', async () => {
    const latency = new StageLatency(4096);
    const big = 2 ** 40 + 7 * SAMPLE_EVERY;
    const inSpan = (s: number): number => (s % STAMP_SEQUENCE_SPAN) | 0;
    const applied = new StageStamper(latency.memory, StampColumn.APPLIED_MS);
    latency.claimed(big);
    latency.claimed(big + SAMPLE_EVERY);
    latency.published(big, big + SAMPLE_EVERY, 10);
    applied.stamp(inSpan(big), SAMPLE_EVERY + 1);
    latency.released(big, SAMPLE_EVERY + 1, 10.004);
    expect(latency.samples(Stage.APPLY)).toBe(2); // both rows found by the full sequences the main thread uses
    const first = inSpan(big + 1);
    const warm = (): void => { for (let i = 0; i < 1e5; i++) applied.stamp(first, SAMPLE_EVERY - 1); };
    warm();
    const sampled = await sampleAllocatedBytes(warm, (url) => url.includes('stage_stamp'));
    // Per call nothing (one heap number per call would be 16 bytes per call); a one-off of the
    // optimizing compiler under load (seen: ~1.5 KB once) is not per command.
    expect(sampled.bytes / 1e5 < 0.25, sampled.sites.join('\n')).toBe(true);
  });
});
