import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadScenario, SCENARIO_NAMES } from './scenario_registry.ts';
import { busyWarning, coreWarnings, machineInfo } from './machine_info.ts';

describe('loadScenario', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ringline-scen-'));
  const dirUrl = new URL(`${pathToFileURL(dir).href}/`);

  it('reports a scenario whose module does not exist as not available, without throwing', async () => {
    const s = await loadScenario('ring', dirUrl);
    expect(s).toEqual({ available: false, reason: 'perf/scenarios/ring.ts does not exist yet' });
  });

  it('reports a module that fails to load or lacks run() with the reason', async () => {
    writeFileSync(path.join(dir, 'codec.ts'), "import './missing_dependency.ts';\nexport const run = 1;\n");
    const broken = await loadScenario('codec', dirUrl);
    expect(broken.available).toBe(false);
    expect(!broken.available && broken.reason).toMatch(/codec\.ts failed to load: .*missing_dependency/);
    writeFileSync(path.join(dir, 'logic.ts'), 'export const run = 1;\n');
    expect(await loadScenario('logic', dirUrl)).toEqual({ available: false, reason: 'perf/scenarios/logic.ts does not export run()' });
  });

  it('loads a module that exports run and runs it', async () => {
    writeFileSync(path.join(dir, 'journal.ts'), "export async function run() { return [{ scenario: 'journal', case: 'none' }]; }\n");
    const s = await loadScenario('journal', dirUrl);
    expect(s.available).toBe(true);
    if (s.available) expect(await s.run({ mode: 'quick', runs: 1, log: () => {} })).toEqual([{ scenario: 'journal', case: 'none' }]);
  });

  it('knows every scenario the issue names', () => {
    expect(SCENARIO_NAMES).toEqual(['ring', 'codec', 'logic', 'journal', 'replay', 'e2e-tcp', 'e2e-ws', 'e2e-http', 'peers', 'replication', 'cluster', 'snapshot', 'soak', 'hostile', 'client', 'console', 'projector', 'idle', 'events']);
  });
});

describe('machine info', () => {
  it('describes this machine', () => {
    const m = machineInfo(new Date(0));
    expect(m.node).toBe(process.version);
    expect(m.cores).toBeGreaterThanOrEqual(1);
    expect(m.memory_bytes).toBeGreaterThan(0);
    expect(m.started_at).toBe('1970-01-01T00:00:00.000Z');
    expect(m.load_average_1m).toBeGreaterThanOrEqual(0);
  });

  it('warns when the machine is busy before the bench starts', () => {
    expect(busyWarning(0.4, 2)).toBeNull();
    expect(busyWarning(11.4, 2)).toMatch(/machine is busy \(load average 11.4 on 2 cores\)/);
  });

  it('warns only for scenarios wanting more cores than there are', () => {
    const w = coreWarnings(2, [{ name: 'ring', coresWanted: 4 }, { name: 'logic', coresWanted: 1 }]);
    expect(w).toEqual(['warning: ring wants 4 cores, this machine has 2: its threads share cores and its figures understate the design']);
  });
});
