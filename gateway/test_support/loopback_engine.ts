/**
 * A stand-in engine for the gateway's own unit tests: a plain-memory input ring whose "business
 * logic" answers every record with OK and an empty body on the next macrotask. It lets the gateway
 * tests drive a full ring, a stalled engine and slow consumers deterministically; everything that
 * needs real rules runs against the real engine in test/e2e_*.test.ts.
 */
import { createRecordBuffer, type RecordBuffer } from '../../codec/records/record_buffer.ts';
import { CmdHeader, CMD_MAX_RECORD_BYTES } from '../../codec/records/command_descriptor.ts';
import { readCommandHeader, type CommandHeaderJson } from '../../codec/records/command_record_json.ts';
import { ResHeader } from '../../codec/records/result_descriptor.ts';
import type { InputPublisher, ResultListener } from '../../core/engine_api.ts';
import { stampCommandHeader } from '../../core/input_publisher.ts';
import type { GatewayEngine } from '../gateway_core.ts';

/** A consumed record's header (readCommandHeader) with its type and ids. */
export interface SeenRecord extends Readonly<CommandHeaderJson> {
  readonly commandType: number;
  readonly correlationId: number;
  readonly idempotencyId: number;
}

export class LoopbackEngine implements GatewayEngine, InputPublisher {
  readonly buffer: RecordBuffer;
  lastClaimedSequence = -1;
  /** While true, published records stay in the ring unanswered (a stalled engine). */
  hold = false;
  /** Every record the "logic" consumed, in order. */
  readonly seen: SeenRecord[] = [];
  private readonly listeners: ResultListener[] = [];
  private readonly out: RecordBuffer = createRecordBuffer(new ArrayBuffer(CMD_MAX_RECORD_BYTES));
  private claimed = -1;
  private published = -1;
  private consumed = -1;
  private scheduled = false;

  constructor(private readonly slots = 64) {
    this.buffer = createRecordBuffer(new ArrayBuffer(slots * CMD_MAX_RECORD_BYTES));
  }

  get input(): InputPublisher {
    return this;
  }

  onResult(listener: ResultListener): void {
    this.listeners.push(listener);
  }

  tryClaim(): number {
    if (this.claimed - this.consumed >= this.slots) return -1;
    this.claimed++;
    this.lastClaimedSequence = this.claimed;
    return (this.claimed % this.slots) * CMD_MAX_RECORD_BYTES;
  }

  stampHeader(base: number, sessionId: number, principalId: number, flags: number): void {
    stampCommandHeader(this.buffer, base, this.lastClaimedSequence, sessionId, principalId, flags);
  }

  publish(): void {
    this.published = this.claimed;
    this.schedule();
  }

  /** Lets a held engine run again. */
  release(): void {
    this.hold = false;
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.drain();
    });
  }

  private drain(): void {
    if (this.hold) return;
    const cmd = this.buffer;
    const out = this.out;
    while (this.consumed < this.published) {
      const sequence = this.consumed + 1;
      const base = (sequence % this.slots) * CMD_MAX_RECORD_BYTES;
      const record: SeenRecord = {
        ...readCommandHeader(cmd, base),
        commandType: cmd.u16[(base + CmdHeader.TYPE) >>> 1],
        correlationId: cmd.f64[(base + CmdHeader.CORRELATION_ID) >>> 3],
        idempotencyId: cmd.f64[(base + CmdHeader.IDEMPOTENCY_ID) >>> 3],
      };
      this.seen.push(record);
      out.u32[ResHeader.LENGTH >>> 2] = ResHeader.BYTES;
      out.u16[ResHeader.COMMAND_TYPE >>> 1] = record.commandType;
      out.u16[ResHeader.CODE >>> 1] = 0;
      out.f64[ResHeader.INPUT_SEQUENCE >>> 3] = record.sequence;
      out.u32[ResHeader.SESSION_ID >>> 2] = record.sessionId;
      out.u32[ResHeader.PRINCIPAL_ID >>> 2] = record.principalId;
      out.f64[ResHeader.CORRELATION_ID >>> 3] = record.correlationId;
      out.u32[ResHeader.FLAGS >>> 2] = 0;
      out.i32[ResHeader.FAILED_LEG_INDEX >>> 2] = -1;
      this.consumed = sequence;
      for (const listener of this.listeners) listener(out, 0);
    }
  }
}
