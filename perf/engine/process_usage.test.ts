import { describe, expect, it } from 'vitest';
import { readProcessUsage, readThreadCpu, readThreadCpuSeconds, readThreadsCpuSeconds } from './process_usage.ts';

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

describe('readThreadCpuSeconds', () => {
  it('reads the main thread: it grows while this thread works and never exceeds the whole process', () => {
    const before = readThreadCpuSeconds(process.pid, process.pid);
    let x = 0;
    // Spin until the kernel has counted at least two ticks on this thread (no wall-clock assumption).
    while (readThreadCpuSeconds(process.pid, process.pid) < before + 0.02) for (let i = 0; i < 100_000; i++) x += Math.sqrt(x + i);
    expect(x).toBeGreaterThan(0);
    expect(readThreadCpuSeconds(process.pid, process.pid)).toBeLessThanOrEqual(readProcessUsage(process.pid).cpuSeconds + 0.01);
  });

  it('splits user and system time, and lists the main thread among all threads', () => {
    const cpu = readThreadCpu(process.pid, process.pid);
    expect(cpu.userSeconds).toBeGreaterThan(0);
    expect(cpu.systemSeconds).toBeGreaterThanOrEqual(0);
    expect(readThreadsCpuSeconds(process.pid).get(process.pid)).toBeGreaterThanOrEqual(cpu.userSeconds + cpu.systemSeconds);
  });

  it('throws for a thread that does not exist', () => {
    expect(() => readThreadCpuSeconds(process.pid, 2 ** 22 + 7)).toThrow();
  });
});
