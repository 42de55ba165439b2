/** Number formatting shared by the report table and plot. */

/** 1234567 → "1.23M", 95210 → "95.2k", 812 → "812". */
export function formatRate(perSecond: number | null): string {
  if (perSecond === null) return '–';
  const a = Math.abs(perSecond);
  if (a >= 1e9) return `${(perSecond / 1e9).toPrecision(3)}G`;
  if (a >= 1e6) return `${(perSecond / 1e6).toPrecision(3)}M`;
  if (a >= 1e3) return `${(perSecond / 1e3).toPrecision(3)}k`;
  return a >= 100 ? perSecond.toFixed(0) : perSecond.toPrecision(3);
}

/** Microseconds shown with 3 significant digits, switching to ms and s: 0.61 → "0.61", 3712 → "3.71ms". */
export function formatUs(us: number): string {
  if (us >= 1e6) return `${(us / 1e6).toPrecision(3)}s`;
  if (us >= 1e4) return `${(us / 1e3).toPrecision(3)}ms`;
  if (us >= 100) return us.toFixed(0);
  if (us >= 1) return us.toPrecision(3).replace(/\.?0+$/, '');
  return us === 0 ? '0' : us.toPrecision(2).replace(/\.?0+$/, '');
}

/** Ratio like "12.3×". */
export function formatRatio(ratio: number | undefined): string {
  if (ratio === undefined || !Number.isFinite(ratio)) return '–';
  return `${ratio >= 10 ? ratio.toFixed(1) : ratio.toFixed(2)}×`;
}
