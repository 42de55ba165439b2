/**
 * Command line of `npm run bench -- <scenario…> [--quick|--full] [--json out.json] [--runs N] [--profile]
 * [--out dir] [--minutes N] [--rate N]`. Parsing is pure (no I/O) so every option and message is tested; errors name the option
 * and what it accepts.
 */
import { SCENARIO_NAMES, DEFAULT_SUITE } from './scenario_registry.ts';

export interface BenchArgs {
  readonly scenarios: readonly string[];
  readonly mode: 'quick' | 'full';
  /** Runs per case; null means the mode's default (quick 1, full 3). */
  readonly runs: number | null;
  readonly jsonPath: string | null;
  readonly profile: boolean;
  /** Where reports, plots and profiles go (git-ignored). */
  readonly outDir: string;
  /** soak: minutes of load (--minutes; else 1 with an explicit --quick, 10 otherwise). */
  readonly soakMinutes: number;
  /** soak: commands per second (--rate); null: half the maximum the soak measures first. */
  readonly soakRatePerS: number | null;
  readonly help: boolean;
}

export const RUNS_MAX = 50;
export const SOAK_MINUTES_MAX = 1440;
export const SOAK_MINUTES_DEFAULT = 10;
export const SOAK_MINUTES_QUICK = 1;
export const SOAK_RATE_MAX = 10_000_000;
export const OUT_DIR_DEFAULT = 'perf/out';

export const BENCH_USAGE = `usage: npm run bench -- [scenario...] [--quick|--full] [--runs N] [--json out.json] [--profile] [--out dir] [--minutes N] [--rate N]
  scenarios: ${SCENARIO_NAMES.join(', ')} (none: the quick suite ${DEFAULT_SUITE.join(', ')})
  --quick      small sizes, 1 run per case (default; the whole suite in under 3 minutes)
  --full       the sizes quoted in the README, 3 runs per case
  --runs N     runs per case (1..${RUNS_MAX}); every figure is the median over the runs
  --json FILE  write {"machine": {...}, "results": [row...]} (perf/result_row.ts) to FILE
  --profile    record a CPU profile of the engine process during e2e scenarios into the out dir
  --out DIR    where reports, plots and profiles go (default ${OUT_DIR_DEFAULT})
  --minutes N  soak: minutes of load (default ${SOAK_MINUTES_DEFAULT}; ${SOAK_MINUTES_QUICK} with an explicit --quick)
  --rate N     soak: commands per second (default: half the maximum throughput it measures first)`;

/** Thrown for a bad command line; the message names the option and the accepted values. */
export class BenchArgsError extends Error {}

/** `text` as an integer from 1 to `max`, else an error naming the flag, the range and `unit`. */
function countArg(flag: string, text: string, max: number, unit = ''): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > max) {
    throw new BenchArgsError(`${flag} must be an integer from 1 to ${max}${unit}, got "${text}"`);
  }
  return n;
}

export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const scenarios: string[] = [];
  let mode: 'quick' | 'full' | null = null;
  let runs: number | null = null;
  let jsonPath: string | null = null;
  let profile = false;
  let outDir = OUT_DIR_DEFAULT;
  let soakMinutes: number | null = null;
  let soakRatePerS: number | null = null;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      if (inline !== undefined) return inline;
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new BenchArgsError(`${flag} needs a value`);
      i++;
      return next;
    };
    switch (flag) {
      case '--quick':
      case '--full': {
        const m = flag === '--quick' ? 'quick' : 'full';
        if (mode !== null && mode !== m) throw new BenchArgsError('--quick and --full exclude each other');
        mode = m;
        break;
      }
      case '--runs':
        runs = countArg(flag, value(), RUNS_MAX);
        break;
      case '--json': {
        jsonPath = value();
        if (jsonPath === '') throw new BenchArgsError('--json needs a file name');
        break;
      }
      case '--out': {
        outDir = value();
        if (outDir === '') throw new BenchArgsError('--out needs a directory');
        break;
      }
      case '--profile':
        profile = true;
        break;
      case '--minutes': {
        const text = value();
        const n = Number(text);
        if (!/^\d+(\.\d+)?$/.test(text) || n <= 0 || n > SOAK_MINUTES_MAX) {
          throw new BenchArgsError(`--minutes must be a number above 0 and at most ${SOAK_MINUTES_MAX}, got "${text}"`);
        }
        soakMinutes = n;
        break;
      }
      case '--rate':
        soakRatePerS = countArg(flag, value(), SOAK_RATE_MAX, ' (commands per second)');
        break;
      case '--help':
      case '-h':
        help = true;
        break;
      default: {
        if (arg.startsWith('-')) throw new BenchArgsError(`unknown option ${arg}\n${BENCH_USAGE}`);
        if (!SCENARIO_NAMES.includes(arg)) {
          throw new BenchArgsError(`unknown scenario "${arg}"; scenarios are: ${SCENARIO_NAMES.join(', ')}`);
        }
        if (!scenarios.includes(arg)) scenarios.push(arg);
      }
    }
  }
  return {
    scenarios: scenarios.length > 0 ? scenarios : DEFAULT_SUITE,
    mode: mode ?? 'quick',
    runs,
    jsonPath,
    profile,
    outDir,
    soakMinutes: soakMinutes ?? (mode === 'quick' ? SOAK_MINUTES_QUICK : SOAK_MINUTES_DEFAULT),
    soakRatePerS,
    help,
  };
}

/** Runs per case actually used: --runs, else 1 in quick mode and 3 in full mode. */
export function effectiveRuns(args: BenchArgs): number {
  return args.runs ?? (args.mode === 'full' ? 3 : 1);
}
