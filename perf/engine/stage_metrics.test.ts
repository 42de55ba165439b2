import { describe, expect, it } from 'vitest';
import { FDATASYNC_STAGE, bucketQuantileUs, parseStageMetrics, stageFigures } from './stage_metrics.ts';

/** A stage histogram in exposition text: bounds 1, 2, 4, 8 µs and +Inf, with these per-bucket counts. */
function exposition(stage: string, counts: readonly number[], sumS: number): string {
  const bounds = ['1e-6', '0.000002', '0.000004', '0.000008', '+Inf'];
  let cumulative = 0;
  const lines = bounds.map((le, i) => {
    cumulative += counts[i];
    return `ringline_stage_latency_seconds_bucket{stage="${stage}",le="${le}"} ${cumulative}`;
  });
  lines.push(`ringline_stage_latency_seconds_sum{stage="${stage}"} ${sumS}`, `ringline_stage_latency_seconds_count{stage="${stage}"} ${cumulative}`);
  return lines.join('\n');
}

describe('stage metrics of a bench run', () => {
  it('reads each stage of /metrics and reports what happened between two scrapes', () => {
    const before = parseStageMetrics(`# HELP x y\n${exposition('apply', [0, 5, 0, 0, 0], 5 * 1.5e-6)}\n${exposition('journal', [0, 0, 0, 1, 0], 6e-6)}\nother_metric 1`);
    const after = parseStageMetrics(`${exposition('apply', [0, 5, 100, 0, 0], 5 * 1.5e-6 + 100 * 3e-6)}\n${exposition('journal', [0, 0, 0, 1, 0], 6e-6)}`);
    const figures = stageFigures(before, after);
    expect(Object.keys(figures)).toEqual(['apply']); // nothing new in journal
    expect(figures.apply.samples).toBe(100);
    expect(figures.apply.p50_us).toBeGreaterThan(2);
    expect(figures.apply.p50_us).toBeLessThanOrEqual(4);
    expect(figures.apply.mean_us).toBeCloseTo(3, 5);
  });

  it('reports the journaler\'s fdatasync time per group commit beside the stages', () => {
    const fsync = (counts: readonly number[], sumS: number): string => {
      const bounds = ['0.000128', '0.000256', '0.000512', '+Inf'];
      let cumulative = 0;
      const lines = bounds.map((le, i) => `ringline_journal_fsync_seconds_bucket{le="${le}"} ${(cumulative += counts[i])}`);
      return [...lines, `ringline_journal_fsync_seconds_sum ${sumS}`, `ringline_journal_fsync_seconds_count ${cumulative}`].join('\n');
    };
    const before = parseStageMetrics(fsync([1, 0, 0, 0], 1e-4));
    const after = parseStageMetrics(`${fsync([1, 90, 9, 1], 1e-4 + 90 * 2e-4 + 9 * 4e-4 + 1e-3)}\n${exposition('apply', [0, 1, 0, 0, 0], 1.5e-6)}`);
    const figures = stageFigures(before, after);
    expect(Object.keys(figures).sort()).toEqual(['apply', FDATASYNC_STAGE]);
    expect(figures[FDATASYNC_STAGE].samples).toBe(100);
    expect(figures[FDATASYNC_STAGE].p50_us).toBeGreaterThan(128);
    expect(figures[FDATASYNC_STAGE].p50_us).toBeLessThanOrEqual(256);
    expect(figures[FDATASYNC_STAGE].p99_us).toBeGreaterThan(256);
    expect(figures[FDATASYNC_STAGE].mean_us).toBeCloseTo(226, 0);
  });

  it('reads a quantile inside the bucket that holds its rank', () => {
    const bounds = [1e-6, 2e-6, 4e-6, Infinity];
    expect(bucketQuantileUs(bounds, [0, 0, 0, 0], 0.5)).toBe(0);
    expect(bucketQuantileUs(bounds, [10, 0, 0, 0], 0.5)).toBeLessThanOrEqual(1);
    const p99 = bucketQuantileUs(bounds, [90, 0, 10, 0], 0.99);
    expect(p99).toBeGreaterThan(2);
    expect(p99).toBeLessThanOrEqual(4);
    expect(bucketQuantileUs(bounds, [0, 0, 0, 3], 0.5)).toBeGreaterThan(4);
  });
});
