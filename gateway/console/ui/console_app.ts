/**
 * The console page: opens /console/stream (Server-Sent Events, the session cookie goes along), draws
 * each frame. Every figure carries data-family / data-labels / data-value (the raw number) so a test
 * can compare what is shown with /metrics. Latency charts are made for every histogram whose name
 * has "latency" in it, one per label set, as they appear: a new histogram needs no change here.
 */
import type { BookView } from '../console_books.ts';
import type { SymbolTrades } from '../console_trades.ts';
import type { ConsoleFrame, FrameFamily, HistogramSeries, ScalarSeries } from '../console_frame.ts';
import { DepthChart, LineChart } from './svg_chart.ts';

interface Frame extends ConsoleFrame {
  readonly intervalMs: number;
  readonly health: { status?: string; engine?: { role?: string }; role?: string; [k: string]: unknown };
  readonly books: readonly BookView[];
  readonly trades?: readonly SymbolTrades[];
}

const WINDOW_SECONDS = 120;
const SYMBOLS_KEY = 'ringline.console.symbols';

const byId = <T extends HTMLElement>(id: string): T => {
  const node = document.getElementById(id);
  if (node === null) throw new Error(`console: no #${id}`);
  return node as T;
};

const fmtCount = (v: number): string => (Math.abs(v) >= 1e6 ? `${(v / 1e6).toFixed(2)}M` : Math.abs(v) >= 1e4 ? `${(v / 1e3).toFixed(1)}k` : String(Math.round(v)));
const fmtMs = (seconds: number): string => (seconds < 1e-3 ? `${(seconds * 1e6).toFixed(0)} µs` : `${(seconds * 1e3).toFixed(seconds < 0.1 ? 2 : 0)} ms`);
const fmtPct = (v: number): string => `${v.toFixed(v < 10 ? 1 : 0)}%`;
const fmtBytes = (v: number): string => `${(v / 1048576).toFixed(0)} MiB`;

function labelText(labels: Readonly<Record<string, string>>): string {
  return Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(',');
}

function family(frame: Frame, name: string): FrameFamily | undefined {
  return frame.families[name];
}

function scalar(frame: Frame, name: string, match: Readonly<Record<string, string>> = {}): ScalarSeries | undefined {
  const f = family(frame, name);
  if (f === undefined || f.type === 'histogram') return undefined;
  return (f.series as ScalarSeries[]).find((s) => Object.entries(match).every(([k, v]) => s.labels[k] === v));
}

function histogram(frame: Frame, name: string, match: Readonly<Record<string, string>> = {}): HistogramSeries | undefined {
  const f = family(frame, name);
  if (f === undefined || f.type !== 'histogram') return undefined;
  return (f.series as HistogramSeries[]).find((s) => Object.entries(match).every(([k, v]) => s.labels[k] === v));
}

interface FigureSpec {
  readonly label: string;
  readonly family: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** What the tile shows from the series. */
  readonly pick: 'value' | 'rate' | 'p50' | 'p99' | 'mean';
  readonly format: (v: number) => string;
  /** Shown instead of the raw value (the raw value stays in data-value). */
  readonly display?: (v: number, frame: Frame) => string;
}

