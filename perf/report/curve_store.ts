/**
 * Where scenarios leave latency percentile curves for the report's plot. A scenario that measures
 * latency calls `publishCurve('e2e-tcp', 'rate-50k', histogram.percentileCurve())`; the harness takes
 * every curve published during the invocation (`takeCurves()`) and plots them. Scenarios run in the
 * harness's process, so a module-level list is enough.
 */
import type { PercentilePoint } from '../histogram.ts';

export interface LatencyCurve {
  readonly scenario: string;
  readonly case: string;
  readonly points: readonly PercentilePoint[];
}

const curves: LatencyCurve[] = [];

export function publishCurve(scenario: string, caseName: string, points: readonly PercentilePoint[]): void {
  if (points.length === 0) return;
  curves.push({ scenario, case: caseName, points: [...points] });
}

/** Every curve published since the last call, in publication order. */
export function takeCurves(): LatencyCurve[] {
  return curves.splice(0, curves.length);
}
