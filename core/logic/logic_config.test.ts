import { describe, expect, it } from 'vitest';
import { createStateMachine, DEFAULT_LOGIC_CONFIG, validateLogicConfig } from './state_machine.ts';

describe('logic config and memory', () => {
  it('reports the memory per area, and the default config stays under 128 MiB', () => {
    const report = createStateMachine(DEFAULT_LOGIC_CONFIG).memoryReport();
    const total = report.reduce((sum, s) => sum + s.bytes, 0);
    expect(total).toBeLessThan(128 * 1048576);
    const areas = new Set(report.map((section) => section.name.split('.')[0]));
    for (const area of ['ledger', 'transfers', 'items', 'events', 'book', 'idempotency']) expect(areas).toContain(area);
    for (const section of report) expect(section.bytes).toBeGreaterThan(0);
  });

  it('rejects a bad option with its name and accepted range', () => {
    expect(() => validateLogicConfig({ ...DEFAULT_LOGIC_CONFIG, maxOrders: 0 })).toThrow(/maxOrders must be an integer between 1 and 268435456, got 0/);
    expect(() => validateLogicConfig({ ...DEFAULT_LOGIC_CONFIG, maxSeats: 1.5 })).toThrow(/maxSeats/);
    expect(() => createStateMachine({ ...DEFAULT_LOGIC_CONFIG, idempotencyWindow: 2 ** 40 })).toThrow(/idempotencyWindow/);
  });
});
