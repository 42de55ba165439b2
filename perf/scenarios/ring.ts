/**
 * ring: the SharedArrayBuffer ring on its own, for each wait strategy.
 *
 *   1to1:  producer ──► RING ──► consumer          1to3 (diamond fan-out, as logic + journaler + replicator):
 *                                                   producer ──► RING ──┬──► consumer 0
 *                                                                       ├──► consumer 1
 *                                                                       └──► consumer 2
 * Cases (per strategy; the default strategy's rows carry the bare headline names, the others a
 * `@strategy` suffix):
 *   1to1-batched / 1to3-batched      throughput, producer publishes every 64 events
 *   1to1-unbatched / 1to3-unbatched  throughput, producer publishes every event
 *   hop-100k / hop-100k-1to3         hop latency at a constant 100k events/s, from the intended send
 *                                    time (open loop), consumer batches up to 1024
 * Every thread is a worker; the main thread only waits. Throughput = events / (last consumer done −
 * first publish), on the process-wide monotonic clock. Every consumer checks every sequence; a wrong
 * one counts as an error. The figure is the median over `runs`. RING_BENCH_STRATEGIES and
 * RING_BENCH_CASES (comma lists of strategy / case names) narrow a run. On 2 cores, 1to3 puts 4 threads on 2
 * cores: spinning strategies then fight the scheduler, which is the point of showing them.
 */
import { cpus, loadavg } from 'node:os';
import { DEFAULT_WAIT_STRATEGY } from '../../engine/engine_options.ts';
import type { RingBenchReport, RingBenchWorkerData } from '../workers/ring_bench_worker.ts';
import { Ring, createRingMemory } from '../../core/ring/ring.ts';
import { WAIT_STRATEGY_NAMES, type WaitStrategyName } from '../../core/ring/wait_strategy.ts';
import { spawnWorker } from '../../core/spawn_worker.ts';
import { waitAsync } from '../../core/atomics_wait_async.ts';
import { LatencyHistogram } from '../histogram.ts';
import { medianRun } from '../median.ts';
import type { ResultRow, ScenarioOptions, ScenarioRun } from '../result_row.ts';

const WORKER_URL = new URL('../workers/ring_bench_worker.ts', import.meta.url);
const RING_CAPACITY = 8192;
const PUBLISH_BATCH = 64;
const CONSUMER_BATCH_MAX = 1024;
const HOP_RATE_PER_S = 100_000;

interface CaseSpec {
  readonly name: string;
  readonly consumers: number;
  readonly publishBatch: number;
  readonly ratePerS: number;
}

const CASES: readonly CaseSpec[] = [
  { name: '1to1-batched', consumers: 1, publishBatch: PUBLISH_BATCH, ratePerS: 0 },
  { name: '1to1-unbatched', consumers: 1, publishBatch: 1, ratePerS: 0 },
  { name: '1to3-batched', consumers: 3, publishBatch: PUBLISH_BATCH, ratePerS: 0 },
  { name: '1to3-unbatched', consumers: 3, publishBatch: 1, ratePerS: 0 },
  { name: 'hop-100k', consumers: 1, publishBatch: PUBLISH_BATCH, ratePerS: HOP_RATE_PER_S },
  { name: 'hop-100k-1to3', consumers: 3, publishBatch: PUBLISH_BATCH, ratePerS: HOP_RATE_PER_S },
];

interface RunOutcome {
  readonly perSecond: number;
  readonly errors: number;
  readonly gc: Record<string, number>;
  readonly histogram: string[];
  readonly count: number;
}

async function report(worker: ReturnType<typeof spawnWorker>): Promise<RingBenchReport> {
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`ring bench worker exited with code ${code}`)));
  });
}

