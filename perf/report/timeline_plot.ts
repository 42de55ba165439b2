/**
 * A long run over time (soak): one SVG with three stacked panels sharing the time axis — latency per
 * interval (p50, p99, max; log scale), the engine's RSS, and errors + dropped commands per interval —
 * with a vertical mark wherever a snapshot was asked for. Self-contained, like percentile_plot.ts.
 */
import type { TimelinePoint } from '../result_row.ts';
import { decadeLabel, escapeXml } from './percentile_plot.ts';

const WIDTH = 900;
const LEFT = 70;
const RIGHT = 150;
const PANEL_HEIGHT = 170;
const GAP = 36;
const TOP = 24;

interface Series { readonly name: string; readonly color: string; readonly value: (p: TimelinePoint) => number }

export function renderTimelineSvg(points: readonly TimelinePoint[], title: string): string {
  const height = TOP + 3 * PANEL_HEIGHT + 2 * GAP + 40;
  const plotW = WIDTH - LEFT - RIGHT;
  const tMax = Math.max(1, ...points.map((p) => p.t_s));
  const xOf = (t: number): number => LEFT + (t / tMax) * plotW;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(title)}</title>`, `<rect x="0" y="0" width="${WIDTH}" height="${height}" fill="white"/>`,
  ];
  const panels: { label: string; log: boolean; unit: (v: number) => string; series: Series[] }[] = [
    { label: 'latency per interval', log: true, unit: (v) => decadeLabel(Math.round(Math.log10(v))), series: [
      { name: 'p50', color: '#2ca02c', value: (p) => p.p50_us }, { name: 'p99', color: '#1f77b4', value: (p) => p.p99_us },
      { name: 'max', color: '#d62728', value: (p) => p.max_us }] },
    { label: 'engine RSS', log: false, unit: (v) => `${v.toFixed(0)} MiB`, series: [{ name: 'RSS MiB', color: '#9467bd', value: (p) => p.rss_mib }] },
    { label: 'errors, dropped per interval', log: false, unit: (v) => v.toFixed(0), series: [
      { name: 'errors', color: '#ff7f0e', value: (p) => p.errors }, { name: 'dropped', color: '#8c564b', value: (p) => p.dropped }] },
  ];
  panels.forEach((panel, k) => {
    const top = TOP + k * (PANEL_HEIGHT + GAP);
    const values = points.flatMap((p) => panel.series.map((s) => s.value(p)));
    const yOf = panel.log ? logScale(values, top) : linearScale(values, top);
    for (const tick of yOf.ticks) {
      parts.push(`<line x1="${LEFT}" y1="${tick.y.toFixed(1)}" x2="${LEFT + plotW}" y2="${tick.y.toFixed(1)}" stroke="#ddd"/>`);
      parts.push(`<text x="${LEFT - 6}" y="${(tick.y + 4).toFixed(1)}" text-anchor="end">${panel.unit(tick.value)}</text>`);
    }
    parts.push(`<rect x="${LEFT}" y="${top}" width="${plotW}" height="${PANEL_HEIGHT}" fill="none" stroke="#333"/>`);
    parts.push(`<text x="${LEFT}" y="${top - 6}">${escapeXml(panel.label)}</text>`);
    points.forEach((p, i) => {
      if (i > 0 && p.snapshots > points[i - 1].snapshots) {
        parts.push(`<line x1="${xOf(p.t_s).toFixed(1)}" y1="${top}" x2="${xOf(p.t_s).toFixed(1)}" y2="${top + PANEL_HEIGHT}" stroke="#bbb" stroke-dasharray="3 3"><title>snapshot asked for in this interval</title></line>`);
      }
    });
    panel.series.forEach((s, j) => {
      const d = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${xOf(p.t_s).toFixed(1)},${yOf.y(s.value(p)).toFixed(1)}`).join(' ');
      parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"><title>${escapeXml(s.name)}</title></path>`);
      parts.push(`<line x1="${LEFT + plotW + 12}" y1="${top + 10 + j * 18}" x2="${LEFT + plotW + 32}" y2="${top + 10 + j * 18}" stroke="${s.color}" stroke-width="3"/>`);
      parts.push(`<text x="${LEFT + plotW + 38}" y="${top + 14 + j * 18}">${escapeXml(s.name)}</text>`);
    });
  });
  parts.push(`<text x="${LEFT + plotW / 2}" y="${height - 10}" text-anchor="middle">seconds (dashed: a snapshot was asked for)</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}

interface Scale { readonly y: (v: number) => number; readonly ticks: { value: number; y: number }[] }

function logScale(values: readonly number[], top: number): Scale {
  const positive = values.filter((v) => v > 0);
  const lo = Math.floor(Math.log10(Math.min(...positive, 10)));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(...positive, 10))));
  const y = (v: number): number => top + PANEL_HEIGHT - ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo)) * PANEL_HEIGHT;
  const ticks = [];
  for (let e = lo; e <= hi; e++) ticks.push({ value: 10 ** e, y: y(10 ** e) });
  return { y, ticks };
}

function linearScale(values: readonly number[], top: number): Scale {
  const hi = Math.max(1, ...values) * 1.1;
  const y = (v: number): number => top + PANEL_HEIGHT - (v / hi) * PANEL_HEIGHT;
  return { y, ticks: [0, 0.25, 0.5, 0.75, 1].map((f) => ({ value: f * hi, y: y(f * hi) })) };
}