const FIGURES: readonly FigureSpec[] = [
  { label: 'commands / s (applied)', family: 'ringline_commands_applied_total', pick: 'rate', format: fmtCount },
  { label: 'commands applied', family: 'ringline_commands_applied_total', pick: 'value', format: fmtCount },
  { label: 'published sequence', family: 'ringline_sequence', labels: { stage: 'published' }, pick: 'value', format: fmtCount },
  { label: 'durable sequence', family: 'ringline_sequence', labels: { stage: 'durable' }, pick: 'value', format: fmtCount },
  { label: 'input ring', family: 'ringline_ring_lag_records', labels: { ring: 'input' }, pick: 'value', format: fmtCount, display: (v, f) => occupancy(v, f) },
  { label: 'output ring', family: 'ringline_ring_lag_records', labels: { ring: 'output' }, pick: 'value', format: fmtCount, display: (v, f) => occupancy(v, f) },
  { label: 'TCP connections', family: 'ringline_connections_open', labels: { transport: 'tcp' }, pick: 'value', format: fmtCount },
  { label: 'WebSocket connections', family: 'ringline_connections_open', labels: { transport: 'ws' }, pick: 'value', format: fmtCount },
  { label: 'sessions (incl. HTTP)', family: 'ringline_sessions_open', pick: 'value', format: fmtCount },
  { label: 'fsync p99 (last s)', family: 'ringline_journal_fsync_seconds', pick: 'p99', format: fmtMs },
  { label: 'journal batch mean', family: 'ringline_journal_batch_records', pick: 'mean', format: (v) => `${v.toFixed(1)} rec` },
  { label: 'GC main (ms/s)', family: 'ringline_gc_pause_seconds_total', labels: { thread: 'main' }, pick: 'rate', format: (v) => (v * 1e3).toFixed(1) },
  { label: 'GC logic (ms/s)', family: 'ringline_gc_pause_seconds_total', labels: { thread: 'logic' }, pick: 'rate', format: (v) => (v * 1e3).toFixed(1) },
  { label: 'engine process CPU', family: 'process_cpu_seconds_total', pick: 'rate', format: (v) => fmtPct(v * 100) },
  { label: 'resident memory', family: 'process_resident_memory_bytes', pick: 'value', format: fmtBytes },
];

function occupancy(lag: number, frame: Frame): string {
  const capacity = scalar(frame, 'ringline_ring_capacity_slots')?.value ?? 0;
  return capacity > 0 ? `${fmtPct((100 * lag) / capacity)} (${fmtCount(lag)})` : fmtCount(lag);
}

function pickValue(frame: Frame, spec: FigureSpec): number | null {
  if (spec.pick === 'value' || spec.pick === 'rate') {
    const s = scalar(frame, spec.family, spec.labels);
    if (s === undefined) return null;
    return spec.pick === 'value' ? s.value : s.rate ?? null;
  }
  const h = histogram(frame, spec.family, spec.labels);
  return h === undefined ? null : h[spec.pick];
}

class Console {
  private readonly figures = new Map<FigureSpec, HTMLElement>();
  private readonly charts = new Map<string, LineChart>();
  /** Points a chart keeps: WINDOW_SECONDS at the stream's interval (set from the first frame). */
  private capacity = 0;
  private readonly refusalHistory = new Map<string, { atMs: number; total: number }[]>();
  private readonly depthCharts = new Map<number, { root: HTMLElement; chart: DepthChart }>();
  private source: EventSource | null = null;
  framesSeen = 0;

  constructor() {
    const figures = byId('figures');
    for (const spec of FIGURES) {
      const tile = document.createElement('div');
      tile.className = 'figure';
      tile.dataset.family = spec.family;
      tile.dataset.labels = labelText(spec.labels ?? {});
      tile.dataset.pick = spec.pick;
      const label = document.createElement('div');
      label.className = 'label';
      label.textContent = spec.label;
      const value = document.createElement('div');
      value.className = 'value';
      value.textContent = '–';
      tile.append(label, value);
      figures.appendChild(tile);
      this.figures.set(spec, tile);
    }
  }

  connect(symbols: string): void {
    this.source?.close();
    const status = byId('status');
    const source = new EventSource(`/console/stream${symbols === '' ? '' : `?symbols=${encodeURIComponent(symbols)}`}`);
    source.onmessage = (event: MessageEvent<string>) => this.render(JSON.parse(event.data) as Frame);
    source.onerror = () => {
      // EventSource retries a dropped stream by itself; a refused one (401: logged out, engine
      // restarted) it gives up on.
      status.textContent = source.readyState === EventSource.CLOSED ? 'disconnected: reload the page to log in again' : 'reconnecting…';
      status.className = 'badge bad';
    };
    this.source = source;
  }

  private chart(id: string, title: string, series: readonly string[], format: (v: number) => string, minTop = 0): LineChart {
    let chart = this.charts.get(id);
    if (chart === undefined) {
      chart = new LineChart(title, series, this.capacity, format, id, minTop);
      byId('charts').appendChild(chart.root);
      this.charts.set(id, chart);
    }
    return chart;
  }

