/**
 * One console frame from two readings of the metrics registry: what the browser draws, computed on the
 * main thread so the page does no arithmetic on Prometheus text.
 *
 *   counter   → each series' total and its rate per second since the previous reading
 *   gauge     → each series' value
 *   histogram → per series (labels without `le`): count, sum, and p50 / p99 / p99.9 and mean of the
 *               observations that arrived in the window (bucket deltas against an older reading),
 *               interpolated inside a bucket like PromQL's histogram_quantile; null when none arrived.
 *
 * Families are taken by name, not by a list of known ones: a histogram added to the registry later
 * (per-stage latency, say) shows up in the frame, and the page charts every `*latency*` histogram.
 */

/** A family as prom-client's Metric.get() returns it. */
export interface FamilyReading {
  readonly name: string;
  readonly type: string;
  readonly values: readonly { readonly value: number; readonly labels?: Readonly<Record<string, string | number>>; readonly metricName?: string }[];
}

export interface Reading {
  /** Unix ms of the reading. */
  readonly atMs: number;
  readonly families: ReadonlyMap<string, FamilyReading>;
}

export type Labels = Readonly<Record<string, string>>;

export interface ScalarSeries {
  readonly labels: Labels;
  readonly value: number;
  /** Counters only: increase per second since the previous reading (null on the first). */
  readonly rate?: number | null;
}

export interface HistogramSeries {
  readonly labels: Labels;
  readonly count: number;
  readonly sum: number;
  /** Observations per second over the window. */
  readonly rate: number | null;
  readonly p50: number | null;
  readonly p99: number | null;
  readonly p999: number | null;
  readonly mean: number | null;
}

export interface FrameFamily {
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly series: readonly (ScalarSeries | HistogramSeries)[];
}

export interface ConsoleFrame {
  readonly atMs: number;
  /** Seconds between this reading and the one rates are computed against. */
  readonly rateWindowSeconds: number | null;
  /** Seconds the histogram percentiles cover. */
  readonly histogramWindowSeconds: number | null;
  readonly families: Readonly<Record<string, FrameFamily>>;
}

/** A stable key for a label set (sorted names). */
export function labelKey(labels: Readonly<Record<string, string | number>> | undefined): string {
  if (labels === undefined) return '';
  return Object.keys(labels).sort().map((k) => `${k}=${String(labels[k])}`).join(',');
}

function stringLabels(labels: Readonly<Record<string, string | number>> | undefined, without = ''): Labels {
  const out: Record<string, string> = {};
  if (labels !== undefined) for (const k of Object.keys(labels)) if (k !== without) out[k] = String(labels[k]);
  return out;
}

interface BucketSet {
  readonly labels: Labels;
  /** Upper bounds ascending, +Inf last, with cumulative counts. */
  readonly bounds: number[];
  readonly cumulative: number[];
  count: number;
  sum: number;
}

/** Parsed bucket sets by reading: a reading is parsed once, though it serves as window start for several ticks. */
const parsed = new WeakMap<FamilyReading, Map<string, BucketSet>>();

/**
 * The key of a bucket sample's series: its labels but `le`, in their own order (every reading of a
 * family comes from the same collector, so the order is the same); '' for none. No allocation but the string.
 */
function seriesKey(labels: Readonly<Record<string, string | number>> | undefined): string {
  let key = '';
  if (labels !== undefined) for (const k in labels) if (k !== 'le') key += `${k}=${String(labels[k])},`;
  return key;
}

/** Groups a histogram family's samples into one bucket set per series. */
export function histogramSeries(family: FamilyReading): Map<string, BucketSet> {
  const known = parsed.get(family);
  if (known !== undefined) return known;
  const sets = new Map<string, BucketSet>();
  // Samples come series by series: the last set found is the next sample's, mostly.
  let lastKey: string | null = null;
  let last: BucketSet | null = null;
  const setFor = (labels: Readonly<Record<string, string | number>> | undefined): BucketSet => {
    const key = seriesKey(labels);
    if (key === lastKey && last !== null) return last;
    let set = sets.get(key);
    if (set === undefined) {
      set = { labels: stringLabels(labels, 'le'), bounds: [], cumulative: [], count: 0, sum: 0 };
      sets.set(key, set);
    }
    lastKey = key;
    last = set;
    return set;
  };
  for (const v of family.values) {
    const metric = v.metricName ?? family.name;
    if (metric.endsWith('_bucket')) {
      const le = v.labels?.le;
      const set = setFor(v.labels);
      set.bounds.push(le === '+Inf' ? Infinity : Number(le));
      set.cumulative.push(v.value);
    } else if (metric.endsWith('_sum')) {
      setFor(v.labels).sum = v.value;
    } else if (metric.endsWith('_count')) {
      setFor(v.labels).count = v.value;
    }
  }
  for (const set of sets.values()) {
    // Collectors write buckets ascending; sort only what is not.
    let ascending = true;
    for (let i = 1; i < set.bounds.length && ascending; i++) ascending = set.bounds[i - 1] < set.bounds[i];
    if (ascending) continue;
    const order = set.bounds.map((_b, i) => i).sort((a, b) => set.bounds[a] - set.bounds[b]);
    const bounds = order.map((i) => set.bounds[i]);
    const cumulative = order.map((i) => set.cumulative[i]);
    set.bounds.splice(0, set.bounds.length, ...bounds);
    set.cumulative.splice(0, set.cumulative.length, ...cumulative);
  }
  parsed.set(family, sets);
  return sets;
}

