/**
 * The market stream's depth source (event_depth_book.ts): the read-only GET_DEPTH command, sent
 * through the gateway like any client's, so the answer is the book at one point of the total order
 * (its sequence). One internal session (kind 'http': no connection slot), stamped with the principal
 * of the subscriber that asked; the correlation id of each query is its symbol id, one in flight per
 * symbol (later askers wait for the same answer). The market streams' depth books and the console's
 * order books each have their own.
 */
import type { RecordBuffer } from '../codec/records/record_buffer.ts';
import { ResultCode } from '../codec/result_codes.ts';
import type { GatewayCore } from './gateway_core.ts';
import type { DepthAnswer, DepthSource } from './event_depth_book.ts';
import type { Session, SessionTransport } from './session.ts';

/** The answer (null unless OK) and its result code (SHUTTING_DOWN when the session closed first). */
export type DepthDone = (answer: DepthAnswer | null, code: number) => void;
type Done = DepthDone;
interface DepthLevel { readonly price: number; readonly quantity: number }

class DepthQueryTransport implements SessionTransport {
  readonly kind = 'http' as const;
  readonly waiting = new Map<number, Done[]>();

  constructor(private readonly core: GatewayCore) {}

  deliver(result: RecordBuffer, base: number): void {
    const json = this.core.codec.resultToJson(result, base);
    const body = json.result as { bids?: DepthLevel[]; asks?: DepthLevel[] } | undefined;
    this.answer(json.correlationId, json.code !== ResultCode.OK ? null : {
      sequence: json.sequence,
      bids: (body?.bids ?? []).map((l) => [l.price, l.quantity] as const),
      asks: (body?.asks ?? []).map((l) => [l.price, l.quantity] as const),
    }, json.code);
  }

  reply(code: number, correlationId: number): void {
    // Refused before the ring (BUSY, shutting down...).
    this.answer(correlationId, null, code);
  }

  answer(symbolId: number, answer: DepthAnswer | null, code: number): void {
    const waiting = this.waiting.get(symbolId);
    this.waiting.delete(symbolId);
    for (const done of waiting ?? []) done(answer, code);
  }

  flush(): void { /* answers are taken as they arrive */ }
  resume(): void { /* never paused */ }
  close(): void {
    for (const symbolId of [...this.waiting.keys()]) this.answer(symbolId, null, ResultCode.SHUTTING_DOWN);
  }
}

export class GatewayDepthSource implements DepthSource {
  private session: Session | null = null;
  private readonly transport: DepthQueryTransport;

  constructor(private readonly core: GatewayCore) {
    this.transport = new DepthQueryTransport(core);
  }

  /**
   * Asks for `levelsPerSide` levels of `symbolId` as `principalId` (read-only, never admin). A query of a
   * symbol already in flight waits for that answer: one DepthSource per levelsPerSide.
   */
  query(symbolId: number, levelsPerSide: number, principalId: number, done: DepthDone): void {
    const waiting = this.transport.waiting.get(symbolId);
    if (waiting !== undefined) {
      waiting.push(done);
      return;
    }
    if (this.session === null || this.session.closed) this.session = this.core.openSession(this.transport);
    const session = this.session;
    if (session === null || this.core.isShuttingDown) {
      done(null, ResultCode.SHUTTING_DOWN);
      return;
    }
    this.transport.waiting.set(symbolId, [done]);
    session.principalId = principalId;
    session.admin = false;
    this.core.submitJson(session, { type: 'getDepth', correlationId: symbolId, symbolId, levels: levelsPerSide });
    this.core.endInputBatch();
  }

  /** Closes the internal session: queries in flight are answered SHUTTING_DOWN, later ones open a new one. */
  close(): void {
    if (this.session !== null) this.core.closeSession(this.session);
    this.session = null;
    this.transport.close();
  }
}