  render(frame: Frame): void {
    if (this.capacity === 0) this.capacity = Math.max(2, Math.round((WINDOW_SECONDS * 1000) / frame.intervalMs));
    this.framesSeen++;
    document.body.dataset.frames = String(this.framesSeen);
    const status = byId('status');
    status.textContent = frame.health.status ?? 'ok';
    status.className = `badge ${frame.health.status === 'ok' ? 'ok' : 'bad'}`;
    byId('updated').textContent = `updated ${new Date(frame.atMs).toLocaleTimeString()} · every ${frame.intervalMs} ms`;
    for (const [spec, tile] of this.figures) {
      const v = pickValue(frame, spec);
      tile.dataset.value = v === null ? '' : String(v);
      (tile.lastElementChild as HTMLElement).textContent = v === null ? '–' : spec.display?.(v, frame) ?? spec.format(v);
    }
    const t = frame.atMs;
    const published = family(frame, 'ringline_commands_total');
    const publishedRate = published === undefined ? null : (published.series as ScalarSeries[]).reduce((a, s) => a + (s.rate ?? 0), 0);
    this.chart('commands', 'Commands per second', ['applied', 'received'], fmtCount)
      .push(t, [pickValue(frame, FIGURES[0]), publishedRate]);
    for (const [name, f] of Object.entries(frame.families)) {
      if (f.type !== 'histogram' || !name.includes('latency')) continue;
      for (const s of f.series as HistogramSeries[]) {
        const labels = labelText(s.labels);
        this.chart(`${name}{${labels}}`, `${name.replace(/^ringline_/, '')}${labels === '' ? '' : ` {${labels}}`}`, ['p50', 'p99', 'p99.9'], fmtMs)
          .push(t, [s.p50, s.p99, s.p999]);
      }
    }
    const capacity = scalar(frame, 'ringline_ring_capacity_slots')?.value ?? 0;
    const ring = (which: string): number | null => {
      const lag = scalar(frame, 'ringline_ring_lag_records', { ring: which })?.value;
      return lag === undefined || capacity === 0 ? null : (100 * lag) / capacity;
    };
    this.chart('ring', 'Ring occupancy (% of slots)', ['input', 'output'], fmtPct, 5).push(t, [ring('input'), ring('output')]);
    const fsync = histogram(frame, 'ringline_journal_fsync_seconds');
    this.chart('fsync', 'Journal fsync time', ['p50', 'p99'], fmtMs).push(t, [fsync?.p50 ?? null, fsync?.p99 ?? null]);
    const batch = histogram(frame, 'ringline_journal_batch_records');
    this.chart('batch', 'Journal batch size (records)', ['mean', 'p99'], (v) => v.toFixed(0)).push(t, [batch?.mean ?? null, batch?.p99 ?? null]);
    const gc = family(frame, 'ringline_gc_pause_seconds_total');
    if (gc !== undefined) {
      const series = gc.series as ScalarSeries[];
      this.chart('gc', 'GC pause (ms per second), by thread', series.map((s) => s.labels.thread ?? '?'), (v) => v.toFixed(1))
        .push(t, series.map((s) => (s.rate === null || s.rate === undefined ? null : s.rate * 1e3)));
    }
    this.renderRefusals(frame);
    this.renderReplication(frame);
    this.renderBooks(frame);
  }

