import { describe, expect, it } from 'vitest';
import { readProcessUsage } from './process_usage.ts';

describe('readProcessUsage', () => {
  it('reads this process: CPU time grows with work, RSS is the kernel figure', () => {
    const before = readProcessUsage(process.pid);
    const until = Date.now() + 300;
    let x = 0;
    while (Date.now() < until) x += Math.sqrt(x + 1);
    const after = readProcessUsage(process.pid);
    expect(x).toBeGreaterThan(0);
    expect(after.cpuSeconds).toBeGreaterThan(before.cpuSeconds);
    // Within a factor of two of what Node itself reports for its resident set.
    const rss = process.memoryUsage.rss();
    expect(after.rssBytes).toBeGreaterThan(rss / 2);
    expect(after.rssBytes).toBeLessThan(rss * 2);
  });

  it('names the pid when the process does not exist', () => {
    expect(() => readProcessUsage(2 ** 22 + 7)).toThrow();
  });
});
