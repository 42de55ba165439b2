/**
 * The summary table of a bench run, in GitHub markdown: one line per result row, latencies in µs
 * (switching to ms/s past 10 ms), GC events per thread, errors, and the ratio to a peer.
 */
import type { ResultRow } from '../result_row.ts';
import { formatRate, formatRatio, formatUs } from './format.ts';

const HEADER = ['scenario', 'case', 'ops/s', 'p50 µs', 'p90', 'p99', 'p99.9', 'p99.99', 'max', 'GC events', 'errors', 'vs peer', 'conditions'];

export function renderMarkdownTable(rows: readonly ResultRow[]): string {
  const lines = [`| ${HEADER.join(' | ')} |`, `|${HEADER.map((h, i) => (i >= 2 && i <= 10 ? '---:' : '---')).join('|')}|`];
  for (const row of rows) {
    const l = row.latency_us;
    const cells = [
      row.scenario,
      row.case,
      formatRate(row.throughput_per_s),
      ...(l === null ? ['–', '–', '–', '–', '–', '–'] : [l.p50, l.p90, l.p99, l.p999, l.p9999, l.max].map(formatUs)),
      row.gc_events === null ? '–' : Object.entries(row.gc_events).map(([t, n]) => `${t} ${n}`).join(', ') || '–',
      String(row.errors),
      row.peer === undefined ? '–' : `${formatRatio(row.ratio_vs_peer)} ${row.peer}`,
      formatConditions(row.conditions),
    ];
    lines.push(`| ${cells.map(escapeCell).join(' | ')} |`);
  }
  return lines.join('\n');
}

export function formatConditions(conditions: ResultRow['conditions']): string {
  return Object.entries(conditions).map(([k, v]) => `${k}=${v}`).join(' ');
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
