/** The market depth book: top-N change detection and the re-query of a side GET_DEPTH cut short. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EvtHeader, EVT_RECORD_BYTES, EventKind, LevelBody } from '../codec/records/event_descriptor.ts';
import { createRecordBuffer } from '../codec/records/record_buffer.ts';
import { MAX_DEPTH_LEVELS_PER_SIDE } from '../codec/records/result_descriptor.ts';
import { Side } from '../codec/registry/enum_values.ts';
import { ResultCode } from '../codec/result_codes.ts';
import { EventRetention } from '../core/event_retention.ts';
import { decodeDepth } from '../codec/wire/event_frame_descriptor.ts';
import { DepthBook, type DepthAnswer } from './event_depth_book.ts';
import { PREFIX_BYTES } from './event_frame_builder.ts';

const SYMBOL = 7;
const record = createRecordBuffer(new ArrayBuffer(EVT_RECORD_BYTES));

function level(sequence: number, side: number, price: number, quantity: number): typeof record {
  record.u32.fill(0);
  record.f64[EvtHeader.SEQUENCE >>> 3] = sequence;
  record.u16[EvtHeader.KIND >>> 1] = EventKind.LEVEL_CHANGED;
  record.u16[EvtHeader.DETAIL >>> 1] = side;
  record.f64[LevelBody.SYMBOL_ID >>> 3] = SYMBOL;
  record.f64[LevelBody.PRICE >>> 3] = price;
  record.f64[LevelBody.QUANTITY >>> 3] = quantity;
  return record;
}

function setUp(answers: DepthAnswer[]): { book: DepthBook; queries: () => number; ready: () => number } {
  const retention = new EventRetention(64, 0);
  let asked = 0;
  let readies = 0;
  const book = new DepthBook(SYMBOL, { query: (_s, _l, _p, done) => {
    const answer = answers[asked++] ?? null;
    done(answer, answer === null ? ResultCode.BUSY : ResultCode.OK);
  } }, retention, () => retention.released, () => { readies++; });
  return { book, queries: () => asked, ready: () => readies };
}

const bidsOf = (book: DepthBook, n: number): unknown => {
  const frame = book.frameFor(n, 0);
  const depth = frame === null ? null : decodeDepth(frame.subarray(PREFIX_BYTES));
  return typeof depth === 'object' && depth !== null ? depth.bids : depth;
};

describe('DepthBook', () => {
  it('says which readers need a frame: only those whose top N changed', () => {
    const { book } = setUp([{ sequence: 5, bids: [[100, 1], [99, 2], [98, 3]], asks: [[110, 1]] }]);
    book.addReader(2, 1);
    book.settle();
    book.apply(level(6, Side.BUY, 97, 4), 0); // rank 3
    expect([book.changedWithin(2), book.changedWithin(4)]).toEqual([false, true]);
    book.settle();
    book.apply(level(4, Side.BUY, 100, 9), 0); // older than the snapshot: already in it
    expect(book.changedWithin(10)).toBe(false);
    book.apply(level(7, Side.BUY, 100, 0), 0); // the best bid goes
    expect(book.changedWithin(1)).toBe(true);
    expect(bidsOf(book, 2)).toEqual([[99, 2], [98, 3]]);
  });

  it('asks again when a side GET_DEPTH cut short has fewer known levels than a reader wants', () => {
    const full = Array.from({ length: MAX_DEPTH_LEVELS_PER_SIDE }, (_, i) => [100 - i, 1] as const);
    const { book, queries } = setUp([{ sequence: 5, bids: full, asks: [] }, { sequence: 9, bids: full.slice(3), asks: [] }]);
    book.addReader(10, 1);
    expect(queries()).toBe(1);
    book.apply(level(6, Side.BUY, 10, 5), 0); // below the known levels of a cut side: unknown territory, ignored
    expect(bidsOf(book, 14)).toEqual(full);
    for (let i = 0; i < MAX_DEPTH_LEVELS_PER_SIDE - 10; i++) book.apply(level(6 + i, Side.BUY, 100 - i, 0), 0);
    expect(queries()).toBe(1); // still 10 known
    book.apply(level(20, Side.BUY, 100 - (MAX_DEPTH_LEVELS_PER_SIDE - 10), 0), 0);
    expect(queries()).toBe(2);
    expect(bidsOf(book, 10)).toEqual(full.slice(3, 13));
  });

  describe('a symbol that does not exist', () => {
    afterEach(() => { vi.useRealTimers(); });

    it('is asked for again later and later (up to 5 s), not 20 times a second; a busy engine is asked again at once', () => {
      vi.useFakeTimers();
      const count = (code: number): number => {
        let asked = 0;
        const retention = new EventRetention(64, 0);
        const book = new DepthBook(SYMBOL, { query: (_s, _l, _p, done) => { asked++; done(null, code); } }, retention, () => retention.released, () => undefined);
        book.addReader(5, 10);
        vi.advanceTimersByTime(30_000);
        book.removeReader(5);
        vi.advanceTimersByTime(10_000);
        return asked;
      };
      // 50, 100, ... 3,200 ms, then every 5 s: 12 queries in 30 s (a reader of 100 such symbols: 4 a second).
      expect(count(ResultCode.SYMBOL_NOT_FOUND)).toBe(12);
      expect(count(ResultCode.BUSY)).toBeGreaterThan(500);
    });
  });
});
