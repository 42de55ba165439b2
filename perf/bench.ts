/**
 * `npm run bench -- <scenario…> [--quick|--full] [--runs N] [--json out.json] [--profile] [--out dir]`
 *
 * The one entry point of the benches: prints the machine, warns where the machine has fewer cores than
 * a topology wants, runs each scenario module (a missing one prints "not available" and the suite goes
 * on), prints the summary table, and writes a markdown report and an HTML page with the latency
 * percentile plot to perf/out/ (and the JSON rows to --json). Exit code: 0, 1 when a scenario failed,
 * 2 for a bad command line.
 */
import { spawn } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BENCH_USAGE, BenchArgsError, effectiveRuns, parseBenchArgs, type BenchArgs } from './bench_args.ts';
import { setBenchContext } from './bench_context.ts';
import { busyWarning, coreWarnings, describeMachine, machineInfo, type MachineInfo } from './machine_info.ts';
import { renderMarkdownTable } from './report/markdown_table.ts';
import { curveFromRow, renderHtmlReport } from './report/percentile_plot.ts';
import { takeCurves, type LatencyCurve } from './report/curve_store.ts';
import type { ResultRow } from './result_row.ts';
import { loadScenario, scenarioEntry } from './scenario_registry.ts';
import { ScenarioUnavailableError } from './scenario_unavailable.ts';

export interface BenchOutcome {
  readonly machine: MachineInfo;
  readonly results: ResultRow[];
  readonly curves: LatencyCurve[];
  readonly failed: string[];
  readonly unavailable: string[];
}

/** Runs the scenarios named in `args` in order and collects their rows. */
export async function runScenarios(args: BenchArgs, log: (line: string) => void, scenariosDir?: URL): Promise<BenchOutcome> {
  const machine = machineInfo();
  const results: ResultRow[] = [];
  const curves: LatencyCurve[] = [];
  const failed: string[] = [];
  const unavailable: string[] = [];
  const runs = effectiveRuns(args);
  for (const name of args.scenarios) {
    const loaded = await loadScenario(name, scenariosDir);
    if (!loaded.available) {
      log(`${name}: not available — ${loaded.reason}`);
      unavailable.push(name);
      continue;
    }
    const startedMs = Date.now();
    log(`${name}: running (${args.mode}, ${runs} run${runs > 1 ? 's' : ''} per case) — ${scenarioEntry(name).description}`);
    try {
      const rows = await loaded.run({ mode: args.mode, runs, log: (line) => log(`  ${name}: ${line}`) });
      results.push(...rows);
      const published = takeCurves();
      curves.push(...published);
      for (const row of rows) {
        if (published.some((c) => c.scenario === row.scenario && c.case === row.case)) continue;
        const coarse = curveFromRow(row);
        if (coarse !== null) curves.push(coarse);
      }
      log(`${name}: ${rows.length} row${rows.length === 1 ? '' : 's'} in ${((Date.now() - startedMs) / 1000).toFixed(1)} s`);
    } catch (err) {
      if (err instanceof ScenarioUnavailableError) {
        log(`${name}: not available — ${err.message}`);
        unavailable.push(name);
        curves.push(...takeCurves());
        continue;
      }
      failed.push(name);
      log(`${name}: FAILED after ${((Date.now() - startedMs) / 1000).toFixed(1)} s — ${(err as Error).stack ?? String(err)}`);
    }
    curves.push(...takeCurves());
  }
  return { machine, results, curves, failed, unavailable };
}

export async function main(argv: readonly string[]): Promise<number> {
  let args: BenchArgs;
  try {
    args = parseBenchArgs(argv);
  } catch (err) {
    if (err instanceof BenchArgsError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (args.help) {
    process.stdout.write(`${BENCH_USAGE}\n`);
    return 0;
  }
  const stamp = process.env[STAMP_ENV] ?? new Date().toISOString().replace(/[:.]/g, '-');
  await mkdir(args.outDir, { recursive: true });
  const profileDir = args.profile ? path.join(args.outDir, `profile-${stamp}`) : null;
  if (profileDir !== null && process.env[PROFILED_ENV] !== '1') return rerunProfiled(argv, profileDir, stamp);
  setBenchContext({ outDir: args.outDir, profileDir, stamp, soakMinutes: args.soakMinutes, soakRatePerS: args.soakRatePerS });
  const log = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  const machine = machineInfo();
  const machineLine = describeMachine(machine);
  log(`machine: ${machineLine}`);
  const warnings = coreWarnings(machine.cores, args.scenarios.map(scenarioEntry));
  const busy = busyWarning(machine.load_average_1m, machine.cores);
  if (busy !== null) warnings.push(busy);
  for (const w of warnings) log(w);

  const outcome = await runScenarios(args, log);
  const table = renderMarkdownTable(outcome.results);
  process.stdout.write(`\n${table}\n\n`);

  const command = `npm run bench -- ${argv.join(' ')}`.trim();
  const base = path.join(args.outDir, `bench-${stamp}`);
  const markdown = [`# ${command}`, '', machineLine, '', ...warnings.map((w) => `> ${w}`), '', table, '',
    ...outcome.unavailable.map((s) => `- ${s}: not available`), ...outcome.failed.map((s) => `- ${s}: FAILED (see the log)`), ''].join('\n');
  await writeFile(`${base}.md`, markdown);
  await writeFile(`${base}.html`, renderHtmlReport({ machineLine, warnings, rows: outcome.results, curves: outcome.curves, command }));
  log(`report: ${base}.md, plot: ${base}.html`);
  if (args.jsonPath !== null) {
    await writeFile(args.jsonPath, `${JSON.stringify({ machine: outcome.machine, results: outcome.results }, null, 2)}\n`);
    log(`json: ${args.jsonPath}`);
  }
  return outcome.failed.length > 0 ? 1 : 0;
}

const PROFILED_ENV = 'RINGLINE_BENCH_PROFILED';
const STAMP_ENV = 'RINGLINE_BENCH_STAMP';

/**
 * --profile: runs the same command again under `node --cpu-prof`, so every thread of the harness
 * (in-process scenarios, their workers, the load generators) writes a .cpuprofile into
 * <profileDir>/harness; e2e scenarios also profile the engine child into <profileDir>/profile-…-e2e-….
 */
async function rerunProfiled(argv: readonly string[], profileDir: string, stamp: string): Promise<number> {
  const harnessDir = path.join(profileDir, 'harness');
  await mkdir(harnessDir, { recursive: true });
  const child = spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${harnessDir}`, '--import', 'tsx', fileURLToPath(import.meta.url), ...argv], {
    stdio: 'inherit',
    env: { ...process.env, [PROFILED_ENV]: '1', [STAMP_ENV]: stamp },
  });
  const code = await new Promise<number>((resolve) => child.once('exit', (c, signal) => resolve(c ?? (signal === null ? 1 : 128))));
  const profiles = await listProfiles(profileDir);
  process.stderr.write(`cpu profiles (open in Chrome DevTools › Performance or VS Code):\n${profiles.map((p) => `  ${p}`).join('\n')}\n`);
  return code;
}

async function listProfiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries.filter((e) => e.endsWith('.cpuprofile')).map((e) => path.join(dir, e)).sort();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2));
}
