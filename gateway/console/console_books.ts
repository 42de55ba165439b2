/**
 * Order books as the console shows them, from either of two places (console_market.ts decides):
 * the market stream's DEPTH frames (the event hub keeps the book from LEVEL_CHANGED events and sends
 * the top BOOK_LEVELS levels when they change) or the read-only GET_DEPTH command (the symbol's first
 * look, and every second where there is no stream: a symbol that does not exist, an engine without
 * events). Also the `symbols` list a console may watch.
 */
import { ResultCode, resultName } from '../../codec/result_codes.ts';
import { MAX_DEPTH_LEVELS, type DepthUpdate } from '../../codec/wire/event_frame_descriptor.ts';
import type { DepthAnswer } from '../event_depth_book.ts';

/** Price levels shown per side. */
export const BOOK_LEVELS = 10;
if (BOOK_LEVELS > MAX_DEPTH_LEVELS) throw new Error(`BOOK_LEVELS ${BOOK_LEVELS} exceeds the market stream's ${MAX_DEPTH_LEVELS}`);
/** Symbols a console may watch at once (each one market subscription). */
export const MAX_WATCHED_SYMBOLS = 8;

export interface BookView {
  readonly symbolId: number;
  /** Result code of the last answer (0 = OK; SYMBOL_NOT_FOUND for a symbol that does not exist). */
  readonly code: number;
  readonly status: string;
  /** [price, quantity] best first. */
  readonly bids: readonly (readonly [number, number])[];
  readonly asks: readonly (readonly [number, number])[];
  /** The book as of this point in the total order (GET_DEPTH's sequence, or the DEPTH frame's). */
  readonly sequence: number;
  readonly atMs: number;
}

/** A book as a GET_DEPTH answered it (`answer` null unless OK). */
export function bookFromAnswer(symbolId: number, answer: DepthAnswer | null, code: number): BookView {
  return { symbolId, code, status: resultName(code), sequence: answer?.sequence ?? 0, atMs: Date.now(), bids: answer?.bids ?? [], asks: answer?.asks ?? [] };
}

/** A book as the market stream's DEPTH frame gave it (the top BOOK_LEVELS levels, as of its sequence). */
export function bookFromDepth(update: DepthUpdate): BookView {
  return {
    symbolId: update.symbolId, code: ResultCode.OK, status: resultName(ResultCode.OK), sequence: update.throughSequence, atMs: Date.now(),
    bids: update.bids, asks: update.asks,
  };
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
