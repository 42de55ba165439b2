/**
 * Table-driven scenarios for the business logic: one row per command with the expected result code
 * (and, optionally, a check of the result). Shared by the scenario test files.
 */
import { expect } from 'vitest';
import { BalanceResult } from '../../../codec/records/result_descriptor.ts';
import { ResultCode, resultName } from '../../../codec/result_codes.ts';
import type { CommandSpec } from './command_writer.ts';
import { type HarnessHeader, LogicHarness } from './logic_harness.ts';
import type { ResultView } from './result_reader.ts';
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

/** Options of runRows: `checked` runs every invariant (invariants.ts) after each row. */
export interface RunOptions {
  readonly checked?: boolean;
}

/** Runs the rows in order: each must answer its code, then pass its check (and the invariants when `checked`). */
export function runRows(rows: readonly Row[], harness = new LogicHarness(createStateMachine(SMALL_CONFIG)), options: RunOptions = {}): LogicHarness {
  rows.forEach(([who, spec, code, check], row) => {
    const r = harness.run(who, spec);
    expect({ row, kind: spec.kind, code: resultName(r.code) }).toEqual({ row, kind: spec.kind, code: resultName(code) });
    check?.(r);
    if (options.checked === true) expect({ row, problems: checkInvariants(harness.machine as LogicStateMachine) }).toEqual({ row, problems: [] });
  });
  return harness;
}

/** runRows on a fresh machine with `config` (SMALL_CONFIG by default), invariants checked after every row. */
export function runChecked(rows: readonly Row[], config: LogicConfig = SMALL_CONFIG): LogicHarness {
  return runRows(rows, new LogicHarness(createStateMachine(config)), { checked: true });
}

/** A check of a balance result: [available, reserved]. */
export const balance = (available: number, reserved: number) => (r: ResultView): void =>
  expect([r.f64(BalanceResult.AVAILABLE), r.f64(BalanceResult.RESERVED)]).toEqual([available, reserved]);

/** Assets 1 and 2; accounts 100 (alice), 200 (bob), 300 (carol): the parties most tables start from. */
export const PARTIES: readonly Row[] = [
  [ADMIN, { kind: 'createAsset', assetId: 1 }, ResultCode.OK],
  [ADMIN, { kind: 'createAsset', assetId: 2 }, ResultCode.OK],
  [ALICE, { kind: 'createAccount', accountId: 100 }, ResultCode.OK],
  [BOB, { kind: 'createAccount', accountId: 200 }, ResultCode.OK],
  [CAROL, { kind: 'createAccount', accountId: 300 }, ResultCode.OK],
];