/**
 * The q-quantile (0..1) of cumulative bucket counts, interpolated linearly inside the bucket it falls
 * in (the first bucket from 0); a quantile in the +Inf bucket reports the last finite bound. Null
 * without observations.
 */
export function bucketQuantile(q: number, bounds: readonly number[], cumulative: readonly number[]): number | null {
  const total = cumulative.length === 0 ? 0 : cumulative[cumulative.length - 1];
  if (!(total > 0)) return null;
  const rank = q * total;
  for (let i = 0; i < bounds.length; i++) {
    if (cumulative[i] >= rank) {
      const upper = bounds[i];
      const lower = i === 0 ? 0 : bounds[i - 1];
      if (!Number.isFinite(upper)) return Number.isFinite(lower) ? lower : null;
      const below = i === 0 ? 0 : cumulative[i - 1];
      const inBucket = cumulative[i] - below;
      return inBucket <= 0 ? upper : lower + (upper - lower) * ((rank - below) / inBucket);
    }
  }
  return null;
}

/**
 * The frame for `now`: rates against `previous` (the last reading), histogram percentiles against
 * `windowStart` (an older reading: a quarter second holds too few observations at low rates).
 */
export function buildFrame(now: Reading, previous: Reading | null, windowStart: Reading | null): ConsoleFrame {
  const families: Record<string, FrameFamily> = {};
  const rateSeconds = previous === null ? null : (now.atMs - previous.atMs) / 1000;
  const windowSeconds = windowStart === null ? null : (now.atMs - windowStart.atMs) / 1000;
  for (const [name, family] of now.families) {
    if (family.type === 'histogram') {
      const before = windowStart?.families.get(name);
      const old = before === undefined ? null : histogramSeries(before);
      const series: HistogramSeries[] = [];
      for (const [key, set] of histogramSeries(family)) {
        const base = old?.get(key);
        const sameBounds = base !== undefined && base.bounds.length === set.bounds.length;
        const delta = set.cumulative.map((c, i) => c - (sameBounds ? base.cumulative[i] : 0));
        const countDelta = set.count - (sameBounds ? base.count : 0);
        const sumDelta = set.sum - (sameBounds ? base.sum : 0);
        const usable = windowSeconds !== null && windowSeconds > 0 && sameBounds;
        series.push({
          labels: set.labels, count: set.count, sum: set.sum,
          rate: usable ? countDelta / windowSeconds : null,
          p50: usable ? bucketQuantile(0.5, set.bounds, delta) : null,
          p99: usable ? bucketQuantile(0.99, set.bounds, delta) : null,
          p999: usable ? bucketQuantile(0.999, set.bounds, delta) : null,
          mean: usable && countDelta > 0 ? sumDelta / countDelta : null,
        });
      }
      families[name] = { type: 'histogram', series };
      continue;
    }
    const counter = family.type === 'counter';
    const before = counter && previous !== null ? previous.families.get(name) : undefined;
    const old = new Map<string, number>();
    if (before !== undefined) for (const v of before.values) old.set(labelKey(v.labels), v.value);
    const series: ScalarSeries[] = family.values.map((v) => {
      const labels = stringLabels(v.labels);
      if (!counter) return { labels, value: v.value };
      const was = old.get(labelKey(v.labels)) ?? (before === undefined ? undefined : 0);
      const rate = rateSeconds !== null && rateSeconds > 0 && was !== undefined ? Math.max(0, v.value - was) / rateSeconds : null;
      return { labels, value: v.value, rate };
    });
    families[name] = { type: counter ? 'counter' : 'gauge', series };
  }
  return { atMs: now.atMs, rateWindowSeconds: rateSeconds, histogramWindowSeconds: windowSeconds, families };
}
