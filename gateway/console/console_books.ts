/**
 * Order books for the console: the read-only GET_DEPTH command, sent through the gateway like any
 * client's (it is sequenced, applied by the logic thread between other commands, and counted in
 * ringline_commands_total{command="GET_DEPTH"}), at most one in flight per symbol, asked when the
 * console's feed says (once a second) and only while a console is open. The session is an internal one (kind 'http': it is no
 * connection and takes no connection slot) stamped with the logged-in admin's principal.
 * Latest trades come from the event hub's market stream (console_trades.ts).
 */
import { resultName } from '../../codec/result_codes.ts';
import { GatewayDepthSource } from '../event_depth_source.ts';
import type { GatewayCore } from '../gateway_core.ts';

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

export class ConsoleBooks {
  private readonly latest = new Map<number, BookView>();
  /** Its own internal session and one query in flight per symbol (BOOK_LEVELS levels, unlike the market streams'). */
  private readonly source: GatewayDepthSource;

  constructor(private readonly core: GatewayCore) {
    this.source = new GatewayDepthSource(core);
  }

  /** Asks for the depth of each symbol, as `principalId` (a read-only command from the logged-in admin, never admin itself). */
  poll(symbolIds: readonly number[], principalId: number): void {
    if (this.core.isShuttingDown || principalId === 0) return;
    for (const symbolId of symbolIds.slice(0, MAX_WATCHED_SYMBOLS)) {
      this.source.query(symbolId, BOOK_LEVELS, principalId, (answer, code) => {
        this.latest.set(symbolId, {
          symbolId, code, status: resultName(code), sequence: answer?.sequence ?? 0, atMs: Date.now(), bids: answer?.bids ?? [], asks: answer?.asks ?? [],
        });
      });
    }
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
    this.source.close();
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
