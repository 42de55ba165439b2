/**
 * idle: what an engine with nothing to do costs — `ringline start` in a child process, no client.
 *
 *   engine child (gateway + logic + journaler threads), no traffic ──► /proc/PID/stat, /proc/PID/status
 *
 * Case `idle-30s`: after a settle period, the child's CPU time (all threads, user + system) over a
 * 30 s window (both modes), as a percentage of one core, and its resident set at the end.
 * fsync durability, default engine options. Check: the engine must still be up at the end.
 */
import { readProcessUsage } from '../engine/process_usage.ts';
import { startEngineProcess } from '../engine/engine_process.ts';
import { benchContext } from '../bench_context.ts';
import { median } from '../median.ts';
import type { ResultRow, ScenarioOptions, ScenarioRun } from '../result_row.ts';

const SETTLE_MS = 3000;
const WINDOW_MS = 30_000;

interface IdleSample {
  readonly cpuPercent: number;
  readonly rssMiB: number;
}

async function measureOnce(windowMs: number, log: (line: string) => void): Promise<IdleSample> {
  const engine = await startEngineProcess({ durability: 'fsync', profileDir: benchContext().profileDir, log });
  try {
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const before = readProcessUsage(engine.pid);
    const startedMs = Date.now();
    await new Promise((r) => setTimeout(r, windowMs));
    const after = readProcessUsage(engine.pid);
    const elapsedS = (Date.now() - startedMs) / 1000;
    return { cpuPercent: (100 * (after.cpuSeconds - before.cpuSeconds)) / elapsedS, rssMiB: after.rssBytes / 1048576 };
  } finally {
    await engine.stop();
  }
}

export const run: ScenarioRun = async (options: ScenarioOptions): Promise<ResultRow[]> => {
  const samples: IdleSample[] = [];
  for (let r = 0; r < options.runs; r++) {
    const sample = await measureOnce(WINDOW_MS, options.log);
    options.log(`run ${r + 1}: ${sample.cpuPercent.toFixed(2)}% of a core, RSS ${sample.rssMiB.toFixed(0)} MiB`);
    samples.push(sample);
  }
  return [{
    scenario: 'idle',
    case: 'idle-30s',
    conditions: {
      window_s: WINDOW_MS / 1000, settle_s: SETTLE_MS / 1000, durability: 'fsync', runs: options.runs,
      cpu_percent_of_core: Number(median(samples.map((s) => s.cpuPercent)).toFixed(3)),
      rss_mib: Number(median(samples.map((s) => s.rssMiB)).toFixed(1)),
      note: 'no client connected; CPU time of all engine threads (user + system) from /proc',
    },
    throughput_per_s: null, latency_us: null, gc_events: null, errors: 0,
  }];
};
