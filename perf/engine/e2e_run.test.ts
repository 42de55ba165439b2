import { describe, it, expect } from 'vitest';
import { runE2eCases, type E2eCase } from './e2e_run.ts';
import { ringlineThroughput } from './ringline_figures.ts';
import { takeCurves } from '../report/curve_store.ts';

// A smoke run of the e2e harness against the real engine (`ringline start` in a child process): tiny
// sizes, no figures asserted — only that the pipeline from engine start to a ResultRow works.
describe('runE2eCases against the real engine', () => {
  it('starts the engine, sets up the flash sale, drives closed and open loops and reports rows', async () => {
    const cases: E2eCase[] = [
      { name: 'max-throughput', mix: 'stock-buy', durability: 'fsync', mode: 'closed', ratePerS: 0 },
      { name: 'rate-2k', mix: 'transfer', durability: 'fsync', mode: 'open', ratePerS: 2000 },
    ];
    const lines: string[] = [];
    const rows = await runE2eCases('e2e-tcp', 'tcp', cases, { mode: 'quick', runs: 1, log: (l) => lines.push(l) },
      (c) => ({ warmupMs: 100, durationMs: 400, connections: 2, workers: 1, pipelineMax: c.mode === 'closed' ? 64 : 1024, writeBatch: c.mode === 'closed' ? 16 : 1 }));
    expect(rows.map((r) => r.case)).toEqual(['max-throughput', 'rate-2k']);
    for (const row of rows) {
      expect(row.scenario).toBe('e2e-tcp');
      expect(row.errors).toBe(0);
      expect(row.throughput_per_s).toBeGreaterThan(0);
      expect(row.latency_us).not.toBeNull();
      expect(row.gc_events?.['loadgen-0']).toBeGreaterThanOrEqual(0);
      expect(Object.keys(row.gc_events ?? {}).some((k) => k.startsWith('engine:'))).toBe(true);
      expect(row.conditions.durability).toBe('fsync');
    }
    expect(rows[1].conditions.latency_from).toBe('intended send time');
    expect(ringlineThroughput('tcp', 'stock-buy', 'fsync')).toBeGreaterThan(0);
    expect(takeCurves().map((c) => c.case)).toEqual(['max-throughput', 'rate-2k']);
    expect(lines.filter((l) => l.startsWith('engine pid'))).toHaveLength(1); // one engine for both fsync cases
  });
});
