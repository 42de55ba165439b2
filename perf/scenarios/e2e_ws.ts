/**
 * e2e-ws: the engine in a child process, driven over WebSocket (binary frames, Login first) by the
 * raw-socket load generator. Cases: max-throughput (closed loop, fsync), rate-50k (open loop, fsync).
 */
import type { ScenarioRun } from '../result_row.ts';
import { runE2eCases, type E2eCase } from '../engine/e2e_run.ts';

export const WS_CASES: readonly E2eCase[] = [
  { name: 'max-throughput', mix: 'stock-buy', durability: 'fsync', mode: 'closed', ratePerS: 0 },
  { name: 'rate-50k', mix: 'stock-buy', durability: 'fsync', mode: 'open', ratePerS: 50_000 },
];

export const run: ScenarioRun = (options) => runE2eCases('e2e-ws', 'ws', WS_CASES, options);
