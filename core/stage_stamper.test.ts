/**
 * StageStamper's clock: a stamp is the main thread's performance.now() at the time of the stamp, and
 * reading it allocates nothing (the logic thread stamps every batch that holds a sampled command).
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { StageStamper } from './stage_stamper.ts';
import { HEADER_F64, ROW_F64, SAMPLE_EVERY, StampColumn, createStageStampsMemory } from './stage_stamps_descriptor.ts';

describe('StageStamper', () => {
  it('stamps on the main thread\'s clock: between a performance.now() before and after', () => {
    const memory = createStageStampsMemory(4096, performance.timeOrigin);
    const table = new Float64Array(memory);
    const stamper = new StageStamper(memory, StampColumn.APPLIED_MS);
    for (let i = 1; i <= 100; i++) {
      const s = i * SAMPLE_EVERY;
      const beforeMs = performance.now();
      stamper.stamp(s - 1, 2); // s - 1 and s: s is sampled
      const afterMs = performance.now();
      const stampedMs = table[HEADER_F64 + (i & stamper.rowMask) * ROW_F64 + StampColumn.APPLIED_MS];
      // The offset to the main clock is taken between two hrtime reads (off by half their gap, ≤ 5 µs
      // unless every one of 8 tries was preempted); 1 ms of slack keeps this about the clock, not timing.
      expect(stampedMs).toBeGreaterThanOrEqual(beforeMs - 1);
      expect(stampedMs).toBeLessThanOrEqual(afterMs + 1);
    }
  });

  it('allocates nothing per stamp of a batch that holds a sampled sequence (the clock read included)', async () => {
    const stamper = new StageStamper(createStageStampsMemory(4096, performance.timeOrigin), StampColumn.APPLIED_MS);
    const stampAll = (n: number): void => { for (let i = 0; i < n; i++) stamper.stamp((i & 1023) * SAMPLE_EVERY, 16); };
    stampAll(1e5);
    stampAll(1e5);
    await new Promise((resolve) => setImmediate(resolve));
    let gcEvents = 0;
    const observer = new PerformanceObserver((list) => { gcEvents += list.getEntries().length; });
    observer.observe({ entryTypes: ['gc'] });
    // 20M clock reads. An allocating clock (16 bytes a read at least, performance.now()'s heap number)
    // would allocate 320 MB, twenty times V8's young generation (16 MB at most): 20 collections or more.
    // A few may still come from before this loop (warm-up stamps run interpreted until V8 has installed
    // optimized code, compiled on a background thread and later on a busy machine; their GC entries are
    // delivered on the event loop, after observe()): that count does not grow with the loop's length.
    // The loop is synchronous: nothing else runs on this thread meanwhile.
    stampAll(2e7);
    await new Promise((resolve) => setTimeout(resolve, 50)); // GC entries are delivered on the event loop
    observer.disconnect();
    expect(gcEvents).toBeLessThan(10);
  });
});
