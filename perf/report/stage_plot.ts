/**
 * Where a row's latency goes, stage by stage: one horizontal pair of bars (p50, p99) per stage on a
 * log µs axis, for every row that reports `stages` (e2e rows: the engine's sampled commands).
 * Self-contained SVG, like percentile_plot.ts.
 */
import type { StageFigures } from '../result_row.ts';
import { decadeLabel, escapeXml } from './percentile_plot.ts';

const WIDTH = 900;
const LEFT = 110;
const RIGHT = 170;
const TOP = 28;
const BAR = 10;
const ROW = 2 * BAR + 10;
const BOTTOM = 40;
/** Stages in pipeline order; others (a future stage) follow in the order given. */
const ORDER = ['publish', 'apply', 'journal', 'fdatasync', 'replicate', 'reply', 'total'];
const SPANS: Readonly<Record<string, string>> = {
  publish: 'received → published', apply: 'published → applied', journal: 'published → durable',
  fdatasync: 'per group commit (in journal)', replicate: 'published → replicated', reply: 'last of those → reply written', total: 'received → reply written',
};

export function renderStageSvg(stages: Readonly<Record<string, StageFigures>>, title: string): string {
  const names = Object.keys(stages).sort((a, b) => rank(a) - rank(b));
  const height = TOP + names.length * ROW + BOTTOM;
  const plotW = WIDTH - LEFT - RIGHT;
  const values = names.flatMap((n) => [stages[n].p50_us, stages[n].p99_us]).filter((v) => v > 0);
  const eMin = Math.floor(Math.log10(Math.max(0.1, Math.min(1, ...values))));
  const eMax = Math.max(eMin + 1, Math.ceil(Math.log10(Math.max(10, ...values))));
  const xOf = (us: number): number => LEFT + ((Math.log10(Math.max(us, 10 ** eMin)) - eMin) / (eMax - eMin)) * plotW;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(title)}</title>`, `<rect x="0" y="0" width="${WIDTH}" height="${height}" fill="white"/>`,
    `<text x="${LEFT}" y="16">${escapeXml(title)} — p50 (green), p99 (blue), sampled commands</text>`,
  ];
  for (let e = eMin; e <= eMax; e++) {
    const x = xOf(10 ** e);
    parts.push(`<line x1="${x}" y1="${TOP}" x2="${x}" y2="${height - BOTTOM}" stroke="#ddd"/>`,
      `<text x="${x}" y="${height - BOTTOM + 16}" text-anchor="middle">${decadeLabel(e)}</text>`);
  }
  names.forEach((name, i) => {
    const f = stages[name];
    const y = TOP + i * ROW;
    parts.push(`<text x="${LEFT - 6}" y="${y + BAR + 4}" text-anchor="end">${escapeXml(name)}</text>`,
      `<rect x="${LEFT}" y="${y}" width="${Math.max(1, xOf(f.p50_us) - LEFT)}" height="${BAR}" fill="#2ca02c"><title>${escapeXml(`${name} p50 ${f.p50_us} µs`)}</title></rect>`,
      `<rect x="${LEFT}" y="${y + BAR}" width="${Math.max(1, xOf(f.p99_us) - LEFT)}" height="${BAR}" fill="#1f77b4"><title>${escapeXml(`${name} p99 ${f.p99_us} µs`)}</title></rect>`,
      `<text x="${WIDTH - RIGHT + 8}" y="${y + BAR + 4}">${escapeXml(`${f.p50_us} / ${f.p99_us} µs`)}</text>`,
      `<text x="${WIDTH - RIGHT + 8}" y="${y + 2 * BAR + 6}" font-size="10" fill="#666">${escapeXml(SPANS[name] ?? '')}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

function rank(stage: string): number {
  const i = ORDER.indexOf(stage);
  return i < 0 ? ORDER.length : i;
}