async function runOnce(spec: CaseSpec, strategy: WaitStrategyName, events: number, maxMs: number): Promise<RunOutcome> {
  const ringMemory = createRingMemory({ capacity: RING_CAPACITY, consumerCount: spec.consumers, firstSequence: 0 });
  const controlMemory = new SharedArrayBuffer(8);
  const control = new Int32Array(controlMemory);
  const base = {
    ringMemory, controlMemory, waitStrategy: strategy, events, maxMs, publishBatch: spec.publishBatch,
    consumerBatchMax: CONSUMER_BATCH_MAX, ratePerS: spec.ratePerS,
  };
  const workers = [
    spawnWorker(WORKER_URL, { ...base, role: 'producer', consumerIndex: 0 } satisfies RingBenchWorkerData),
    ...Array.from({ length: spec.consumers }, (_, consumerIndex) =>
      spawnWorker(WORKER_URL, { ...base, role: 'consumer', consumerIndex } satisfies RingBenchWorkerData)),
  ];
  try {
    const reports = workers.map(report);
    // Start together once every thread is up (thread start-up with the TypeScript loader takes a while).
    for (let ready = Atomics.load(control, 1); ready < workers.length; ready = Atomics.load(control, 1)) {
      const w = waitAsync(control, 1, ready, 1000);
      if (w.async) await w.value;
    }
    Atomics.store(control, 0, 1);
    Atomics.notify(control, 0);
    const producer = await reports[0];
    new Ring(ringMemory).halt(); // the producer is done: consumers drain and report
    const consumers = await Promise.all(reports.slice(1));
    let errors = 0;
    let endNs = 0;
    const gc: Record<string, number> = { producer: producer.gcEvents };
    consumers.forEach((c, i) => {
      errors += c.errors + (c.count === producer.count ? 0 : 1);
      endNs = Math.max(endNs, c.endNs);
      gc[`consumer${i}`] = c.gcEvents;
    });
    return {
      perSecond: producer.count / ((endNs - producer.startNs) / 1e9),
      errors, gc, count: producer.count,
      histogram: consumers.map((c) => c.histogram).filter((h): h is string => h !== null),
    };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

function caseName(spec: CaseSpec, strategy: WaitStrategyName): string {
  return strategy === DEFAULT_WAIT_STRATEGY ? spec.name : `${spec.name}@${strategy}`;
}

export const run: ScenarioRun = async (options: ScenarioOptions): Promise<ResultRow[]> => {
  const quick = options.mode === 'quick';
  const throughputEvents = quick ? 20_000_000 : 200_000_000;
  const throughputMaxMs = quick ? 600 : 3000;
  const hopMs = quick ? 1000 : 5000;
  const rows: ResultRow[] = [];
  // RING_BENCH_STRATEGIES / RING_BENCH_CASES (comma lists) narrow the run, e.g. while tuning.
  const strategyFilter = process.env.RING_BENCH_STRATEGIES?.split(',');
  const caseFilter = process.env.RING_BENCH_CASES?.split(',');
  const strategies = [DEFAULT_WAIT_STRATEGY, ...WAIT_STRATEGY_NAMES.filter((s) => s !== DEFAULT_WAIT_STRATEGY)]
    .filter((s) => strategyFilter === undefined || strategyFilter.includes(s));
  for (const strategy of strategies) {
    for (const spec of CASES.filter((c) => caseFilter === undefined || caseFilter.includes(c.name))) {
      const paced = spec.ratePerS > 0;
      const events = paced ? Math.round((spec.ratePerS * hopMs) / 1000) : throughputEvents;
      const maxMs = paced ? hopMs * 2 : throughputMaxMs;
      const outcomes: RunOutcome[] = [];
      for (let r = 0; r < options.runs; r++) outcomes.push(await runOnce(spec, strategy, events, maxMs));
      const pick = medianRun(outcomes, (o) => (paced ? percentile50(o) : o.perSecond));
      let latency = null;
      if (paced) {
        const h = new LatencyHistogram(10_000_000_000);
        for (const e of pick.histogram) h.addEncoded(e);
        latency = h.percentilesUs();
        h.destroy();
      }
      const row: ResultRow = {
        scenario: 'ring',
        case: caseName(spec, strategy),
        conditions: {
          strategy, producers: 1, consumers: spec.consumers, publishBatch: spec.publishBatch,
          consumerBatchMax: CONSUMER_BATCH_MAX, ringCapacity: RING_CAPACITY, events: pick.count,
          ratePerS: spec.ratePerS, runs: options.runs, cores: cpus().length, node: process.version,
          default_strategy: strategy === DEFAULT_WAIT_STRATEGY, loadavg1m: Number(loadavg()[0].toFixed(2)),
        },
        throughput_per_s: paced ? null : Math.round(medianOf(outcomes.map((o) => o.perSecond))),
        latency_us: latency,
        gc_events: pick.gc,
        errors: outcomes.reduce((sum, o) => sum + o.errors, 0),
      };
      options.log(`ring ${row.case}: ${paced ? `p50 ${latency?.p50} µs p99 ${latency?.p99} µs max ${latency?.max} µs`
        : `${(row.throughput_per_s! / 1e6).toFixed(1)} M/s`} errors ${row.errors}`);
      rows.push(row);
    }
  }
  return rows;
};

function medianOf(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function percentile50(outcome: RunOutcome): number {
  const h = new LatencyHistogram(10_000_000_000);
  for (const e of outcome.histogram) h.addEncoded(e);
  const p = h.percentilesUs();
  h.destroy();
  return p === null ? 0 : p.p50;
}
