/**
 * The console's clock: while at least one console is open, every `intervalMs` (default 1 s)
 * it reads the metrics registry once (the ringline_* families and a few process ones: the same
 * collect() functions /metrics runs, reading the engine's shared counters), builds one frame
 * (console_frame.ts), serialises it once, and hands the text to every open console. All on the main
 * thread, between the gateway's own work. Order books and latest trades of watched symbols come from
 * the event hub's market stream (console_market.ts): the logic thread sees one read-only GET_DEPTH when
 * a symbol is first watched, and then nothing while the symbol's stream is live. With no console open
 * nothing runs.
 */
import type { Registry } from 'prom-client';
import { buildFrame, type FamilyReading, type Reading } from './console_frame.ts';
import type { BookView } from './console_books.ts';
import type { ConsoleMarket } from './console_market.ts';
import type { SymbolTrades } from './console_trades.ts';

/**
 * Once a second: a frame costs the main thread ~2–3 ms (reading and building ~1, writing the ~7 KB
 * frame ~1, its garbage), so 4 Hz cost an engine taking 50k commands/s (~0.45 of a core) about 2% of
 * its CPU; 1 Hz keeps one console under the ≤ 1% bar (docs/performance.md, the operator console).
 */
export const DEFAULT_CONSOLE_INTERVAL_MS = 1000;
/** Percentiles and polls are per second whatever the interval. */
const MS_PER_WINDOW = 1000;
/**
 * Where a watched symbol has no market stream (it does not exist yet, or the engine has no events), its
 * book is asked once a second: each GET_DEPTH wakes the logic, journaler and output stages of an idle
 * engine, which costs more than building a frame.
 */
/**
 * Families outside ringline_* that the page shows. prom-client updates process_cpu_seconds_total only
 * when process_cpu_user_seconds_total is collected (registered before it), so both are read.
 */
const PROCESS_FAMILIES = new Set(['process_cpu_user_seconds_total', 'process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes']);

export interface ConsoleSubscriber {
  /** Symbols this console watches. */
  readonly symbolIds: readonly number[];
  /** Principal of the console's login (stamps its GET_DEPTH queries). */
  readonly principalId: number;
  /** One serialised frame; returns false when the console is gone. */
  send(frameJson: string): void;
}

export interface ConsoleFeedOptions {
  readonly registry: Registry;
  /** The /health object, shown as is (status, storage, cluster role when there is one). */
  readonly health: () => unknown;
  /** Order books and latest trades of watched symbols; null: none shown. */
  readonly market: ConsoleMarket | null;
  readonly intervalMs?: number;
}

export class ConsoleFeed {
  private readonly subscribers = new Set<ConsoleSubscriber>();
  private readonly readings: Reading[] = [];
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  readonly intervalMs: number;
  /** Readings kept for the histogram window (percentiles cover the last ~second) and ticks between book polls. */
  private readonly ticksPerSecond: number;
  /** Frames built since start (for tests and the bench). */
  framesBuilt = 0;
  /**
   * Main-thread time spent in ticks (reading the registry, building, serialising and writing frames),
   * ms: ringline_console_seconds_total, what the console's own work costs the engine. Wall time: on a
   * busy machine a preempted tick counts the wait too, so this only ever counts high (Node 20 has no
   * thread CPU clock, and Linux's per-thread schedstat is only updated at context switches).
   */
  tickMs = 0;
  private ticks = 0;

  constructor(private readonly options: ConsoleFeedOptions) {
    this.intervalMs = options.intervalMs ?? DEFAULT_CONSOLE_INTERVAL_MS;
    if (!Number.isInteger(this.intervalMs) || this.intervalMs < 50 || this.intervalMs > 60_000) {
      throw new RangeError(`console intervalMs must be an integer from 50 to 60000, got ${String(options.intervalMs)}`);
    }
    this.ticksPerSecond = Math.max(1, Math.round(MS_PER_WINDOW / this.intervalMs));
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  subscribe(subscriber: ConsoleSubscriber): () => void {
    this.subscribers.add(subscriber);
    if (this.timer === null) {
      this.timer = setInterval(() => void this.tick(), this.intervalMs);
      this.timer.unref();
      void this.tick();
    }
    return () => {
      this.subscribers.delete(subscriber);
      if (this.subscribers.size === 0) this.stop();
    };
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.readings.length = 0;
    this.options.market?.close();
  }

  /** One reading and one frame to every subscriber; a tick still running skips the next. */
  async tick(): Promise<void> {
    if (this.busy || this.subscribers.size === 0) return;
    this.busy = true;
    const startedMs = performance.now();
    try {
      const reading = await this.read();
      const previous = this.readings.length === 0 ? null : this.readings[this.readings.length - 1];
      const windowStart = this.readings.length === 0 ? null : this.readings[0];
      this.readings.push(reading);
      if (this.readings.length > this.ticksPerSecond) this.readings.shift();
      const symbols = this.watchedSymbols();
      const market = this.options.market;
      let bookViews: BookView[] = [];
      let tradeViews: SymbolTrades[] = [];
      if (market !== null) {
        market.watch(symbols, this.anyPrincipal(), this.ticks % this.ticksPerSecond === 0);
        bookViews = market.books(symbols);
        tradeViews = market.trades(symbols);
      }
      this.ticks++;
      const frame = {
        ...buildFrame(reading, previous, windowStart), intervalMs: this.intervalMs, health: this.options.health(), books: bookViews, trades: tradeViews,
      };
      const text = JSON.stringify(frame);
      this.framesBuilt++;
      for (const s of this.subscribers) s.send(text);
    } finally {
      this.busy = false;
      this.tickMs += performance.now() - startedMs;
    }
  }

  private async read(): Promise<Reading> {
    const families = new Map<string, FamilyReading>();
    const atMs = Date.now();
    for (const metric of this.options.registry.getMetricsAsArray()) {
      const name = (metric as { name: string }).name;
      if (!name.startsWith('ringline_') && !PROCESS_FAMILIES.has(name)) continue;
      const got = await (metric as unknown as { get(): Promise<FamilyReading> }).get();
      // prom-client's own metrics hand out their live value objects, updated in place by the next
      // collect: copy them, or the previous reading would hold today's values and every rate be 0.
      families.set(name, { name: got.name, type: got.type, values: got.values.map((v) => ({ value: v.value, labels: v.labels, metricName: v.metricName })) });
    }
    return { atMs, families };
  }

  private watchedSymbols(): number[] {
    const all: number[] = [];
    for (const s of this.subscribers) for (const id of s.symbolIds) if (!all.includes(id)) all.push(id);
    return all;
  }

  private anyPrincipal(): number {
    for (const s of this.subscribers) return s.principalId;
    return 0;
  }
}
