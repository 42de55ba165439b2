import { describe, it, expect } from 'vitest';
import { BenchArgsError, effectiveRuns, parseBenchArgs } from './bench_args.ts';
import { DEFAULT_SUITE } from './scenario_registry.ts';

describe('parseBenchArgs', () => {
  it('defaults to the quick suite of every scenario, one run, no json, no profile', () => {
    const a = parseBenchArgs([]);
    expect(a.scenarios).toEqual(DEFAULT_SUITE);
    expect(a.mode).toBe('quick');
    expect(effectiveRuns(a)).toBe(1);
    expect(a.jsonPath).toBeNull();
    expect(a.profile).toBe(false);
    expect(a.outDir).toBe('perf/out');
  });

  it('reads scenarios in order without duplicates, and every option in both spellings', () => {
    const a = parseBenchArgs(['e2e-tcp', 'ring', 'e2e-tcp', '--full', '--runs', '5', '--json=out.json', '--profile', '--out', '/tmp/x']);
    expect(a.scenarios).toEqual(['e2e-tcp', 'ring']);
    expect(a.mode).toBe('full');
    expect(effectiveRuns(a)).toBe(5);
    expect(a.jsonPath).toBe('out.json');
    expect(a.profile).toBe(true);
    expect(a.outDir).toBe('/tmp/x');
    expect(effectiveRuns(parseBenchArgs(['--full']))).toBe(3);
  });

  it('names the option and the accepted values in its errors', () => {
    expect(() => parseBenchArgs(['--runs', '0'])).toThrow(/--runs must be an integer from 1 to 50, got "0"/);
    expect(() => parseBenchArgs(['--runs', '2.5'])).toThrow(BenchArgsError);
    expect(() => parseBenchArgs(['--runs'])).toThrow(/--runs needs a value/);
    expect(() => parseBenchArgs(['--json', '--full'])).toThrow(/--json needs a value/);
    expect(() => parseBenchArgs(['--quick', '--full'])).toThrow(/exclude each other/);
    expect(() => parseBenchArgs(['--fast'])).toThrow(/unknown option --fast/);
    expect(() => parseBenchArgs(['rings'])).toThrow(/unknown scenario "rings"; scenarios are: ring, codec/);
  });

  it('gives the soak 10 minutes, 1 with an explicit --quick, or --minutes', () => {
    expect(parseBenchArgs(['soak']).soakMinutes).toBe(10);
    expect(parseBenchArgs(['soak', '--full']).soakMinutes).toBe(10);
    expect(parseBenchArgs(['soak', '--quick']).soakMinutes).toBe(1);
    expect(parseBenchArgs(['soak', '--quick', '--minutes', '2.5']).soakMinutes).toBe(2.5);
    expect(() => parseBenchArgs(['--minutes', '0'])).toThrow(/--minutes must be a number above 0 and at most 1440, got "0"/);
    expect(() => parseBenchArgs(['--minutes', 'ten'])).toThrow(BenchArgsError);
  });

  it('soaks at half the measured maximum, or at --rate commands per second', () => {
    expect(parseBenchArgs(['soak']).soakRatePerS).toBeNull();
    expect(parseBenchArgs(['soak', '--rate', '200000']).soakRatePerS).toBe(200_000);
    expect(parseBenchArgs(['soak', '--rate=50000']).soakRatePerS).toBe(50_000);
    expect(() => parseBenchArgs(['--rate', '0'])).toThrow(/--rate must be an integer from 1 to 10000000 \(commands per second\), got "0"/);
    expect(() => parseBenchArgs(['--rate', '2e5'])).toThrow(BenchArgsError);
  });

  it('recognises --help', () => {
    expect(parseBenchArgs(['--help']).help).toBe(true);
  });
});