  private renderRefusals(frame: Frame): void {
    const results = family(frame, 'ringline_results_total');
    const rows: string[][] = [];
    let refusalsRate = 0;
    for (const s of (results?.series ?? []) as ScalarSeries[]) {
      if (s.labels.code === '0') continue;
      const history = this.refusalHistory.get(s.labels.code) ?? [];
      history.push({ atMs: frame.atMs, total: s.value });
      while (history.length > 1 && history[0].atMs < frame.atMs - 60_000) history.shift();
      this.refusalHistory.set(s.labels.code, history);
      refusalsRate += s.rate ?? 0;
      rows.push([s.labels.code, s.labels.name ?? '', (s.rate ?? 0).toFixed(1), fmtCount(s.value - history[0].total), fmtCount(s.value), String(s.value)]);
    }
    rows.sort((a, b) => Number(b[5]) - Number(a[5]));
    const body = byId<HTMLTableElement>('refusals').tBodies[0];
    body.replaceChildren(...rows.map((r) => {
      const tr = document.createElement('tr');
      tr.dataset.code = r[0];
      tr.dataset.value = r[5];
      for (const cell of r.slice(0, 5)) {
        const td = document.createElement('td');
        td.textContent = cell;
        tr.appendChild(td);
      }
      return tr;
    }));
    this.chart('refusals', 'Refusals per second (every code but OK)', ['refused'], (v) => v.toFixed(1)).push(frame.atMs, [refusalsRate]);
  }

  private renderReplication(frame: Frame): void {
    const info = scalar(frame, 'ringline_engine_info');
    const mode = info?.labels.replication ?? 'off';
    const role = frame.health.role ?? frame.health.engine?.role ?? (mode === 'off' ? 'standalone (no replication)' : 'primary');
    const rows: [string, string, string][] = [
      ['role', String(role), ''],
      ['mode', mode, ''],
      ['epoch', String(scalar(frame, 'ringline_replication_epoch')?.value ?? '–'), 'ringline_replication_epoch'],
      ['followers connected', String(scalar(frame, 'ringline_replication_followers_connected')?.value ?? '–'), 'ringline_replication_followers_connected'],
      ['lag (records)', String(scalar(frame, 'ringline_replication_lag_records')?.value ?? '–'), 'ringline_replication_lag_records'],
      ['lag (last ack)', ((v) => (v === undefined ? '–' : fmtMs(v)))(scalar(frame, 'ringline_replication_lag_seconds')?.value), 'ringline_replication_lag_seconds'],
    ];
    const table = document.createElement('table');
    for (const [name, value, familyName] of rows) {
      const tr = document.createElement('tr');
      if (familyName !== '') tr.dataset.family = familyName;
      const a = document.createElement('td');
      a.textContent = name;
      const b = document.createElement('td');
      b.textContent = value;
      tr.append(a, b);
      table.appendChild(tr);
    }
    // Each follower: the replicator's (standby or cluster) and, in cluster mode, each peer's as etcd has it.
    const perFollower = document.createElement('table');
    perFollower.className = 'followers';
    perFollower.createTHead().innerHTML = '<tr><th>follower</th><th>lag (records)</th><th>acknowledged sequence</th></tr>';
    const body = perFollower.createTBody();
    const acked = family(frame, 'ringline_replication_follower_acked_sequence');
    const addRow = (name: string, lag: number, ackedText: string, familyName: string): void => {
      const tr = document.createElement('tr');
      tr.dataset.family = familyName;
      tr.dataset.follower = name;
      tr.dataset.value = String(lag);
      for (const text of [name, fmtCount(lag), ackedText]) {
        const td = document.createElement('td');
        td.textContent = text;
        tr.appendChild(td);
      }
      body.appendChild(tr);
    };
    for (const f of (family(frame, 'ringline_replication_follower_lag_records')?.series ?? []) as ScalarSeries[]) {
      const a = (acked?.series as ScalarSeries[] | undefined)?.find((x) => x.labels.follower === f.labels.follower)?.value;
      addRow(f.labels.follower ?? '?', f.value, a === undefined ? '–' : String(a), 'ringline_replication_follower_lag_records');
    }
    for (const p of (family(frame, 'ringline_cluster_peer_lag_records')?.series ?? []) as ScalarSeries[]) {
      addRow(`node ${p.labels.node ?? '?'} (etcd)`, p.value, '–', 'ringline_cluster_peer_lag_records');
    }
    const note = document.createElement('p');
    note.className = 'muted';
    note.textContent = body.rows.length === 0 ? 'No follower connected.'
      : 'Per follower: published minus its acknowledged sequence (reported every 250 ms); cluster peers as they publish it in etcd.';
    byId('replication').replaceChildren(table, perFollower, note);
  }

