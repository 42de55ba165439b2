import { describe, it, expect } from 'vitest';
import { startGcCounter } from './gc_counter.ts';

describe('startGcCounter', () => {
  it('counts the GC events an allocating loop causes in this thread', async () => {
    const gc = startGcCounter();
    let keep: Array<{ i: number; s: string }> = [];
    for (let i = 0; i < 2_000_000; i++) {
      keep.push({ i, s: `x${i}` });
      if (keep.length > 10_000) keep = [];
    }
    const count = await gc.stop();
    expect(keep.length).toBeGreaterThan(0);
    expect(count.events).toBeGreaterThan(0);
    expect(count.pauseMs).toBeGreaterThan(0);
    expect(count.majorEvents).toBeLessThanOrEqual(count.events);
  });

  it('counts nothing after stop', async () => {
    const gc = startGcCounter();
    const first = await gc.stop();
    let keep: number[][] = [];
    for (let i = 0; i < 200_000; i++) keep.push([i]);
    keep = [];
    await new Promise((r) => setTimeout(r, 5));
    expect(gc.current).toEqual(first);
    expect(keep).toEqual([]);
  });
});
