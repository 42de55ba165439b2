/**
 * A latency-by-percentile plot, the HdrHistogram way: x is log10(1 / (1 - percentile)) labelled 50%,
 * 90%, 99%, 99.9%…; y is latency on a log scale. Rendered as a self-contained SVG (no dependencies),
 * wrapped by `renderHtmlReport` together with the summary table into one page a person can open.
 */
import type { LatencyCurve } from './curve_store.ts';
import type { ResultRow } from '../result_row.ts';
import { renderMarkdownTable } from './markdown_table.ts';
import { renderStageSvg } from './stage_plot.ts';
import { renderTimelineSvg } from './timeline_plot.ts';

const WIDTH = 900;
const HEIGHT = 480;
const LEFT = 70;
const RIGHT = 240;
const TOP = 20;
const BOTTOM = 50;
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];
/** After the palette is used up, lines repeat its colours dashed. */
const DASHES = ['', '6 3', '2 2'];
const LEGEND_LINE_PX = 18;

/** x position (0..) of a percentile: 50% → log10 2, 90% → 1, 99% → 2 … capped for 100%. */
export function percentileToX(percentile: number, xMax: number): number {
  if (percentile >= 100) return xMax;
  return Math.min(xMax, Math.log10(100 / (100 - percentile)));
}

