/**
 * Replay must rebuild the engine's state exactly, and the engine applies every command into an
 * output-ring slot that still holds the bytes of an older result (the ring wraps), while replay
 * applies into a scratch buffer. So the state — and the state hash `ringline replay --verify` and
 * the crash tests compare — must not depend on what the output buffer held before `apply`.
 */
import { describe, it, expect } from 'vitest';
import { createRecordBuffer } from '../codec/records/record_buffer.ts';
import { FIRST_SEQUENCE } from '../codec/records/command_descriptor.ts';
import { RES_MAX_RECORD_BYTES } from '../codec/records/result_descriptor.ts';
import { createStateMachine } from '../core/logic/state_machine.ts';
import { SMALL_LOGIC_CONFIG, writeWorkloadRecord } from '../journal/test_support/ledger_workload.ts';

describe('replay determinism', () => {
  it('the state after a command stream does not depend on stale bytes in the output buffer', () => {
    const engineLike = createStateMachine(SMALL_LOGIC_CONFIG);
    const replayLike = createStateMachine(SMALL_LOGIC_CONFIG);
    const rec = createRecordBuffer(new ArrayBuffer(512));
    const staleSlot = createRecordBuffer(new ArrayBuffer(RES_MAX_RECORD_BYTES));
    const scratch = createRecordBuffer(new ArrayBuffer(RES_MAX_RECORD_BYTES));
    const workload = { accounts: 30, seed: 99 };
    for (let i = FIRST_SEQUENCE; i < FIRST_SEQUENCE + 3000; i++) {
      writeWorkloadRecord(workload, rec, 0, i, FIRST_SEQUENCE); // every mutating command carries an idempotency id
      staleSlot.bytes.fill((i * 37) & 0xff); // what an output-ring slot holds from its previous lap
      engineLike.apply(rec, 0, staleSlot, 0);
      replayLike.apply(rec, 0, scratch, 0);
    }
    expect(engineLike.stateHash()).toBe(replayLike.stateHash());
  });
});
