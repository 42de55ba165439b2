/**
 * Order books for the console: the read-only GET_DEPTH command, sent through the gateway like any
 * client's (it is sequenced, applied by the logic thread between other commands, and counted in
 * ringline_commands_total{command="GET_DEPTH"}), at most one in flight per symbol, asked when the
 * console's feed says (once a second) and only while a console is open. The session is an internal one (kind 'http': it is no
 * connection and takes no connection slot) stamped with the logged-in admin's principal.
 * Latest trades come from the event hub's market stream (console_trades.ts).
 */
import type { RecordBuffer } from '../../codec/records/record_buffer.ts';
import type { GatewayCore } from '../gateway_core.ts';
import type { Session, SessionTransport } from '../session.ts';

/** Price levels asked per side. */
export const BOOK_LEVELS = 10;
/** Symbols a console may watch at once (every one costs a GET_DEPTH a second). */
export const MAX_WATCHED_SYMBOLS = 8;

export interface BookView {
  readonly symbolId: number;
  /** Result code of the last answer (0 = OK; SYMBOL_NOT_FOUND for a symbol that does not exist). */
  readonly code: number;
  readonly status: string;
  /** [price, quantity] best first. */
  readonly bids: readonly (readonly [number, number])[];
  readonly asks: readonly (readonly [number, number])[];
  /** Sequence of the GET_DEPTH that read it (the book as of that point in the total order). */
  readonly sequence: number;
  readonly atMs: number;
}

interface DepthLevel { readonly price: number; readonly quantity: number }

class DepthTransport implements SessionTransport {
  readonly kind = 'http' as const;
  /** Symbols whose query is in flight (each query's correlation id is its symbol id). */
  readonly waiting = new Set<number>();

  constructor(private readonly core: GatewayCore, private readonly onBook: (book: BookView) => void) {}

  deliver(result: RecordBuffer, base: number): void {
    const json = this.core.codec.resultToJson(result, base);
    const symbolId = json.correlationId;
    if (!this.waiting.delete(symbolId)) return;
    const body = json.result as { bids?: DepthLevel[]; asks?: DepthLevel[] } | undefined;
    this.onBook({
      symbolId, code: json.code, status: json.status, sequence: json.sequence, atMs: Date.now(),
      bids: (body?.bids ?? []).map((l) => [l.price, l.quantity] as const),
      asks: (body?.asks ?? []).map((l) => [l.price, l.quantity] as const),
    });
  }

  reply(_code: number, correlationId: number): void {
    // Refused before the ring (BUSY, shutting down...): the query is not in flight any more.
    this.waiting.delete(correlationId);
  }

  flush(): void { /* answers are taken as they arrive */ }
  resume(): void { /* never paused */ }
  close(): void { /* nothing to close */ }
}

export class ConsoleBooks {
  private readonly latest = new Map<number, BookView>();
  private session: Session | null = null;
  private transport: DepthTransport | null = null;

  constructor(private readonly core: GatewayCore) {}

  /** Asks for the depth of each symbol not already waiting for an answer, as `principalId`. */
  poll(symbolIds: readonly number[], principalId: number): void {
    if (this.core.isShuttingDown || principalId === 0) return;
    if (this.session === null || this.session.closed) {
      const transport = new DepthTransport(this.core, (book) => this.latest.set(book.symbolId, book));
      const session = this.core.openSession(transport);
      if (session === null) return;
      this.transport = transport;
      this.session = session;
    }
    const session = this.session;
    const transport = this.transport as DepthTransport;
    // A read-only command from the logged-in admin: set here, never from anything the browser sends.
    session.principalId = principalId;
    session.admin = false;
    let published = false;
    for (const symbolId of symbolIds.slice(0, MAX_WATCHED_SYMBOLS)) {
      if (transport.waiting.has(symbolId)) continue;
      transport.waiting.add(symbolId);
      this.core.submitJson(session, { type: 'getDepth', correlationId: symbolId, symbolId, levels: BOOK_LEVELS });
      published = true;
    }
    if (published) this.core.endInputBatch();
  }

  /** The latest answer for each of `symbolIds` that has one. */
  views(symbolIds: readonly number[]): BookView[] {
    const out: BookView[] = [];
    for (const id of symbolIds) {
      const view = this.latest.get(id);
      if (view !== undefined) out.push(view);
    }
    return out;
  }

  /** Forgets the session (no console open): results still in flight are dropped. */
  close(): void {
    if (this.session !== null) this.core.closeSession(this.session);
    this.session = null;
    this.transport = null;
    this.latest.clear();
  }
}

/** Parses `1,2,3` (positive safe integers, at most MAX_WATCHED_SYMBOLS, duplicates dropped); null when malformed. */
export function parseSymbolList(text: string): number[] | null {
  if (text.trim() === '') return [];
  const out: number[] = [];
  for (const part of text.split(',')) {
    if (!/^\s*[0-9]{1,16}\s*$/.test(part)) return null;
    const id = Number(part);
    if (!Number.isSafeInteger(id) || id <= 0) return null;
    if (!out.includes(id)) out.push(id);
  }
  return out.length > MAX_WATCHED_SYMBOLS ? null : out;
}
