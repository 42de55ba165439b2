/**
 * client: the TypeScript client library itself (@ringline/client), one RinglineClient on one TCP
 * connection in a worker thread, `send()` called for every command without awaiting (pipelined up to
 * maxInFlight), against a server in the main thread that answers each frame with its own correlation
 * id and does nothing else (perf/load/correlation_echo_server.ts). The figure is the client's ceiling:
 * encode, frame, write, read, decode, match, resolve. Goal ≥ 300k commands/s from one process.
 *
 *   pipelined/deposit   deposits (each with an idempotency id), 4096 always in flight (each answer sends the next)
 */
import { perSecond } from '../clock.ts';
import { medianRun, repeatRuns } from '../median.ts';
import { startCorrelationEchoServer } from '../load/correlation_echo_server.ts';
import type { ResultRow, ScenarioOptions, ScenarioRun } from '../result_row.ts';
import { runWorkerForReply } from '../worker_reply.ts';
import type { ClientBenchReply, ClientBenchRequest } from '../workers/client_bench_worker.ts';

const WORKER_URL = new URL('../workers/client_bench_worker.ts', import.meta.url);
const MAX_IN_FLIGHT = 4096;

export const run: ScenarioRun = async (options: ScenarioOptions) => {
  const commands = options.mode === 'full' ? 2_000_000 : 300_000;
  const server = await startCorrelationEchoServer();
  try {
    const request: ClientBenchRequest = { url: `tcp://127.0.0.1:${server.port}`, commands, maxInFlight: MAX_IN_FLIGHT };
    const runs = await repeatRuns(options.runs, async (i) => {
      const reply = await runWorkerForReply<ClientBenchReply>(WORKER_URL, request, 'client bench worker');
      options.log(`run ${i + 1}/${options.runs}: ${Math.round(perSecond(reply.count, reply.ns))} commands/s, ${reply.gc} GC events`);
      return reply;
    });
    const best = medianRun(runs, (r) => perSecond(r.count, r.ns));
    const row: ResultRow = {
      scenario: 'client',
      case: 'pipelined/deposit',
      conditions: { transport: 'tcp loopback', connections: 1, maxInFlight: MAX_IN_FLIGHT, commands, server: 'correlation echo (main thread)', runs: options.runs },
      throughput_per_s: Math.round(perSecond(best.count, best.ns)),
      latency_us: null,
      gc_events: { client: best.gc },
      errors: runs.reduce((sum, r) => sum + r.errors, 0),
    };
    return [row];
  } finally {
    await server.close();
  }
};