  /** The panel of one symbol: title, top of book, depth chart, latest trades. */
  private bookEntry(symbolId: number): { root: HTMLElement; chart: DepthChart } {
    let entry = this.depthCharts.get(symbolId);
    if (entry === undefined) {
      const root = document.createElement('div');
      root.className = 'book';
      root.dataset.symbol = String(symbolId);
      const chart = new DepthChart(`symbol ${symbolId} depth`);
      const title = document.createElement('h3');
      title.textContent = `symbol ${symbolId}`;
      const trades = document.createElement('table');
      trades.className = 'trades';
      trades.createCaption().textContent = 'latest trades';
      trades.createTHead().innerHTML = '<tr><th>time</th><th>taker</th><th>price</th><th>qty</th></tr>';
      trades.createTBody();
      root.append(title, document.createElement('div'), chart.svg, trades);
      byId('books').appendChild(root);
      entry = { root, chart };
      this.depthCharts.set(symbolId, entry);
    }
    return entry;
  }

  private renderBooks(frame: Frame): void {
    const seen = new Set<number>();
    for (const book of frame.books) {
      seen.add(book.symbolId);
      const entry = this.bookEntry(book.symbolId);
      const [title, top] = [entry.root.children[0] as HTMLElement, entry.root.children[1] as HTMLElement];
      title.textContent = `symbol ${book.symbolId}${book.code === 0 ? '' : ` — ${book.status}`} · as of sequence ${book.sequence}`;
      top.className = 'top';
      const bid = book.bids[0];
      const ask = book.asks[0];
      top.innerHTML = '';
      const cell = (cls: string, text: string, value: string): void => {
        const span = document.createElement('span');
        span.className = cls;
        span.dataset.value = value;
        span.textContent = text;
        top.appendChild(span);
      };
      cell('bid', bid === undefined ? 'no bids' : `bid ${bid[1]} @ ${bid[0]}`, bid === undefined ? '' : String(bid[0]));
      cell('ask', ask === undefined ? 'no asks' : `ask ${ask[1]} @ ${ask[0]}`, ask === undefined ? '' : String(ask[0]));
      cell('muted', `${book.bids.length} / ${book.asks.length} levels`, '');
      entry.chart.draw(book.bids, book.asks);
    }
    for (const symbol of frame.trades ?? []) {
      seen.add(symbol.symbolId);
      const table = this.bookEntry(symbol.symbolId).root.querySelector('table.trades') as HTMLTableElement;
      table.dataset.count = String(symbol.trades.length);
      table.caption?.replaceChildren(symbol.unavailable === '' ? `latest trades (${symbol.trades.length})` : `latest trades: ${symbol.unavailable}`);
      table.tBodies[0].replaceChildren(...symbol.trades.map((t) => {
        const tr = document.createElement('tr');
        tr.className = t.takerSide;
        tr.dataset.sequence = String(t.sequence);
        tr.dataset.price = String(t.price);
        tr.dataset.quantity = String(t.quantity);
        for (const text of [new Date(t.timestampUs / 1000).toLocaleTimeString(), t.takerSide, String(t.price), String(t.quantity)]) {
          const td = document.createElement('td');
          td.textContent = text;
          tr.appendChild(td);
        }
        return tr;
      }));
    }
    for (const [id, entry] of this.depthCharts) {
      if (!seen.has(id) && (frame.books.length > 0 || (frame.trades?.length ?? 0) > 0)) {
        entry.root.remove();
        this.depthCharts.delete(id);
      }
    }
  }
}

function start(): void {
  const input = byId<HTMLInputElement>('symbols');
  input.value = localStorage.getItem(SYMBOLS_KEY) ?? '';
  const app = new Console();
  app.connect(input.value.trim());
  byId<HTMLFormElement>('symbols-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const symbols = input.value.replace(/\s+/g, '');
    localStorage.setItem(SYMBOLS_KEY, symbols);
    app.connect(symbols);
  });
}

start();