export function renderPercentileSvg(curves: readonly LatencyCurve[], title: string): string {
  const height = Math.max(HEIGHT, TOP + 14 + curves.length * LEGEND_LINE_PX + BOTTOM);
  const plotW = WIDTH - LEFT - RIGHT;
  const plotH = height - TOP - BOTTOM;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`);
  parts.push(`<title>${escapeXml(title)}</title>`);
  parts.push(`<rect x="0" y="0" width="${WIDTH}" height="${height}" fill="white"/>`);
  if (curves.length === 0) {
    parts.push(`<text x="${WIDTH / 2}" y="${height / 2}" text-anchor="middle">no latency measured in this run</text></svg>`);
    return parts.join('\n');
  }
  // x range: enough decades for the most detailed curve (the last point before 100%), at least 4 (99.99%).
  let decades = 4;
  let yMin = Infinity;
  let yMax = 0;
  for (const c of curves) {
    for (const p of c.points) {
      if (p.percentile < 100) decades = Math.max(decades, Math.ceil(percentileToX(p.percentile, 99)));
      if (p.valueUs > 0) yMin = Math.min(yMin, p.valueUs);
      yMax = Math.max(yMax, p.valueUs);
    }
  }
  const xMax = decades + 0.8; // the 100% (max) point sits past the last tick
  if (!Number.isFinite(yMin)) yMin = 0.1;
  const logMin = Math.floor(Math.log10(yMin));
  const logMax = Math.max(logMin + 1, Math.ceil(Math.log10(Math.max(yMax, yMin * 10))));
  const xOf = (percentile: number): number => LEFT + (percentileToX(percentile, xMax) / xMax) * plotW;
  const yOf = (us: number): number => {
    const l = Math.log10(Math.max(us, 10 ** logMin));
    return TOP + plotH - ((l - logMin) / (logMax - logMin)) * plotH;
  };
  // grid and axes
  for (let d = 0; d <= decades; d++) {
    const percentile = d === 0 ? 50 : 100 - 100 / 10 ** d;
    const x = xOf(percentile);
    parts.push(`<line x1="${x.toFixed(1)}" y1="${TOP}" x2="${x.toFixed(1)}" y2="${TOP + plotH}" stroke="#ddd"/>`);
    parts.push(`<text x="${x.toFixed(1)}" y="${TOP + plotH + 16}" text-anchor="middle">${percentileLabel(percentile)}</text>`);
  }
  const xMaxPx = xOf(100);
  parts.push(`<line x1="${xMaxPx.toFixed(1)}" y1="${TOP}" x2="${xMaxPx.toFixed(1)}" y2="${TOP + plotH}" stroke="#ddd" stroke-dasharray="4 3"/>`);
  parts.push(`<text x="${xMaxPx.toFixed(1)}" y="${TOP + plotH + 16}" text-anchor="middle">max</text>`);
  for (let e = logMin; e <= logMax; e++) {
    const y = yOf(10 ** e);
    parts.push(`<line x1="${LEFT}" y1="${y.toFixed(1)}" x2="${LEFT + plotW}" y2="${y.toFixed(1)}" stroke="#ddd"/>`);
    parts.push(`<text x="${LEFT - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end">${decadeLabel(e)}</text>`);
  }
  parts.push(`<rect x="${LEFT}" y="${TOP}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`);
  parts.push(`<text x="${LEFT + plotW / 2}" y="${height - 12}" text-anchor="middle">percentile</text>`);
  parts.push(`<text x="16" y="${TOP + plotH / 2}" text-anchor="middle" transform="rotate(-90 16 ${TOP + plotH / 2})">latency (log scale)</text>`);
  // curves and legend
  curves.forEach((c, i) => {
    const color = COLORS[i % COLORS.length];
    const dash = DASHES[Math.floor(i / COLORS.length) % DASHES.length];
    const dashAttr = dash === '' ? '' : ` stroke-dasharray="${dash}"`;
    const d = c.points.map((p, j) => `${j === 0 ? 'M' : 'L'}${xOf(p.percentile).toFixed(1)},${yOf(p.valueUs).toFixed(1)}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${dashAttr}><title>${escapeXml(`${c.scenario} ${c.case}`)}</title></path>`);
    const ly = TOP + 14 + i * LEGEND_LINE_PX;
    parts.push(`<line x1="${LEFT + plotW + 12}" y1="${ly - 4}" x2="${LEFT + plotW + 32}" y2="${ly - 4}" stroke="${color}" stroke-width="3"${dashAttr}/>`);
    parts.push(`<text x="${LEFT + plotW + 38}" y="${ly}">${escapeXml(`${c.scenario} ${c.case}`)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** The whole report as one HTML page: machine line, warnings, the plot, and the table. */
export function renderHtmlReport(input: { machineLine: string; warnings: readonly string[]; rows: readonly ResultRow[]; curves: readonly LatencyCurve[]; command: string }): string {
  const title = `ringline bench — ${input.command}`;
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeXml(title)}</title>
<style>body{font-family:sans-serif;margin:24px}table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}td:first-child,td:nth-child(2),td:last-child{text-align:left}.warn{color:#a40}</style>
</head><body>
<h1>${escapeXml(title)}</h1>
<p>${escapeXml(input.machineLine)}</p>
${input.warnings.map((w) => `<p class="warn">${escapeXml(w)}</p>`).join('\n')}
${markdownTableToHtml(renderMarkdownTable(input.rows))}
${plotsByScenario(input.curves)}
${input.rows.filter((r) => r.timeline !== undefined && r.timeline.length > 0)
    .map((r) => `<h2>${escapeXml(`${r.scenario} ${r.case}`)}: over time</h2>\n${renderTimelineSvg(r.timeline ?? [], `${r.scenario} ${r.case}`)}`).join('\n')}
${input.rows.filter((r) => r.stages !== undefined && Object.keys(r.stages).length > 0)
    .map((r) => `<h2>${escapeXml(`${r.scenario} ${r.case}`)}: where the time goes</h2>\n${renderStageSvg(r.stages ?? {}, `${r.scenario} ${r.case}`)}`).join('\n')}
</body></html>
`;
}

/** One plot per scenario (curves of one scenario share a scale and stay readable), or a note when none. */
function plotsByScenario(curves: readonly LatencyCurve[]): string {
  if (curves.length === 0) return renderPercentileSvg([], 'latency by percentile');
  const scenarios = [...new Set(curves.map((c) => c.scenario))];
  return scenarios.map((s) => `<h2>${escapeXml(s)}: latency by percentile</h2>\n${renderPercentileSvg(curves.filter((c) => c.scenario === s), `${s}: latency by percentile`)}`).join('\n');
}

/**
 * A coarse curve (p50 … p99.99, max) for a row that reports latency but published no curve of its
 * own, so every latency figure of the run appears in a plot.
 */
export function curveFromRow(row: ResultRow): LatencyCurve | null {
  const l = row.latency_us;
  if (l === null) return null;
  const points = [[50, l.p50], [90, l.p90], [99, l.p99], [99.9, l.p999], [99.99, l.p9999], [100, l.max]] as const;
  return { scenario: row.scenario, case: row.case, points: points.map(([percentile, valueUs]) => ({ percentile, valueUs })) };
}

function markdownTableToHtml(markdown: string): string {
  const lines = markdown.split('\n');
  const cells = (line: string): string[] => line.slice(2, -2).split(/(?<!\\) \| /).map((c) => c.replace(/\\\|/g, '|'));
  const head = cells(lines[0]).map((c) => `<th>${escapeXml(c)}</th>`).join('');
  const body = lines.slice(2).map((l) => `<tr>${cells(l).map((c) => `<td>${escapeXml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** 10^e µs as "1µs", "100µs", "10ms", "1s". */
export function decadeLabel(e: number): string {
  if (e < 0) return `${Number((10 ** e).toPrecision(1))}µs`;
  if (e < 3) return `${10 ** e}µs`;
  if (e < 6) return `${10 ** (e - 3)}ms`;
  return `${10 ** (e - 6)}s`;
}

function percentileLabel(p: number): string {
  return `${Number(p.toFixed(6))}%`;
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
