import { describe, expect, it, vi } from 'vitest';
import { createMetricsMemory, MetricsLine, metricsIndex, ThreadSlot } from './metrics_descriptor.ts';
import { observeThreadGc } from './thread_gc_counter.ts';

describe('observeThreadGc', () => {
  it('counts this thread\'s collections and their pause into the given line only', async () => {
    const metrics = new Float64Array(createMetricsMemory());
    const observer = observeThreadGc(metrics, MetricsLine.REPLICATOR);
    try {
      let kept = 0;
      // 200 MB of short-lived arrays: many times V8's young generation, so scavenges must run.
      for (let i = 0; i < 200_000; i++) kept += new Array<number>(128).fill(i).length;
      expect(kept).toBe(200_000 * 128);
      // Entries arrive on the event loop: wait for them instead of for a fixed time.
      await vi.waitFor(() => expect(metrics[metricsIndex(MetricsLine.REPLICATOR, ThreadSlot.GC_EVENTS)]).toBeGreaterThan(0),
        { timeout: 30_000, interval: 20 });
      expect(metrics[metricsIndex(MetricsLine.REPLICATOR, ThreadSlot.GC_PAUSE_MS)]).toBeGreaterThan(0);
      for (const line of [MetricsLine.LOGIC, MetricsLine.JOURNALER, MetricsLine.MAIN]) {
        expect(metrics[metricsIndex(line, ThreadSlot.GC_EVENTS)]).toBe(0);
      }
    } finally {
      observer.disconnect();
    }
  });
});
