/**
 * The `loadgen-ceiling` case: the e2e closed-loop load (same connections, pipeline and message) against
 * a server that answers with canned replies. Its throughput is the most the generator can measure here.
 */
import type { ResultRow, ScenarioOptions } from '../result_row.ts';
import { median } from '../median.ts';
import { startCannedReplyServer } from '../load/canned_reply_server.ts';
import { runLoad } from '../load/run_load.ts';
import { encodeLogin, patchableRequest } from '../load/wire_requests.ts';
import { e2eSizing } from './e2e_run.ts';

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
