/**
 * Latency histograms for every bench: HdrHistogram (hdr-histogram-js), WebAssembly build when it loads
 * here (~30 ns a record instead of ~220 ns), a fixed range that never resizes while recording, values
 * recorded in nanoseconds and reported in microseconds. Histograms recorded in different worker threads
 * are merged by encoding (`encode()` gives a compressed base64 string that survives postMessage) and
 * adding (`addEncoded`).
 *
 *   const h = createLatencyHistogram();      // 1 ns .. 60 s, 3 significant digits
 *   h.recordNs(endNs - intendedStartNs);      // clamped into range, never throws, never resizes
 *   parentPort.postMessage(h.encode());       // in a worker
 *   total.addEncoded(message);                // in the parent
 *   total.percentilesUs();                    // { p50, p90, p99, p999, p9999, max } or null when empty
 *   h.destroy();                              // frees the WebAssembly memory
 */
import * as hdr from 'hdr-histogram-js';
import type { LatencyPercentilesUs } from './result_row.ts';

/** Highest latency a histogram tracks by default: 60 s. Longer values are clamped and counted. */
export const HISTOGRAM_HIGHEST_NS_DEFAULT = 60_000_000_000;
const SIGNIFICANT_DIGITS = 3;
const BIT_BUCKET_SIZE = 32;

let wasmState: 'unknown' | 'ready' | 'unavailable' = 'unknown';

/** True when the WebAssembly build of hdr-histogram-js loaded in this thread (tried once). */
export function histogramUsesWebAssembly(): boolean {
  if (wasmState === 'unknown') {
    try {
      hdr.initWebAssemblySync();
      wasmState = 'ready';
    } catch {
      wasmState = 'unavailable';
    }
  }
  return wasmState === 'ready';
}

/** One point of a percentile curve: `percentile` in [0, 100], `valueUs` the latency at it. */
export interface PercentilePoint {
  readonly percentile: number;
  readonly valueUs: number;
}

export class LatencyHistogram {
  /** Values above the range (or negative, from clock skew) recorded at the range's bound, counted here. */
  clampedCount = 0;
  readonly highestNs: number;
  private readonly histogram: hdr.Histogram;
  private readonly wasm: boolean;

  constructor(highestNs: number = HISTOGRAM_HIGHEST_NS_DEFAULT, encoded?: string) {
    if (!Number.isSafeInteger(highestNs) || highestNs < 1000) {
      throw new RangeError(`histogram highestNs must be a safe integer >= 1000, got ${highestNs}`);
    }
    this.highestNs = highestNs;
    this.wasm = histogramUsesWebAssembly();
    this.histogram = hdr.build({
      bitBucketSize: BIT_BUCKET_SIZE,
      autoResize: false,
      lowestDiscernibleValue: 1,
      highestTrackableValue: highestNs,
      numberOfSignificantValueDigits: SIGNIFICANT_DIGITS,
      useWebAssembly: this.wasm,
    });
    if (encoded !== undefined) this.addEncoded(encoded);
  }

  /** Records one latency in nanoseconds. Fractions are truncated; out-of-range values are clamped. */
  recordNs(valueNs: number): void {
    let v = Math.trunc(valueNs);
    if (v > this.highestNs) {
      v = this.highestNs;
      this.clampedCount++;
    } else if (!(v >= 0)) {
      v = 0;
      this.clampedCount++;
    }
    this.histogram.recordValue(v);
  }

  /** Records the same latency `count` times (used to fill in omitted sends in open-loop runs). */
  recordNsWithCount(valueNs: number, count: number): void {
    const v = Math.min(this.highestNs, Math.max(0, Math.trunc(valueNs)));
    this.histogram.recordValueWithCount(v, count);
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  get maxNs(): number {
    return this.histogram.maxValue;
  }

  /**
   * Value at `percentile` (0..100) in ns; 0 when empty. HdrHistogram answers with the top of the value's
   * bucket, which can exceed the largest value recorded: capped at the max so p99.99 <= max always.
   */
  valueAtPercentileNs(percentile: number): number {
    return Math.min(this.histogram.getValueAtPercentile(percentile), this.histogram.maxValue);
  }

  /** The headline percentiles in microseconds (3 decimals), or null when nothing was recorded. */
  percentilesUs(): LatencyPercentilesUs | null {
    if (this.count === 0) return null;
    return {
      p50: nsToUs(this.valueAtPercentileNs(50)),
      p90: nsToUs(this.valueAtPercentileNs(90)),
      p99: nsToUs(this.valueAtPercentileNs(99)),
      p999: nsToUs(this.valueAtPercentileNs(99.9)),
      p9999: nsToUs(this.valueAtPercentileNs(99.99)),
      max: nsToUs(this.maxNs),
    };
  }

  /**
   * The percentile curve HdrHistogram plots use: points evenly spaced in log10(1 / (1 - q)), from the
   * median to the maximum, `stepsPerDecade` points a decade (0.5, 0.9, 0.99, ... ), ending at 100.
   */
  percentileCurve(stepsPerDecade = 10): PercentilePoint[] {
    const points: PercentilePoint[] = [];
    const n = this.count;
    if (n === 0) return points;
    const decades = Math.max(1, Math.log10(n));
    for (let i = 0; i <= Math.ceil(decades * stepsPerDecade); i++) {
      const x = Math.log10(2) + i / stepsPerDecade; // starts at q = 0.5
      const percentile = 100 * (1 - Math.pow(10, -x));
      if (x > decades) break;
      points.push({ percentile, valueUs: nsToUs(this.valueAtPercentileNs(percentile)) });
    }
    points.push({ percentile: 100, valueUs: nsToUs(this.maxNs) });
    return points;
  }

  /** Compressed base64 (the HdrHistogram V2 format): a plain string, cheap to post between threads. */
  encode(): string {
    return hdr.encodeIntoCompressedBase64(this.histogram);
  }

  /** Adds a histogram produced by `encode()` (from any thread) into this one. */
  addEncoded(encoded: string): void {
    const other = hdr.decodeFromCompressedBase64(encoded, BIT_BUCKET_SIZE, this.wasm);
    try {
      if (other.maxValue > this.highestNs) {
        throw new RangeError(`encoded histogram max ${other.maxValue} ns exceeds this histogram's range ${this.highestNs} ns`);
      }
      this.histogram.add(other);
    } finally {
      other.destroy();
    }
  }

  /** Adds another live histogram of this thread into this one. */
  add(other: LatencyHistogram): void {
    this.addEncoded(other.encode());
    this.clampedCount += other.clampedCount;
  }

  reset(): void {
    this.histogram.reset();
    this.clampedCount = 0;
  }

  /** Frees the WebAssembly memory; the histogram must not be used afterwards. */
  destroy(): void {
    this.histogram.destroy();
  }
}

/** A fresh histogram, 1 ns .. highestNs (default 60 s), 3 significant digits, fixed size. */
export function createLatencyHistogram(highestNs: number = HISTOGRAM_HIGHEST_NS_DEFAULT): LatencyHistogram {
  return new LatencyHistogram(highestNs);
}

/** Merges encoded histograms (e.g. one per load worker) into one new histogram. */
export function mergeEncodedHistograms(encoded: readonly string[], highestNs: number = HISTOGRAM_HIGHEST_NS_DEFAULT): LatencyHistogram {
  const total = new LatencyHistogram(highestNs);
  for (const e of encoded) total.addEncoded(e);
  return total;
}

/** Nanoseconds to microseconds rounded to 3 decimals (1 ns resolution). */
export function nsToUs(ns: number): number {
  return Math.round(ns) / 1000;
}
