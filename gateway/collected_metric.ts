/**
 * A Prometheus family whose samples are read at scrape time (collect()), registered in a prom-client
 * Registry so the exposition text — HELP, TYPE, label escaping — is prom-client's own. The engine's
 * counters live in shared memory written by its worker threads without allocating; this is how they
 * reach /metrics: nothing is copied until somebody scrapes.
 *
 *   registerCollected(registry, {
 *     name: 'ringline_journal_records_total', help: 'Records journaled', type: 'counter',
 *     collect: () => [{ value: shared[JM_RECORDS] }],
 *   });
 *
 * Histograms: collect() returns the samples histogramSamples() builds (`_bucket{le}` cumulative,
 * `_sum`, `_count`) from per-bucket counts, e.g. log2 buckets in shared memory (log2HistogramSamples).
 */
import type { Registry } from 'prom-client';

export type CollectedMetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricSample {
  readonly value: number;
  readonly labels?: Readonly<Record<string, string | number>>;
  /** Set for histogram parts: `<name>_bucket`, `<name>_sum`, `<name>_count`. */
  readonly metricName?: string;
}

export interface CollectedMetricDefinition {
  /** Prometheus name: snake_case, unit last (`_seconds`, `_bytes`), counters end in `_total`. */
  readonly name: string;
  readonly help: string;
  readonly type: CollectedMetricType;
  readonly collect: () => readonly MetricSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** The shape prom-client's Registry reads from every registered metric (its `get()`). */
interface PromMetricObject {
  readonly name: string;
  readonly help: string;
  readonly type: CollectedMetricType;
  readonly values: MetricSample[];
  readonly aggregator: 'sum';
}

class CollectedMetric {
  readonly name: string;
  readonly help: string;
  readonly type: CollectedMetricType;
  readonly aggregator = 'sum' as const;

  constructor(private readonly definition: CollectedMetricDefinition) {
    this.name = definition.name;
    this.help = definition.help;
    this.type = definition.type;
  }

  get(): Promise<PromMetricObject> {
    const values = this.definition.collect().filter((s) => Number.isFinite(s.value));
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, values: [...values], aggregator: 'sum' });
  }

  reset(): void {
    // Values come from their source at every scrape: nothing to reset.
  }
}

/** Validates the definition (name rules, counters end in `_total`, a help text) and registers it. */
export function registerCollected(registry: Registry, definition: CollectedMetricDefinition): void {
  if (!NAME.test(definition.name)) throw new RangeError(`metric name ${JSON.stringify(definition.name)} is not a Prometheus name`);
  if (definition.help.trim() === '') throw new RangeError(`metric ${definition.name} needs a help text`);
  if (definition.type === 'counter' && !definition.name.endsWith('_total')) {
    throw new RangeError(`counter ${definition.name} must end in _total`);
  }
  if (definition.type !== 'counter' && definition.name.endsWith('_total')) {
    throw new RangeError(`${definition.type} ${definition.name} must not end in _total (reserved for counters)`);
  }
  // prom-client's Registry accepts any object with its Metric shape; CollectedMetric has it.
  registry.registerMetric(new CollectedMetric(definition) as unknown as Parameters<Registry['registerMetric']>[0]);
}

/**
 * Samples of one histogram series: `counts[i]` values fell at or below `boundsLe[i]` and above the bound
 * before it; `counts[boundsLe.length]` (optional) above the last bound. Emits cumulative buckets.
 */
export function histogramSamples(
  name: string, boundsLe: readonly number[], counts: ArrayLike<number>, sum: number,
  labels: Readonly<Record<string, string | number>> = {},
): MetricSample[] {
  const out: MetricSample[] = [];
  let cumulative = 0;
  for (let i = 0; i < boundsLe.length; i++) {
    cumulative += counts[i];
    out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: boundsLe[i] }, value: cumulative });
  }
  for (let i = boundsLe.length; i < counts.length; i++) cumulative += counts[i];
  out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: cumulative });
  out.push({ metricName: `${name}_sum`, labels, value: sum });
  out.push({ metricName: `${name}_count`, labels, value: cumulative });
  return out;
}

/**
 * A log2 histogram in shared memory (bucket b counts values in [2^b, 2^(b+1)) of some unit, bucket 0
 * also those below 2; the last bucket also everything above) as Prometheus samples: bucket b's upper
 * bound is 2^(b+1) units, times `unitScale` (1e-6 turns µs into seconds). Only the first `bucketsShown`
 * get their own `le`; the rest count in +Inf.
 */
export function log2HistogramSamples(
  name: string, memory: Float64Array, start: number, buckets: number, bucketsShown: number, unitScale: number, sum: number,
  labels: Readonly<Record<string, string | number>> = {},
): MetricSample[] {
  const bounds: number[] = [];
  for (let b = 0; b < Math.min(buckets, bucketsShown); b++) bounds.push(2 ** (b + 1) * unitScale);
  return histogramSamples(name, bounds, memory.subarray(start, start + buckets), sum, labels);
}
