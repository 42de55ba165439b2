/**
 * The console's market data: one market subscription per watched symbol through the event hub's
 * public subscription API (EventHub.subscribe with an in-memory transport, stream 'market', live
 * only, depthLevels BOOK_LEVELS), the same public trades any client's market subscription gets
 * (account, order and principal ids blanked) and DEPTH frames of the book's top levels whenever they
 * change. Only this file knows how the hub frames market data: when the market stream changes shape,
 * this adapter changes, the console does not.
 *
 * Cost: the hub copies each released event of a watched symbol into this subscription's frame (as for
 * any subscriber) and keeps the book from the symbol's LEVEL_CHANGED events (one GET_DEPTH when the
 * subscription starts, none after); this side decodes only the newest TRADES_KEPT fills of each frame
 * and the DEPTH frames, on the main thread. Subscriptions exist only while a console watches the symbol.
 */
import { EvtHeader, EVT_RECORD_BYTES, EventKind } from '../../codec/records/event_descriptor.ts';
import { decodeEvent } from '../../codec/records/event_decoder.ts';
import { decodeClosing, decodeDepth, EventsFrame, EventFrameType, LIVE_ONLY } from '../../codec/wire/event_frame_descriptor.ts';
import type { EventHub, EventTransport, Subscriber } from '../event_hub.ts';
import { PREFIX_BYTES } from '../event_frame_builder.ts';
import { BOOK_LEVELS, bookFromDepth, type BookView } from './console_books.ts';

/** Trades kept and shown per symbol. */
export const TRADES_KEPT = 20;

export interface TradeView {
  /** Sequence of the command that traded. */
  readonly sequence: number;
  /** Sequencer time of that command, Unix µs. */
  readonly timestampUs: number;
  readonly price: number;
  readonly quantity: number;
  /** The side of the order that took liquidity. */
  readonly takerSide: 'buy' | 'sell';
}

export interface SymbolTrades {
  readonly symbolId: number;
  /** Newest first, at most TRADES_KEPT, since the console began watching the symbol. */
  readonly trades: readonly TradeView[];
  /** Why there are none to be had ('' when the stream is live). */
  readonly unavailable: string;
}

/** What a market subscription hands the console. */
export interface MarketHandlers {
  /** New trades, oldest first. */
  readonly onTrades: (trades: readonly TradeView[]) => void;
  /**
   * A DEPTH frame (the book's top BOOK_LEVELS levels a side), when the subscription starts and whenever
   * they change: kept as it came, decoded by bookOfDepthFrame only when a console frame shows it.
   */
  readonly onDepth: (frame: Uint8Array) => void;
  /** The stream refused or ended, and why. */
  readonly onClosed: (reason: string) => void;
}

/** Where the console gets trades and books from: the hub (EventHub.subscribe), or a test's stand-in. */
export interface MarketSource {
  /** Starts delivering `symbolId`'s trades and book; `principalId` is the console's (the book's first GET_DEPTH is asked as it). */
  subscribe(symbolId: number, principalId: number, handlers: MarketHandlers): () => void;
}

class MarketTransport implements EventTransport {
  subscriber: Subscriber | null = null;
  ended = false;
  constructor(private readonly handlers: MarketHandlers) {}

  send(frames: readonly Buffer[]): void {
    for (const prefixed of frames) this.receive(prefixed.subarray(PREFIX_BYTES));
  }

  private receive(frame: Uint8Array): void {
    if (this.ended) return;
    const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
    const type = view.getUint8(0);
    if (type === EventFrameType.CLOSING) {
      this.ended = true;
      const closing = decodeClosing(frame);
      this.handlers.onClosed(typeof closing === 'string' ? closing : closing.message);
      return;
    }
    if (type === EventFrameType.DEPTH) {
      this.handlers.onDepth(frame);
      return;
    }
    if (type !== EventFrameType.EVENTS) return;
    const count = view.getUint32(EventsFrame.COUNT, true);
    const trades: TradeView[] = [];
    // Newest last in the frame: walk back, decode only what will be kept.
    for (let i = count - 1; i >= 0 && trades.length < TRADES_KEPT; i--) {
      const at = EventsFrame.BYTES + i * EVT_RECORD_BYTES;
      if (view.getUint16(at + EvtHeader.KIND, true) !== EventKind.FILL) continue;
      const fill = decodeEvent(frame, at);
      if (fill.kind !== 'fill') continue;
      trades.push({ sequence: fill.sequence, timestampUs: fill.timestampUs, price: fill.price, quantity: fill.quantity, takerSide: fill.takerSide });
    }
    if (trades.length > 0) this.handlers.onTrades(trades.reverse());
  }

  bufferedBytes(): number {
    return 0; // handled synchronously: nothing ever waits here
  }

  close(): void {
    this.ended = true;
  }
}

/** The book a DEPTH frame carries; null when the frame is malformed. */
export function bookOfDepthFrame(frame: Uint8Array): BookView | null {
  const depth = decodeDepth(frame);
  return typeof depth === 'string' ? null : bookFromDepth(depth);
}

/** Trades and books from the event hub's market stream (live only: trades from when the console began watching). */
export function hubMarketSource(hub: EventHub): MarketSource {
  return {
    subscribe(symbolId, principalId, handlers) {
      const transport = new MarketTransport(handlers);
      // Public market data: no principal's private events can come through this stream (never admin).
      transport.subscriber = hub.subscribe(transport, principalId, false, {
        stream: 'market', afterSequence: LIVE_ONLY, afterIndex: 0, symbolId, key: '', depthLevels: BOOK_LEVELS,
      });
      return () => {
        transport.ended = true;
        if (transport.subscriber !== null) hub.unsubscribe(transport.subscriber);
      };
    },
  };
}
