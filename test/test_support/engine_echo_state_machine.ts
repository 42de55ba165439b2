/**
 * A tiny state machine for engine lifecycle tests: answers every command OK with its header echoed
 * and counts what it applied. Command type ENGINE_TEST_BOOM makes apply() throw (a programmer error in
 * the logic), so tests can watch a dying logic worker take the engine down.
 */
import type { RecordBuffer } from '../../codec/records/record_buffer.ts';
import { CmdHeader, FIRST_SEQUENCE } from '../../codec/records/command_descriptor.ts';
import { ResHeader } from '../../codec/records/result_descriptor.ts';
import type { LogicConfig, StateMachine, StateSection } from '../../core/logic/state_machine_api.ts';

export const ENGINE_TEST_BOOM = 999;

class EchoStateMachine implements StateMachine {
  private applied = 0;
  private last = FIRST_SEQUENCE - 1;
  /** [applied, last], refreshed by liveSections(). */
  private readonly live = new Float64Array(2);
  private readonly liveList: readonly StateSection[] = [{ name: 'echo', bytes: new Uint8Array(this.live.buffer) }];

  /** Emits no events. */
  attachEventSink(): void {}
  setEventsEnabled(): void {}

  apply(cmd: RecordBuffer, c: number, out: RecordBuffer, o: number): number {
    const type = cmd.u16[(c + CmdHeader.TYPE) >>> 1];
    const sequence = cmd.f64[(c + CmdHeader.SEQUENCE) >>> 3];
    if (type === ENGINE_TEST_BOOM) throw new Error(`echo state machine: boom at sequence ${sequence}`);
    out.u32[(o + ResHeader.LENGTH) >>> 2] = ResHeader.BYTES;
    out.u16[(o + ResHeader.COMMAND_TYPE) >>> 1] = type;
    out.u16[(o + ResHeader.CODE) >>> 1] = 0;
    out.f64[(o + ResHeader.INPUT_SEQUENCE) >>> 3] = sequence;
    out.u32[(o + ResHeader.SESSION_ID) >>> 2] = cmd.u32[(c + CmdHeader.SESSION_ID) >>> 2];
    out.u32[(o + ResHeader.PRINCIPAL_ID) >>> 2] = cmd.u32[(c + CmdHeader.PRINCIPAL_ID) >>> 2];
    out.f64[(o + ResHeader.CORRELATION_ID) >>> 3] = cmd.f64[(c + CmdHeader.CORRELATION_ID) >>> 3];
    out.u32[(o + ResHeader.FLAGS) >>> 2] = 0;
    out.i32[(o + ResHeader.FAILED_LEG_INDEX) >>> 2] = -1;
    this.applied++;
    this.last = sequence;
    return ResHeader.BYTES;
  }

  stateHash(): string {
    return `echo-${this.applied}`;
  }

  exportState(): StateSection[] {
    return [{ name: 'echo', bytes: new Uint8Array(new Float64Array([this.applied, this.last]).buffer) }];
  }

  liveSections(): readonly StateSection[] {
    this.live[0] = this.applied;
    this.live[1] = this.last;
    return this.liveList;
  }

  importState(sections: readonly StateSection[]): void {
    const values = new Float64Array(sections[0].bytes.slice().buffer);
    this.applied = values[0];
    this.last = values[1];
  }

  memoryReport(): { name: string; bytes: number }[] {
    return [{ name: 'echo', bytes: 16 }];
  }

  get lastAppliedSequence(): number {
    return this.last;
  }
}

export function createStateMachine(_config: LogicConfig): StateMachine {
  return new EchoStateMachine();
}
