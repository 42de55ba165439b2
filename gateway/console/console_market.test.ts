import { describe, expect, it } from 'vitest';
import { ResultCode } from '../../codec/result_codes.ts';
import { encodeDepth } from '../../codec/wire/event_frame_descriptor.ts';
import type { DepthAnswer } from '../event_depth_book.ts';
import type { DepthDone } from '../event_depth_source.ts';
import { ConsoleMarket, type BookQuery } from './console_market.ts';
import type { MarketHandlers, MarketSource } from './console_trades.ts';

const ADMIN_PRINCIPAL = 5;

/** GET_DEPTH as the gateway answers it, but by hand: each query waits until the test answers it. */
class FakeQuery implements BookQuery {
  readonly asked: { symbolId: number; principalId: number; done: DepthDone }[] = [];
  closed = 0;
  query(symbolId: number, _levels: number, principalId: number, done: DepthDone): void {
    this.asked.push({ symbolId, principalId, done });
  }
  answer(code: number, answer: DepthAnswer | null = null): void {
    const q = this.asked.shift();
    if (q === undefined) throw new Error('no query in flight');
    q.done(answer, code);
  }
  close(): void {
    this.closed++;
  }
}

/** The hub's market stream by hand: records subscriptions; `refuse` answers the next one with a CLOSING. */
class FakeSource implements MarketSource {
  readonly live = new Map<number, MarketHandlers>();
  readonly principals: number[] = [];
  refuse = '';
  subscribe(symbolId: number, principalId: number, handlers: MarketHandlers): () => void {
    this.principals.push(principalId);
    if (this.refuse !== '') {
      handlers.onClosed(this.refuse);
      return () => { throw new Error('a refused stream is never stopped'); };
    }
    this.live.set(symbolId, handlers);
    return () => { this.live.delete(symbolId); };
  }
}

const BOOK: DepthAnswer = { sequence: 40, bids: [[99, 5]], asks: [[101, 3]] };

describe('ConsoleMarket', () => {
  it('looks at a symbol once, then follows its market stream and asks nothing more', () => {
    const query = new FakeQuery();
    const source = new FakeSource();
    const market = new ConsoleMarket(query, source);
    market.watch([7], ADMIN_PRINCIPAL, false);
    expect(query.asked.map((q) => [q.symbolId, q.principalId])).toEqual([[7, ADMIN_PRINCIPAL]]);
    expect(market.trades([7])[0]?.unavailable).toBe('waiting for the book');
    query.answer(ResultCode.OK, BOOK);
    // The stream starts in the answer's turn, as the logged-in admin.
    expect([...source.live.keys()]).toEqual([7]);
    expect(source.principals).toEqual([ADMIN_PRINCIPAL]);
    expect(market.books([7])).toMatchObject([{ symbolId: 7, code: 0, status: 'OK', sequence: 40, bids: [[99, 5]], asks: [[101, 3]] }]);
    for (let tick = 0; tick < 20; tick++) market.watch([7], ADMIN_PRINCIPAL, true);
    expect(market.queries).toBe(1);
    // A DEPTH frame replaces the book; a trade is listed.
    source.live.get(7)?.onDepth(encodeDepth(7, 55, [99, 97], [5, 4], [], [], 10));
    source.live.get(7)?.onTrades([{ sequence: 54, timestampUs: 1, price: 101, quantity: 3, takerSide: 'buy' }]);
    expect(market.books([7])).toMatchObject([{ symbolId: 7, code: 0, sequence: 55, bids: [[99, 5], [97, 4]], asks: [] }]);
    expect(market.trades([7])).toEqual([{ symbolId: 7, unavailable: '', trades: [{ sequence: 54, timestampUs: 1, price: 101, quantity: 3, takerSide: 'buy' }] }]);
  });

  it('asks again once per poll while a symbol does not exist, and streams it once it does', () => {
    const query = new FakeQuery();
    const source = new FakeSource();
    const market = new ConsoleMarket(query, source);
    market.watch([8], ADMIN_PRINCIPAL, true);
    query.answer(ResultCode.SYMBOL_NOT_FOUND);
    expect(market.books([8])).toMatchObject([{ symbolId: 8, status: 'SYMBOL_NOT_FOUND', bids: [], asks: [] }]);
    expect(market.trades([8])[0]?.unavailable).toBe('SYMBOL_NOT_FOUND');
    expect(source.live.size).toBe(0);
    market.watch([8], ADMIN_PRINCIPAL, false);
    expect(query.asked).toHaveLength(0);
    market.watch([8], ADMIN_PRINCIPAL, true);
    // One in flight at most: a second due poll waits for it.
    market.watch([8], ADMIN_PRINCIPAL, true);
    expect(query.asked).toHaveLength(1);
    query.answer(ResultCode.OK, { sequence: 90, bids: [], asks: [] });
    expect([...source.live.keys()]).toEqual([8]);
    expect(market.queries).toBe(2);
  });

  it('falls back to GET_DEPTH once per poll when the stream is refused, and says why there are no trades', () => {
    const query = new FakeQuery();
    const source = new FakeSource();
    source.refuse = 'the event stream is disabled';
    const market = new ConsoleMarket(query, source);
    market.watch([7], ADMIN_PRINCIPAL, true);
    query.answer(ResultCode.OK, BOOK);
    expect(market.trades([7])[0]?.unavailable).toBe('the event stream is disabled');
    market.watch([7], ADMIN_PRINCIPAL, true);
    query.answer(ResultCode.OK, { ...BOOK, sequence: 41, bids: [[99, 6]] });
    expect(market.books([7])).toMatchObject([{ sequence: 41, bids: [[99, 6]] }]);
    expect(market.queries).toBe(2);
    // Each OK answer tries the stream again: it is taken once offered.
    source.refuse = '';
    market.watch([7], ADMIN_PRINCIPAL, true);
    query.answer(ResultCode.OK, BOOK);
    expect(market.trades([7])[0]?.unavailable).toBe('');
  });

  it('says so when the engine has no event stream at all', () => {
    const query = new FakeQuery();
    const market = new ConsoleMarket(query, null);
    market.watch([7], ADMIN_PRINCIPAL, true);
    query.answer(ResultCode.OK, BOOK);
    expect(market.trades([7])[0]?.unavailable).toBe('this engine has no event stream');
    expect(market.books([7])).toHaveLength(1);
  });

  it('lets go of symbols no longer watched and of everything on close; asks nothing without a principal', () => {
    const query = new FakeQuery();
    const source = new FakeSource();
    const market = new ConsoleMarket(query, source);
    market.watch([7], 0, true);
    expect(query.asked).toHaveLength(0);
    market.watch([7, 8], ADMIN_PRINCIPAL, true);
    query.answer(ResultCode.OK, BOOK);
    query.answer(ResultCode.OK, BOOK);
    expect(source.live.size).toBe(2);
    market.watch([8], ADMIN_PRINCIPAL, false);
    expect([...source.live.keys()]).toEqual([8]);
    expect(market.trades([7])[0]?.unavailable).toBe('not watched');
    // An answer arriving after the symbol was let go changes nothing.
    market.watch([8, 9], ADMIN_PRINCIPAL, false);
    market.watch([8], ADMIN_PRINCIPAL, false);
    query.answer(ResultCode.OK, BOOK);
    expect([...source.live.keys()]).toEqual([8]);
    market.close();
    expect(source.live.size).toBe(0);
    expect(query.closed).toBe(1);
  });
});
