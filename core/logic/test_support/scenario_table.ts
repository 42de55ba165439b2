/**
 * Table-driven scenarios for the business logic: one row per command with the expected result code
 * (and, optionally, a check of the result). Shared by the scenario test files.
 */
import { expect } from 'vitest';
import { resultName } from '../../../codec/result_codes.ts';
import type { CommandSpec } from './command_writer.ts';
import { type HarnessHeader, LogicHarness } from './logic_harness.ts';
import type { ResultView } from './result_reader.ts';
import { BalanceResult } from '../../../codec/records/result_descriptor.ts';
import { checkInvariants } from './invariants.ts';
import { createStateMachine, DEFAULT_LOGIC_CONFIG, type LogicStateMachine } from '../state_machine.ts';
import type { LogicConfig } from '../state_machine_api.ts';

export const SMALL_CONFIG: LogicConfig = {
  ...DEFAULT_LOGIC_CONFIG, maxStopOrders: 64, doneOrderWindow: 64, maxAssets: 4, maxAccounts: 8, maxBalances: 24, maxPendingTransfers: 4, maxItems: 4,
  maxEvents: 2, maxSeats: 16, maxSymbols: 2, maxOrders: 8, maxPriceLevels: 6, idempotencyWindow: 8,
};

export const ADMIN: HarnessHeader = { principalId: 1, admin: true };
export const ALICE: HarnessHeader = { principalId: 10 };
export const BOB: HarnessHeader = { principalId: 20 };
export const CAROL: HarnessHeader = { principalId: 30 };

export type Row = readonly [who: HarnessHeader, spec: CommandSpec, code: number, check?: (r: ResultView) => void];

export function runRows(rows: readonly Row[], harness = new LogicHarness(createStateMachine(SMALL_CONFIG))): LogicHarness {
  rows.forEach(([who, spec, code, check], row) => {
    const r = harness.run(who, spec);
    expect({ row, kind: spec.kind, code: resultName(r.code) }).toEqual({ row, kind: spec.kind, code: resultName(code) });
    check?.(r);
  });
  return harness;
}

/** Runs the rows and checks every invariant (test_support/invariants.ts) after each one. */
export function runChecked(rows: readonly Row[], machine: LogicStateMachine = createStateMachine(SMALL_CONFIG)): LogicHarness {
  const h = new LogicHarness(machine);
  rows.forEach((row, k) => {
    runRows([row], h);
    expect({ row: k, problems: checkInvariants(machine) }).toEqual({ row: k, problems: [] });
  });
  return h;
}

/** A check of a balance result: [available, reserved]. */
export const balance = (available: number, reserved: number) => (r: ResultView): void =>
  expect([r.f64(BalanceResult.AVAILABLE), r.f64(BalanceResult.RESERVED)]).toEqual([available, reserved]);
