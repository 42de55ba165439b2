import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { main, runScenarios } from './bench.ts';
import { parseBenchArgs } from './bench_args.ts';

describe('runScenarios', () => {
  it('collects rows, reports missing and unavailable scenarios, and goes on after a failure', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ringline-bench-'));
    const unavailable = pathToFileURL(path.resolve('perf/scenario_unavailable.ts')).href;
    const curves = pathToFileURL(path.resolve('perf/report/curve_store.ts')).href;
    writeFileSync(path.join(dir, 'ring.ts'), `import { publishCurve } from ${JSON.stringify(curves)};
      export async function run(o) { publishCurve('ring', 'hop', [{ percentile: 50, valueUs: 1 }]);
        return [{ scenario: 'ring', case: 'hop', conditions: { runs: o.runs, mode: o.mode }, throughput_per_s: 1, latency_us: null, gc_events: null, errors: 0 }]; }`);
    writeFileSync(path.join(dir, 'codec.ts'), 'export async function run() { throw new Error("boom"); }');
    writeFileSync(path.join(dir, 'logic.ts'), `import { ScenarioUnavailableError } from ${JSON.stringify(unavailable)};
      export async function run() { throw new ScenarioUnavailableError('needs a part'); }`);
    const lines: string[] = [];
    const outcome = await runScenarios(parseBenchArgs(['ring', 'codec', 'logic', 'journal', '--full']), (l) => lines.push(l), new URL(`${pathToFileURL(dir).href}/`));
    expect(outcome.results).toEqual([{ scenario: 'ring', case: 'hop', conditions: { runs: 3, mode: 'full' }, throughput_per_s: 1, latency_us: null, gc_events: null, errors: 0 }]);
    expect(outcome.curves.map((c) => c.case)).toEqual(['hop']);
    expect(outcome.failed).toEqual(['codec']);
    expect(outcome.unavailable).toEqual(['logic', 'journal']);
    expect(lines.some((l) => l.startsWith('codec: FAILED') && l.includes('boom'))).toBe(true);
    expect(lines).toContain('logic: not available — needs a part');
    expect(lines).toContain('journal: not available — perf/scenarios/journal.ts does not exist yet');
  });
});

describe('main', () => {
  it('exits 2 on a bad command line and 0 for --help', async () => {
    expect(await main(['--runs', 'x'])).toBe(2);
    expect(await main(['--help'])).toBe(0);
  });
});
