/**
 * Drives a state machine one command at a time from plain command descriptions and returns the
 * decoded result: the scenario tables, the reference-model comparison and other engineers' tests use
 * it. Sequences are assigned 1, 2, 3... unless the header names one.
 */
import { createRecordBuffer, type RecordBuffer } from '../../../codec/records/record_buffer.ts';
import { CMD_MAX_RECORD_BYTES } from '../../../codec/records/command_descriptor.ts';
import { RES_MAX_RECORD_BYTES } from '../../../codec/records/result_descriptor.ts';
import { type CommandSpec, writeCommand } from './command_writer.ts';
import { readResult, type ResultView } from './result_reader.ts';
import type { StateMachine } from '../state_machine_api.ts';

export interface HarnessHeader {
  readonly principalId: number;
  readonly admin?: boolean;
  readonly idempotencyId?: number;
  readonly correlationId?: number;
  readonly sessionId?: number;
  readonly sequence?: number;
}

export class LogicHarness {
  readonly cmd: RecordBuffer = createRecordBuffer(new ArrayBuffer(CMD_MAX_RECORD_BYTES));
  readonly out: RecordBuffer = createRecordBuffer(new ArrayBuffer(RES_MAX_RECORD_BYTES));
  nextSequence = 1;
  /** When set, the output buffer is filled with this byte before every command (tests that leftovers never matter). */
  fillOutputWith: number | null = null;

  constructor(readonly machine: StateMachine) {}

  run(header: HarnessHeader, spec: CommandSpec): ResultView {
    const sequence = header.sequence ?? this.nextSequence;
    this.nextSequence = sequence + 1;
    writeCommand(this.cmd, 0, { ...header, sequence, timestampUs: sequence * 10 }, spec);
    if (this.fillOutputWith !== null) this.out.bytes.fill(this.fillOutputWith);
    const length = this.machine.apply(this.cmd, 0, this.out, 0);
    const result = readResult(this.out, 0);
    if (result.length !== length) throw new Error(`apply returned ${length} but the record says ${result.length}`);
    return result;
  }
}
