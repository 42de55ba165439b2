/**
 * e2e-tcp: the engine in a child process (`ringline start`), driven over loopback TCP by the raw-socket
 * load generator. Cases: max-throughput (closed loop, fsync), rate-50k (open loop at 50k/s, fsync),
 * max-throughput-none and rate-50k-none (durability none: the cost of fdatasync), transfer (closed loop),
 * loadgen-ceiling (the same load against canned replies: what the generator itself can drive),
 * loadgen-floor-50k (rate-50k's load against canned replies: the latency that is not the engine's) and
 * fdatasync-floor / fdatasync-floor-overwrite (write + fdatasync with no engine: what the device charges
 * each group commit, beside rate-50k's fsync figures).
 */
import type { ScenarioRun } from '../result_row.ts';
import { runE2eCases, type E2eCase } from '../engine/e2e_run.ts';
import { fdatasyncFloorRows } from '../engine/fdatasync_floor.ts';
import { loadgenCeilingRow, loadgenFloorRow } from '../engine/loadgen_ceiling.ts';

export const TCP_CASES: readonly E2eCase[] = [
  { name: 'max-throughput', mix: 'stock-buy', durability: 'fsync', mode: 'closed', ratePerS: 0 },
  { name: 'rate-50k', mix: 'stock-buy', durability: 'fsync', mode: 'open', ratePerS: 50_000 },
  { name: 'max-throughput-none', mix: 'stock-buy', durability: 'none', mode: 'closed', ratePerS: 0 },
  { name: 'rate-50k-none', mix: 'stock-buy', durability: 'none', mode: 'open', ratePerS: 50_000 },
  { name: 'transfer', mix: 'transfer', durability: 'fsync', mode: 'closed', ratePerS: 0 },
];

export const run: ScenarioRun = async (options) => [
  ...await runE2eCases('e2e-tcp', 'tcp', TCP_CASES, options),
  await loadgenCeilingRow(options),
  await loadgenFloorRow(options),
  ...await fdatasyncFloorRows(options),
];
