import { describe, expect, it } from 'vitest';
import { CmdHeader } from '../../codec/records/command_descriptor.ts';
import { COMMAND_ROWS } from '../../codec/registry/command_registry.ts';
import { ResultCode as R } from '../../codec/result_codes.ts';
import { RESULT_SPEC_BY_COMMAND } from '../../codec/spec/result_spec.ts';
import { createStateMachine, DEFAULT_LOGIC_CONFIG, handlerTable } from './state_machine.ts';
import type { CommandSpec } from './test_support/command_writer.ts';
import { LogicHarness } from './test_support/logic_harness.ts';
import { readResult } from './test_support/result_reader.ts';

const SMALL = { ...DEFAULT_LOGIC_CONFIG, maxAccounts: 64, maxBalances: 64, maxItems: 16, maxEvents: 4, maxSeats: 64,
  maxOrders: 64, maxPriceLevels: 64, maxPendingTransfers: 16, idempotencyWindow: 16 };

describe('state machine dispatch', () => {
  it('refuses to build its table when a registry command has no handler, or a handler names no command', () => {
    const rows = [{ name: 'A', type: 10 }, { name: 'B', type: 11 }];
    const handle = (): number => 0;
    expect(() => handlerTable(rows, { A: handle }, handle)).toThrow(/command B \(11\) has no handler/);
    expect(() => handlerTable(rows, { A: handle, B: handle, C: handle }, handle)).toThrow(/handler C names no command/);
    const unknown = (): number => 1;
    const table = handlerTable(rows, { A: handle, B: handle }, unknown);
    expect([table[10], table[11], table[12], table[255]]).toEqual([handle, handle, unknown, unknown]);
  });

  it('sends every registry command to its handler: none answers UNKNOWN_COMMAND, and each body has its result size', () => {
    const harness = new LogicHarness(createStateMachine(SMALL));
    for (const row of COMMAND_ROWS) {
      // All fields 0: most ladders refuse it (a result code), none may fail to find the command.
      const spec = { kind: row.json, ...(row.list === 'seats' ? { seats: [] } : {}) } as unknown as CommandSpec;
      const result = harness.run({ principalId: 1, admin: true }, spec);
      expect(result.commandType, row.json).toBe(row.type);
      expect(result.code, row.json).not.toBe(R.UNKNOWN_COMMAND);
      if (result.code === R.OK) expect(result.length, row.json).toBe(RESULT_SPEC_BY_COMMAND[row.type]?.fixedBytes ?? 40);
    }
  });

  it('answers UNKNOWN_COMMAND for a type the registry does not know, and changes nothing', () => {
    const harness = new LogicHarness(createStateMachine(SMALL));
    const before = harness.machine.stateHash();
    for (const type of [0, 1, 19, 99, 255, 256, 65535]) {
      harness.run({ principalId: 1, admin: true }, { kind: 'snapshot' });
      harness.cmd.u16[CmdHeader.TYPE >>> 1] = type;
      harness.machine.apply(harness.cmd, 0, harness.out, 0);
      const result = readResult(harness.out, 0);
      expect([result.commandType, result.code]).toEqual([type, R.UNKNOWN_COMMAND]);
    }
    expect(harness.machine.stateHash()).toBe(before);
  });
});
