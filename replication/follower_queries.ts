/**
 * Read-only queries on a follower, through the ordinary gateway (`ringline follow --tcp-port/--ws-port`).
 *
 * The follower's engine input ring carries the primary's sequence and nothing else, so a query cannot
 * take a slot there (it would take a sequence number the primary gives to another command). Instead
 * the gateway is handed this GatewayEngine: its input is a small private ring of query slots, and a
 * mirror state machine on the main thread answers them.
 *
 *   replication stream ──► follower engine (logic worker + journal)       the authoritative copy
 *                     └──► mirror.apply(record) on the main thread        same records, same order
 *   gateway ──► query slots ──► read-only: mirror.apply(query) ──► result ──► gateway
 *                               mutating:  READ_ONLY_FOLLOWER result    ──► gateway
 *
 * A query is stamped with the mirror's last applied sequence, so applying it leaves the mirror's
 * state (and state hash) exactly as the replicated records made it: GET_STATE_HASH on a follower
 * answers the primary's hash at that sequence. Queries see every record the follower has received,
 * including ones its own journal has not yet made durable (they are durable on the primary).
 */
import { CmdHeader, CMD_FLAG_READ_ONLY, CMD_MAX_RECORD_BYTES } from '../codec/records/command_descriptor.ts';
import { createRecordBuffer, type RecordBuffer } from '../codec/records/record_buffer.ts';
import { ResHeader } from '../codec/records/result_descriptor.ts';
import { ResultCode } from '../codec/result_codes.ts';
import type { InputPublisher, ResultListener } from '../core/engine_api.ts';
import { stampCommandHeader } from '../core/input_publisher.ts';
import type { StateMachine } from '../core/logic/state_machine_api.ts';

/** Query slots: queries claimed and not yet answered (the gateway answers BUSY beyond). */
export const QUERY_SLOTS = 1024;
const SLOT_BYTES = CMD_MAX_RECORD_BYTES;

export class FollowerQueryEngine {
  readonly input: InputPublisher;
  /** Queries answered from the mirror / mutating commands refused, since start. */
  queriesAnswered = 0;
  commandsRefused = 0;
  private listener: ResultListener | null = null;
  private readonly slots: RecordBuffer = createRecordBuffer(new ArrayBuffer(QUERY_SLOTS * SLOT_BYTES));
  private readonly out: RecordBuffer = createRecordBuffer(new ArrayBuffer(SLOT_BYTES * 4));
  private readonly replicatedOut: RecordBuffer = createRecordBuffer(new ArrayBuffer(SLOT_BYTES * 4));
  /** Claims are numbered; slot = number % QUERY_SLOTS. Answered < published <= claimed. */
  private claimed = 0;
  private published = 0;
  private answered = 0;
  private deliveryQueued = false;
  private table: Uint32Array | null = null;

  constructor(private readonly mirror: StateMachine) {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    const slots = this.slots;
    this.input = {
      buffer: slots,
      lastClaimedSequence: -1,
      tryClaim(): number {
        if (self.claimed - self.answered >= QUERY_SLOTS) return -1;
        const base = (self.claimed % QUERY_SLOTS) * SLOT_BYTES;
        self.claimed++;
        this.lastClaimedSequence = self.mirror.lastAppliedSequence;
        return base;
      },
      stampHeader(base: number, sessionId: number, principalId: number, flags: number): void {
        stampCommandHeader(slots, base, this.lastClaimedSequence, sessionId, principalId, flags);
      },
      publish(): void {
        self.published = self.claimed;
        if (self.deliveryQueued || self.published === self.answered) return;
        self.deliveryQueued = true;
        queueMicrotask(() => self.deliver());
      },
    } as InputPublisher & { lastClaimedSequence: number };
  }

  /** The mirror's replicated principal table (logins on a follower see the same principals as the leader). */
  principalTable(): Uint32Array | null {
    const shared = this.mirror.principalTable?.() ?? null;
    this.table ??= shared === null ? null : new Uint32Array(shared);
    return this.table;
  }

  onResult(listener: ResultListener): void {
    this.listener = listener;
  }

  /** Applies one replicated record to the mirror (called for every record, in sequence). */
  applyReplicated(buffer: RecordBuffer, base: number): void {
    this.mirror.apply(buffer, base, this.replicatedOut, 0);
  }

  get lastAppliedSequence(): number {
    return this.mirror.lastAppliedSequence;
  }

  private deliver(): void {
    this.deliveryQueued = false;
    const listener = this.listener;
    const slots = this.slots;
    const out = this.out;
    while (this.answered < this.published) {
      const base = (this.answered % QUERY_SLOTS) * SLOT_BYTES;
      this.answered++;
      // Stamp again: records may have been replicated since the claim.
      slots.f64[(base + CmdHeader.SEQUENCE) >>> 3] = this.mirror.lastAppliedSequence;
      if ((slots.u16[(base + CmdHeader.FLAGS) >>> 1] & CMD_FLAG_READ_ONLY) !== 0) {
        this.mirror.apply(slots, base, out, 0);
        this.queriesAnswered++;
      } else {
        refuse(slots, base, out, 0);
        this.commandsRefused++;
      }
      listener?.(out, 0);
    }
  }
}

/** Writes the READ_ONLY_FOLLOWER result of the command at `base`. */
function refuse(cmd: RecordBuffer, base: number, out: RecordBuffer, outBase: number): void {
  out.u32[(outBase + ResHeader.LENGTH) >>> 2] = ResHeader.BYTES;
  out.u16[(outBase + ResHeader.COMMAND_TYPE) >>> 1] = cmd.u16[(base + CmdHeader.TYPE) >>> 1];
  out.u16[(outBase + ResHeader.CODE) >>> 1] = ResultCode.READ_ONLY_FOLLOWER;
  out.f64[(outBase + ResHeader.INPUT_SEQUENCE) >>> 3] = cmd.f64[(base + CmdHeader.SEQUENCE) >>> 3];
  out.u32[(outBase + ResHeader.SESSION_ID) >>> 2] = cmd.u32[(base + CmdHeader.SESSION_ID) >>> 2];
  out.u32[(outBase + ResHeader.PRINCIPAL_ID) >>> 2] = cmd.u32[(base + CmdHeader.PRINCIPAL_ID) >>> 2];
  out.f64[(outBase + ResHeader.CORRELATION_ID) >>> 3] = cmd.f64[(base + CmdHeader.CORRELATION_ID) >>> 3];
  out.u32[(outBase + ResHeader.FLAGS) >>> 2] = 0;
  out.i32[(outBase + ResHeader.FAILED_LEG_INDEX) >>> 2] = -1;
}
