/**
 * One row of a bench result, as written by `npm run bench -- <scenario> --json out.json`:
 * `{"machine": {...}, "results": [ResultRow, ...]}`. Other tools read this format; keep it stable.
 */
export interface LatencyPercentilesUs {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly p9999: number;
  readonly max: number;
}

export interface ResultRow {
  /** ring, codec, logic, journal, replay, e2e-tcp, e2e-ws, e2e-http, peers, ... */
  readonly scenario: string;
  /** Headline names are fixed by the issue (e.g. ring "1to1-batched"); others are free. */
  readonly case: string;
  /** Everything needed to reproduce the figure: strategy, batch sizes, durability, rate, mix, runs... */
  readonly conditions: Record<string, string | number | boolean>;
  /** Median over the runs, operations per second; null where not measured. */
  readonly throughput_per_s: number | null;
  readonly latency_us: LatencyPercentilesUs | null;
  /** Thread name → GC events counted during the measurement, or null where not counted. */
  readonly gc_events: Record<string, number> | null;
  /** e2e rows: engine thread → milliseconds spent in GC during the load (`engine:main` is the gateway's event loop). */
  readonly gc_pause_ms?: Record<string, number>;
  readonly errors: number;
  readonly peer?: string;
  readonly ratio_vs_peer?: number;
  /**
   * Where the engine's time went, per stage, for commands it sampled (1 in 64) during the measurement:
   * publish, apply, journal, replicate, reply, total (engine/stage_latency.ts says what each spans).
   */
  readonly stages?: Readonly<Record<string, StageFigures>>;
  /** Figures per interval of a long run (soak), oldest first. */
  readonly timeline?: readonly TimelinePoint[];
}

/** One stage's latency over a measurement, read from half-octave buckets (±19%). */
export interface StageFigures {
  readonly samples: number;
  readonly p50_us: number;
  readonly p90_us: number;
  readonly p99_us: number;
  readonly mean_us: number;
}

/** One interval of a long run: the replies that arrived in it, and the engine's memory at its end. */
export interface TimelinePoint {
  /** Seconds from the start of the measurement to the end of the interval. */
  readonly t_s: number;
  readonly rss_mib: number;
  readonly completed: number;
  readonly p50_us: number;
  readonly p99_us: number;
  readonly max_us: number;
  readonly errors: number;
  readonly dropped: number;
  /** Snapshots the engine's logic had asked for by the end of the interval. */
  readonly snapshots: number;
  /** GC events in the business-logic thread since the load started (the probe's warm-up excluded). */
  readonly logic_gc_events: number;
  /** The engine's stage latencies over this interval (GET /metrics, half-octave buckets: ±19%), with `fdatasync`. */
  readonly stages?: Record<string, StageFigures>;
  /** GC events and their pause time per engine thread in this interval (`engine:main` is the gateway). */
  readonly engine_gc_events?: Record<string, number>;
  readonly engine_gc_pause_ms?: Record<string, number>;
  /**
   * The gateway thread's collections by kind in this interval and its heap at the interval's end
   * (Node's default metrics on /metrics): old space used, young generation capacity, external memory.
   */
  readonly gateway_heap?: {
    readonly major_gcs: number; readonly minor_gcs: number; readonly old_mib: number; readonly new_capacity_mib: number; readonly external_mib: number;
  };
}

export interface ScenarioOptions {
  /** --quick (default: the whole suite within ~3 minutes) or --full (the figures quoted in the README). */
  readonly mode: 'quick' | 'full';
  /** Runs per case; the row reports the median. */
  readonly runs: number;
  /** Print progress lines to stderr. */
  readonly log: (line: string) => void;
}

/** Every scenario module under perf/scenarios exports `run` with this shape. */
export type ScenarioRun = (options: ScenarioOptions) => Promise<ResultRow[]>;
