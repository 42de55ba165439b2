/**
 * Command latency as the engine sees it: from the batch that published a command into the input ring
 * to the turn that released its result (applied, durable and — in sync replication — replicated).
 * Both ends run on the main thread, one clock read per batch; the publish time of sequence s waits in
 * a ring of times indexed by s, sized past the most sequences that can be published and not released
 * (input ring + output ring capacity). Latencies land in log2 buckets of microseconds
 * (journal_metrics_descriptor.ts's log2Bucket), read at scrape time as a Prometheus histogram.
 */
import { log2Bucket } from '../journal/journal_metrics_descriptor.ts';

/** Bucket b counts latencies in [2^b, 2^(b+1)) µs; log2Bucket clamps at 2^31 µs (~36 min), so 30 is the highest used. */
export const COMMAND_LATENCY_BUCKETS = 32;

export class CommandLatency {
  /** Per-bucket counts (log2 µs). */
  readonly bucketsUs = new Float64Array(COMMAND_LATENCY_BUCKETS);
  /** Sum of every recorded latency, µs. */
  sumUs = 0;
  private readonly publishedMs: Float64Array;
  private readonly mask: number;

  constructor(sequencesInFlightMax: number) {
    if (!Number.isInteger(sequencesInFlightMax) || sequencesInFlightMax < 1) {
      throw new RangeError(`sequencesInFlightMax must be a positive integer, got ${sequencesInFlightMax}`);
    }
    const size = 2 ** Math.ceil(Math.log2(sequencesInFlightMax));
    this.publishedMs = new Float64Array(size);
    this.mask = size - 1;
  }

  /** Sequences first..last were published at `nowMs` (performance.now(), read once per batch). */
  published(first: number, last: number, nowMs: number): void {
    const times = this.publishedMs;
    for (let s = first; s <= last; s++) times[s & this.mask] = nowMs;
  }

  /** Results first..first+count-1 were released at `nowMs`. */
  released(first: number, count: number, nowMs: number): void {
    const times = this.publishedMs;
    const buckets = this.bucketsUs;
    for (let s = first; s < first + count; s++) {
      const us = Math.round((nowMs - times[s & this.mask]) * 1000);
      buckets[log2Bucket(us < 0 ? 0 : us, COMMAND_LATENCY_BUCKETS)]++;
      this.sumUs += us < 0 ? 0 : us;
    }
  }
}
