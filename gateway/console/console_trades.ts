/**
 * Latest trades for the console: one market subscription per watched symbol through the event hub's
 * public subscription API (EventHub.subscribe with an in-memory transport, stream 'market', live
 * only), the same public trades any client's market subscription gets (account, order and principal
 * ids blanked). Only this file knows how the hub frames market data: when the market stream changes
 * shape, this adapter changes, the console does not.
 *
 * Cost: the hub copies each released event of a watched symbol into this subscription's frame (as for
 * any subscriber); this side decodes only the newest TRADES_KEPT fills of each frame, on the main
 * thread. Subscriptions exist only while a console watches the symbol.
 */
import { EVT_KIND_OFFSET, EVT_RECORD_BYTES, EventKind } from '../../codec/records/event_descriptor.ts';
import { decodeEvent } from '../../codec/records/event_decoder.ts';
import { decodeClosing, EVENTS_COUNT_OFFSET, EVENTS_HEADER_BYTES, EventFrameType, LIVE_ONLY } from '../../codec/wire/event_frame_descriptor.ts';
import type { EventHub, EventTransport, Subscriber } from '../event_hub.ts';
import { PREFIX_BYTES } from '../event_frame_builder.ts';

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

/** Where the console gets trades from: the hub, or nothing (an engine without an event stream). */
export interface TradeSource {
  /** Starts delivering `symbolId`'s trades to `onTrades` (oldest first); returns how to stop. */
  subscribe(symbolId: number, onTrades: (trades: readonly TradeView[]) => void, onClosed: (reason: string) => void): () => void;
}

class TradeTransport implements EventTransport {
  subscriber: Subscriber | null = null;
  ended = false;
  constructor(private readonly onTrades: (trades: readonly TradeView[]) => void, private readonly onClosed: (reason: string) => void) {}

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
      this.onClosed(typeof closing === 'string' ? closing : closing.message);
      return;
    }
    if (type !== EventFrameType.EVENTS) return;
    const count = view.getUint32(EVENTS_COUNT_OFFSET, true);
    const trades: TradeView[] = [];
    // Newest last in the frame: walk back, decode only what will be kept.
    for (let i = count - 1; i >= 0 && trades.length < TRADES_KEPT; i--) {
      const at = EVENTS_HEADER_BYTES + i * EVT_RECORD_BYTES;
      if (view.getUint16(at + EVT_KIND_OFFSET, true) !== EventKind.FILL) continue;
      const fill = decodeEvent(frame, at);
      if (fill.kind !== 'fill') continue;
      trades.push({ sequence: fill.sequence, timestampUs: fill.timestampUs, price: fill.price, quantity: fill.quantity, takerSide: fill.takerSide });
    }
    if (trades.length > 0) this.onTrades(trades.reverse());
  }

  bufferedBytes(): number {
    return 0; // handled synchronously: nothing ever waits here
  }

  close(): void {
    this.ended = true;
  }
}

/** Trades from the event hub's market stream (live only: trades from when the console began watching). */
export function hubTradeSource(hub: EventHub): TradeSource {
  return {
    subscribe(symbolId, onTrades, onClosed) {
      const transport = new TradeTransport(onTrades, onClosed);
      // Public market data: no principal's private events can come through this stream.
      transport.subscriber = hub.subscribe(transport, 0, false, { stream: 'market', afterSequence: LIVE_ONLY, afterIndex: 0, symbolId, key: '', depthLevels: 0 });
      return () => {
        transport.ended = true;
        if (transport.subscriber !== null) hub.unsubscribe(transport.subscriber);
      };
    },
  };
}

interface Watched {
  readonly trades: TradeView[];
  unavailable: string;
  stop: () => void;
}

/** The trades of the symbols consoles watch: subscribed while watched, forgotten after. */
export class ConsoleTrades {
  private readonly watched = new Map<number, Watched>();

  constructor(private readonly source: TradeSource | null) {}

  /** Subscribes the symbols newly watched, lets go of those no longer watched. */
  watch(symbolIds: readonly number[]): void {
    for (const [id, w] of this.watched) {
      if (!symbolIds.includes(id)) {
        w.stop();
        this.watched.delete(id);
      }
    }
    for (const id of symbolIds) {
      const known = this.watched.get(id);
      if (known !== undefined && known.unavailable === '') continue;
      known?.stop();
      this.watched.set(id, this.start(id, known?.trades ?? []));
    }
  }

  views(symbolIds: readonly number[]): SymbolTrades[] {
    return symbolIds.map((symbolId) => {
      const w = this.watched.get(symbolId);
      if (w === undefined) return { symbolId, trades: [], unavailable: 'not watched' };
      return { symbolId, trades: w.trades, unavailable: w.unavailable };
    });
  }

  close(): void {
    for (const w of this.watched.values()) w.stop();
    this.watched.clear();
  }

  private start(symbolId: number, kept: TradeView[]): Watched {
    const w: Watched = { trades: kept, unavailable: '', stop: () => { /* set below */ } };
    if (this.source === null) {
      w.unavailable = 'this engine has no event stream';
      return w;
    }
    w.stop = this.source.subscribe(symbolId, (trades) => {
      // Newest first, TRADES_KEPT at most.
      for (const t of trades) w.trades.unshift(t);
      if (w.trades.length > TRADES_KEPT) w.trades.length = TRADES_KEPT;
    }, (reason) => { w.unavailable = reason === '' ? 'the market stream closed' : reason; });
    return w;
  }
}
