/**
 * Invocation-wide settings the harness hands to scenarios beside ScenarioOptions (whose shape is a
 * shared contract): where output files go and whether to CPU-profile the engine.
 */
export interface BenchContext {
  /** Directory for reports, plots and profiles (created by the harness). */
  readonly outDir: string;
  /** When set, e2e scenarios start the engine with a CPU profiler writing here. */
  readonly profileDir: string | null;
  /** A file-name-safe stamp of this invocation, used to name its output files. */
  readonly stamp: string;
  /** soak: minutes of load. */
  readonly soakMinutes: number;
  /** soak: commands per second asked for (--rate), or null for half the measured maximum. */
  readonly soakRatePerS: number | null;
}

let context: BenchContext = { outDir: 'perf/out', profileDir: null, stamp: 'adhoc', soakMinutes: 10, soakRatePerS: null };

export function setBenchContext(next: BenchContext): void {
  context = next;
}

export function benchContext(): BenchContext {
  return context;
}
