/**
 * Medians for bench runs: every figure a bench reports is the median over `runs` repetitions.
 *   median([3, 1, 2]) === 2; median([1, 2, 3, 4]) === 2.5; median([]) throws.
 */

/** Median of finite numbers (mean of the two middle values for an even count). Throws when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty list');
  for (const v of values) {
    if (!Number.isFinite(v)) throw new RangeError(`median: value is not finite: ${v}`);
  }
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median, or null when the list is empty (for figures a run may not produce). */
export function medianOrNull(values: readonly number[]): number | null {
  return values.length === 0 ? null : median(values);
}

/**
 * The run whose `key` is the median (the lower middle for an even count), so that a row's latency and
 * GC figures come from one real run rather than being mixed across runs.
 */
export function medianRun<T>(runs: readonly T[], key: (run: T) => number): T {
  if (runs.length === 0) throw new RangeError('medianRun of an empty list');
  const sorted = [...runs].sort((a, b) => key(a) - key(b));
  return sorted[(sorted.length - 1) >> 1];
}

/** Runs `fn` `runs` times in sequence and returns every result (for median / medianRun). */
export async function repeatRuns<T>(runs: number, fn: (runIndex: number) => Promise<T> | T): Promise<T[]> {
  if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`runs must be an integer >= 1, got ${runs}`);
  const results: T[] = [];
  for (let i = 0; i < runs; i++) results.push(await fn(i));
  return results;
}
