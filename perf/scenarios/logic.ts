/**
 * logic: the business-logic state machine alone, in a worker thread, applying pre-encoded input
 * records (no ring, no journal, no gateway).
 *
 *   main thread ──spawn──► logic bench worker: N state machines (one per run) ← the same record chunks
 *                          timed: machine.apply() over a chunk of 131,072 records, result code read
 *                          untimed: writing the records, restoring seats between chunks, and a
 *                          warm-up of the first chunk on a throwaway machine (the timed loop runs optimized code)
 *
 * Cases (perf/workers/logic_workloads.ts): transfer, stock-buy, seat-booking, checkout,
 * order-mix-1k and order-mix-100k (exchange-core's mix: 9% GTC, 3% IOC, 6% cancel, 82% move) and
 * order-crossing, order-mix-stops (order-mix-1k with 10% stop orders and OCO pairs that trigger and
 * cascade) and margin (order-mix-1k with 6% short sales, 4% covers and the liquidations price moves cause). Checks: every machine ends with the same state hash (for order streams, the hash of
 * the generator machine that produced the stream); a mismatch counts as an error. GC events are those
 * that started inside the timed windows (target 0).
 *
 * Every case runs twice: with event emission on (the engine's default: every event record written,
 * case `transfer`) and off (engine option events: false, case `transfer events-off`).
 */
import type { LogicBenchReply, LogicBenchRequest } from '../workers/logic_bench_worker.ts';
import { CHUNK_RECORDS, WORKLOAD_NAMES, type WorkloadName } from '../workers/logic_workloads.ts';
import { median } from '../median.ts';
import { runWorkerForReply } from '../worker_reply.ts';
import type { ResultRow, ScenarioOptions, ScenarioRun } from '../result_row.ts';

const WORKER_URL = new URL('../workers/logic_bench_worker.ts', import.meta.url);

export function runLogicWorker(request: LogicBenchRequest): Promise<LogicBenchReply> {
  return runWorkerForReply<LogicBenchReply>(WORKER_URL, request, `logic bench worker (${request.workload})`);
}

function commandsFor(workload: WorkloadName, mode: ScenarioOptions['mode']): number {
  if (mode === 'full') return 10_000_000;
  return workload.startsWith('order') || workload === 'margin' ? 1_000_000 : 2_000_000;
}

export const run: ScenarioRun = async (options) => {
  const rows: ResultRow[] = [];
  for (const workload of WORKLOAD_NAMES) for (const events of [true, false]) {
    const commands = commandsFor(workload, options.mode);
    const name = events ? workload : `${workload} events-off`;
    options.log(`logic ${name}: ${commands.toLocaleString('en-US')} commands × ${options.runs} runs`);
    const reply = await runLogicWorker({ workload, commands, runs: options.runs, events });
    const throughput = Math.round(median(reply.perSecond));
    options.log(`logic ${name}: ${(throughput / 1e6).toFixed(2)} M commands/s (best chunk ${(reply.bestChunkPerSecond / 1e6).toFixed(2)} M/s, ` +
      `per CPU-second of the logic thread ${(reply.cpuPerSecond / 1e6).toFixed(2)} M), ` +
      `GC events in timed loop ${reply.gcTimed}${reply.gcTimed > 0 ? ` (${reply.gcTimedKinds})` : ''}, ` +
      `rejected ${reply.rejected}, hash ${reply.hashMismatches === 0 ? 'ok' : 'MISMATCH'}`);
    rows.push({
      scenario: 'logic',
      case: name,
      conditions: {
        commands, runs: options.runs, events: events ? 'on' : 'off', thread: 'worker', chunkRecords: CHUNK_RECORDS, check: 'state hash equal across runs',
        rejected: reply.rejected, gcEventsOutsideTimedLoop: reply.gcUntimed, gcTimedKinds: reply.gcTimedKinds, stateHash: reply.stateHash,
        perRunPerSecond: reply.perSecond.map((x) => Math.round(x)).join(' '),
        bestChunkPerSecond: Math.round(reply.bestChunkPerSecond), perCpuSecond: Math.round(reply.cpuPerSecond),
      },
      throughput_per_s: throughput,
      latency_us: null,
      gc_events: { 'logic-worker': reply.gcTimed },
      errors: reply.hashMismatches,
    });
  }
  return rows;
};
