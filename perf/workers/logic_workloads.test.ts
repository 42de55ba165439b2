import { describe, expect, it } from 'vitest';
import { createRecordBuffer } from '../../codec/records/record_buffer.ts';
import { ResHeader } from '../../codec/records/result_descriptor.ts';
import { writeCommand } from '../../core/logic/test_support/command_writer.ts';
import { checkInvariants } from '../../core/logic/test_support/invariants.ts';
import { createStateMachine } from '../../core/logic/state_machine.ts';
import { createWorkload, RECORD_STRIDE, WORKLOAD_NAMES } from './logic_workloads.ts';

describe('bench workloads', () => {
  it.each(WORKLOAD_NAMES.filter((n) => n !== 'order-mix-100k'))('%s: every record applies cleanly and keeps the invariants', (name) => {
    const workload = createWorkload(name);
    const machine = createStateMachine(workload.config);
    const one = createRecordBuffer(new ArrayBuffer(RECORD_STRIDE));
    const out = createRecordBuffer(new ArrayBuffer(512));
    for (const [header, spec] of workload.setup) {
      writeCommand(one, 0, header, spec);
      machine.apply(one, 0, out, 0);
      expect(out.u16[ResHeader.CODE >>> 1]).toBe(0);
    }
    const count = 3000;
    const timed = createRecordBuffer(new ArrayBuffer(count * RECORD_STRIDE));
    const restore = createRecordBuffer(new ArrayBuffer(count * RECORD_STRIDE));
    let sequence = workload.firstSequence;
    for (let round = 0; round < 2; round++) {
      workload.fill(timed, count, sequence);
      const restoreCount = workload.fillRestore(restore, count, sequence + count);
      let rejected = 0;
      for (let i = 0; i < count; i++) {
        machine.apply(timed, i * RECORD_STRIDE, out, 0);
        if (out.u16[ResHeader.CODE >>> 1] !== 0) rejected++;
      }
      for (let i = 0; i < restoreCount; i++) {
        machine.apply(restore, i * RECORD_STRIDE, out, 0);
        expect(out.u16[ResHeader.CODE >>> 1]).toBe(0);
      }
      expect(rejected).toBe(0);
      sequence += count + restoreCount;
    }
    expect(checkInvariants(machine)).toEqual([]);
    const generated = workload.generatorHash();
    if (generated !== null) expect(machine.stateHash()).toBe(generated);
  });
});
