/**
 * Per-stage latency of a bench run, read from the engine's GET /metrics: the histogram family
 * ringline_stage_latency_seconds (engine/stage_latency.ts), one series per `stage` label. Two readings
 * (before and after a load) give the load's own histogram; percentiles are read from its buckets
 * (half octaves: within ±19%), interpolated geometrically inside the bucket that holds the rank.
 */
import type { StageFigures } from '../result_row.ts';

const FAMILY = 'ringline_stage_latency_seconds';
const BUCKET = new RegExp(`^${FAMILY}_bucket\\{(.*)\\}\\s+([0-9.eE+-]+)$`);
const SUM = new RegExp(`^${FAMILY}_sum\\{(.*)\\}\\s+([0-9.eE+-]+)$`);
const STAGE_LABEL = /(?:^|,)stage="([^"]+)"/;
/**
 * The journaler's own fdatasync time per group commit (ringline_journal_fsync_seconds, log2 buckets:
 * within ±41%), reported beside the stages as `fdatasync`: what of `journal` is the disk's.
 */
export const FDATASYNC_STAGE = 'fdatasync';
const FSYNC_FAMILY = 'ringline_journal_fsync_seconds';
const FSYNC_BUCKET = new RegExp(`^${FSYNC_FAMILY}_bucket\\{(.*)\\}\\s+([0-9.eE+-]+)$`);
const FSYNC_SUM = new RegExp(`^${FSYNC_FAMILY}_sum(?:\\{.*\\})?\\s+([0-9.eE+-]+)$`);
const LE_LABEL = /(?:^|,)le="([^"]+)"/;

/** One stage's cumulative histogram as scraped: bucket upper bounds (s, +Inf last) and cumulative counts. */
export interface StageHistogram {
  readonly boundsS: number[];
  readonly cumulative: number[];
  sumS: number;
}

/** Stage → histogram, from a Prometheus text body (stages absent from it are absent here), plus `fdatasync`. */
export function parseStageMetrics(text: string): Map<string, StageHistogram> {
  const out = new Map<string, StageHistogram>();
  const of = (stage: string): StageHistogram => {
    let h = out.get(stage);
    if (h === undefined) {
      h = { boundsS: [], cumulative: [], sumS: 0 };
      out.set(stage, h);
    }
    return h;
  };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const fsyncBucket = FSYNC_BUCKET.exec(line);
    if (fsyncBucket !== null) {
      const le = LE_LABEL.exec(fsyncBucket[1]);
      if (le === null) continue;
      const h = of(FDATASYNC_STAGE);
      h.boundsS.push(le[1] === '+Inf' ? Infinity : Number(le[1]));
      h.cumulative.push(Number(fsyncBucket[2]));
      continue;
    }
    const fsyncSum = FSYNC_SUM.exec(line);
    if (fsyncSum !== null) {
      of(FDATASYNC_STAGE).sumS = Number(fsyncSum[1]);
      continue;
    }
    const bucket = BUCKET.exec(line);
    if (bucket !== null) {
      const stage = STAGE_LABEL.exec(bucket[1]);
      const le = LE_LABEL.exec(bucket[1]);
      if (stage === null || le === null) continue;
      const h = of(stage[1]);
      h.boundsS.push(le[1] === '+Inf' ? Infinity : Number(le[1]));
      h.cumulative.push(Number(bucket[2]));
      continue;
    }
    const sum = SUM.exec(line);
    const stage = sum === null ? null : STAGE_LABEL.exec(sum[1]);
    if (sum !== null && stage !== null) of(stage[1]).sumS = Number(sum[2]);
  }
  return out;
}

/** The value at `quantile` of per-bucket counts, µs; bucket i spans (bounds[i-1], bounds[i]]. */
export function bucketQuantileUs(boundsS: readonly number[], counts: readonly number[], quantile: number): number {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return 0;
  const rank = quantile * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    if (counts[i] === 0 || seen + counts[i] < rank) {
      seen += counts[i];
      continue;
    }
    const upper = boundsS[i] === Infinity ? boundsS[i - 1] * Math.SQRT2 : boundsS[i];
    const lower = i === 0 ? upper / Math.SQRT2 : boundsS[i - 1];
    const within = Math.max(0, Math.min(1, (rank - seen) / counts[i]));
    return Math.round(lower * (upper / lower) ** within * 1e7) / 10; // µs, one decimal
  }
  return boundsS[boundsS.length - 2] * 1e6;
}

/** Each stage's figures over what happened between two scrapes; stages with no sample are left out. */
export function stageFigures(before: Map<string, StageHistogram> | null, after: Map<string, StageHistogram>): Record<string, StageFigures> {
  const out: Record<string, StageFigures> = {};
  for (const [stage, h] of after) {
    const earlier = before?.get(stage);
    const cumulative = h.cumulative.map((c, i) => c - (earlier?.cumulative[i] ?? 0));
    const counts = cumulative.map((c, i) => (i === 0 ? c : c - cumulative[i - 1]));
    const samples = cumulative.at(-1) ?? 0;
    if (samples <= 0) continue;
    const sumS = h.sumS - (earlier?.sumS ?? 0);
    out[stage] = {
      samples,
      p50_us: bucketQuantileUs(h.boundsS, counts, 0.5),
      p90_us: bucketQuantileUs(h.boundsS, counts, 0.9),
      p99_us: bucketQuantileUs(h.boundsS, counts, 0.99),
      mean_us: Math.round((sumS / samples) * 1e7) / 10,
    };
  }
  return out;
}
