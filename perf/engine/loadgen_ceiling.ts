/**
 * The generator against a server that answers with canned replies (no engine):
 *   loadgen-ceiling    the e2e closed-loop load (same connections, pipeline and message): its throughput
 *                      is the most the generator can measure here;
 *   loadgen-floor-50k  the rate-50k open-loop load: its latency is what the generator's pacing, loopback
 *                      TCP and a Node server's event loop add to every rate-50k figure, engine or not.
 */
import type { ResultRow, ScenarioOptions } from '../result_row.ts';
import { median, medianRun } from '../median.ts';
import { publishCurve } from '../report/curve_store.ts';
import { startCannedReplyServer } from '../load/canned_reply_server.ts';
import { runLoad } from '../load/run_load.ts';
import { encodeLogin, patchableRequest } from '../load/wire_requests.ts';
import { e2eSizing, OPEN_LOOP_PACING_US } from './e2e_run.ts';
import type { LatencyHistogram } from '../histogram.ts';

export async function loadgenCeilingRow(options: ScenarioOptions): Promise<ResultRow> {
  const sizing = e2eSizing(options.mode, 'closed', 'tcp');
  const throughputs: number[] = [];
  let gc: Record<string, number> = {};
  for (let i = 0; i < options.runs; i++) {
    const server = await startCannedReplyServer();
    try {
      const r = await runLoad({
        transport: 'tcp', host: '127.0.0.1', port: server.port, wsPath: '/', connections: sizing.connections, mode: 'closed',
        pipelineMax: sizing.pipelineMax, writeBatch: sizing.writeBatch, ratePerS: 1, pacingSleepUs: 0,
        warmupMs: sizing.warmupMs, durationMs: sizing.durationMs, drainMs: 2000, login: encodeLogin('canned'),
        messages: [patchableRequest({ kind: 'buy', itemId: 1, buyerAccountId: 2, quantity: 1, maxUnitPrice: 0 }, true)],
        idStart: 1, recordLatency: true,
      }, sizing.workers);
      throughputs.push(r.throughputPerS);
      gc = r.gcEvents;
      r.histogram?.destroy();
      options.log(`loadgen-ceiling run ${i + 1}/${options.runs}: ${Math.round(r.throughputPerS)}/s`);
    } finally {
      await server.close();
    }
  }
  return {
    scenario: 'e2e-tcp',
    case: 'loadgen-ceiling',
    conditions: {
      server: 'canned OK replies (no engine)', transport: 'tcp', load: 'closed-loop', pipeline_per_connection: sizing.pipelineMax,
      write_batch: sizing.writeBatch, connections: sizing.connections, load_workers: sizing.workers, duration_ms: sizing.durationMs, runs: options.runs,
    },
    throughput_per_s: Math.round(median(throughputs)),
    latency_us: null,
    gc_events: gc,
    errors: 0,
  };
}

/** The rate-50k load (open loop, same connections and pacing) against canned replies. */
export async function loadgenFloorRow(options: ScenarioOptions): Promise<ResultRow> {
  const sizing = e2eSizing(options.mode, 'open', 'tcp');
  const ratePerS = 50_000;
  const runs: { throughput: number; histogram: LatencyHistogram; gc: Record<string, number> }[] = [];
  for (let i = 0; i < options.runs; i++) {
    const server = await startCannedReplyServer();
    try {
      const r = await runLoad({
        transport: 'tcp', host: '127.0.0.1', port: server.port, wsPath: '/', connections: sizing.connections, mode: 'open',
        pipelineMax: sizing.pipelineMax, writeBatch: sizing.writeBatch, ratePerS, pacingSleepUs: OPEN_LOOP_PACING_US,
        warmupMs: sizing.warmupMs, durationMs: sizing.durationMs, drainMs: 2000, login: encodeLogin('canned'),
        messages: [patchableRequest({ kind: 'buy', itemId: 1, buyerAccountId: 2, quantity: 1, maxUnitPrice: 0 }, true)],
        idStart: 1, recordLatency: true,
      }, sizing.workers);
      if (r.histogram === null) throw new Error('loadgen-floor-50k: the load recorded no latency');
      const p = r.histogram.percentilesUs();
      options.log(`loadgen-floor-50k run ${i + 1}/${options.runs}: ${Math.round(r.throughputPerS)}/s, p50 ${p?.p50} µs, p99 ${p?.p99} µs`);
      runs.push({ throughput: r.throughputPerS, histogram: r.histogram, gc: r.gcEvents });
    } finally {
      await server.close();
    }
  }
  const chosen = medianRun(runs, (r) => r.histogram.valueAtPercentileNs(99));
  publishCurve('e2e-tcp', 'loadgen-floor-50k', chosen.histogram.percentileCurve());
  const row: ResultRow = {
    scenario: 'e2e-tcp',
    case: 'loadgen-floor-50k',
    conditions: {
      server: 'canned OK replies (no engine)', transport: 'tcp', load: 'open-loop', rate_per_s: ratePerS, pacing_sleep_us: OPEN_LOOP_PACING_US,
      connections: sizing.connections, load_workers: sizing.workers, warmup_ms: sizing.warmupMs, duration_ms: sizing.durationMs, runs: options.runs,
      latency_from: 'intended send time',
    },
    throughput_per_s: Math.round(median(runs.map((r) => r.throughput))),
    latency_us: chosen.histogram.percentilesUs(),
    gc_events: chosen.gc,
    errors: 0,
  };
  for (const r of runs) r.histogram.destroy();
  return row;
}
