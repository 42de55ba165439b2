/**
 * e2e-http: the engine in a child process, driven over HTTP/1.1 keep-alive `POST /v1/commands/buy`
 * JSON requests (bearer key in every request) from 64 connections, one request in flight each (uWS
 * does not allow pipelining with asynchronous responses), by the raw-socket load generator.
 * Cases: max-throughput (closed loop, fsync), rate-50k and rate-10k (open loop, fsync).
 */
import type { ScenarioRun } from '../result_row.ts';
import { runE2eCases, type E2eCase } from '../engine/e2e_run.ts';

export const HTTP_CASES: readonly E2eCase[] = [
  { name: 'max-throughput', mix: 'stock-buy', durability: 'fsync', mode: 'closed', ratePerS: 0 },
  { name: 'rate-50k', mix: 'stock-buy', durability: 'fsync', mode: 'open', ratePerS: 50_000 },
  { name: 'rate-10k', mix: 'stock-buy', durability: 'fsync', mode: 'open', ratePerS: 10_000 },
];

export const run: ScenarioRun = (options) => runE2eCases('e2e-http', 'http', HTTP_CASES, options);
