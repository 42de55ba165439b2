import { describe, expect, it } from 'vitest';
import { COMMAND_LATENCY_BUCKETS, CommandLatency } from './command_latency.ts';

const total = (a: Float64Array, from = 0): number => a.slice(from).reduce((x, y) => x + y, 0);

describe('CommandLatency', () => {
  it('puts each released command in the log2 µs bucket of its publish-to-release time', () => {
    const latency = new CommandLatency(8);
    latency.published(1, 3, 100);
    latency.released(1, 2, 105); // 5000 µs: bucket 12 = [4096, 8192)
    latency.released(3, 1, 100.003); // 3 µs: bucket 1 = [2, 4)
    expect(total(latency.bucketsUs)).toBe(3);
    expect(latency.bucketsUs[12]).toBe(2);
    expect(latency.bucketsUs[1]).toBe(1);
    expect(latency.sumUs).toBe(2 * 5000 + 3);
  });

  it('keeps each sequence\'s own publish time across a wrap of its ring of times', () => {
    const latency = new CommandLatency(3); // rounds up to 4 slots
    latency.published(1, 2, 0);
    latency.released(1, 2, 50); // 50 ms: bucket 15
    latency.published(5, 6, 60); // the same slots as 1 and 2, new times
    latency.released(5, 2, 60.01); // 10 µs: bucket 3
    expect(latency.bucketsUs.length).toBe(COMMAND_LATENCY_BUCKETS);
    expect(latency.bucketsUs[15]).toBe(2);
    expect(latency.bucketsUs[3]).toBe(2);
  });

  it('clamps a latency past 2^31 µs into the highest bucket log2Bucket gives', () => {
    const latency = new CommandLatency(1);
    latency.published(1, 1, 0);
    latency.released(1, 1, 3e9);
    expect(latency.bucketsUs[30]).toBe(1);
  });

  it('refuses a size that is not a positive integer', () => {
    expect(() => new CommandLatency(0)).toThrow(/sequencesInFlightMax/);
  });
});
