/**
 * Event subscriptions (docs/events.md) with automatic resume:
 *
 *   const sub = EventSubscription.open({ url: 'ws://127.0.0.1:7401', apiKey, stream: 'private' });
 *   for await (const event of sub) if (event.kind === 'fill') console.log(event.price, event.quantity);
 *
 * or with a callback: EventSubscription.open({ ..., onEvent: (e) => ... }). `position` is where the
 * application stands (the last event it took): hand it back as `from` after a restart of your program
 * and nothing is missed or repeated. A dropped connection (network, server restart, SLOW_CONSUMER)
 * reconnects by itself; credentials or a refused stream end the subscription with an error.
 *
 * Bounded: when the application iterates more slowly than events come and maxQueuedEvents are waiting,
 * the connection is dropped (events stop arriving); once the application has taken every queued event
 * the subscription reconnects from there — no gap, no duplicate, no unbounded memory.
 *
 * URLs: ws:// or wss:// (the command port; the path /v1/events is used), tcp:// or tls:// (the event
 * TCP port, `ringline start --events-tcp-port`).
 */
import { EvtHeader, EVT_RECORD_BYTES, isAfterPosition } from '../codec/records/event_descriptor.ts';
import { decodeEvent, type RinglineEvent } from '../codec/records/event_decoder.ts';
import { ResultCode, resultName } from '../codec/result_codes.ts';
import {
  AFTER_ALL_OF_COMMAND, decodeClosing, EventsFrame, EventFrameType, LIVE_ONLY, SubscribedFrame, MAX_DEPTH_LEVELS,
  decodeDepth, encodeSubscribe, type DepthUpdate, type EventStreamName,
} from '../codec/wire/event_frame_descriptor.ts';
import type { ClientTlsOptions, ClientTransport } from './client_transport.ts';
import { TcpTransport } from './tcp_transport.ts';
import { WsTransport } from './ws_transport.ts';
import { jitteredDelayMs, nextStepMs } from './reconnect_delay.ts';

/** (sequence, index) of the last event held; index 0xFFFFFFFF = every event of that command. */
export interface EventPosition {
  readonly sequence: number;
  readonly index: number;
}

export interface EventSubscriptionOptions {
  readonly url: string;
  readonly apiKey: string;
  /** private (default): your accounts' events; all: every event (admin); market: one symbol's trades. */
  readonly stream?: EventStreamName;
  readonly symbolId?: number;
  /** Market stream: also receive the top N levels a side (onDepth) whenever they change; 0 (default) = trades only. */
  readonly depthLevels?: number;
  /** Called with the market's top levels (depthLevels > 0): on each (re)connection, then on every change of them. */
  readonly onDepth?: (depth: DepthUpdate) => void;
  /**
   * Events held for the iterator at most (default 65536; 1 .. 10_000_000). Past it the connection is
   * dropped and resumed once the application has taken them all.
   */
  readonly maxQueuedEvents?: number;
  /** Where to start: 'live' (default: from now), 'start' (every event since the first command), or a position. */
  readonly from?: 'live' | 'start' | EventPosition;
  /** Called for each event, in order (instead of, or as well as, iterating). */
  readonly onEvent?: (event: RinglineEvent) => void;
  /**
   * For consumers that decode in bulk (the projector): the records themselves, undecoded
   * (codec/records/event_descriptor.ts), back to back, each run strictly after the previous one — a
   * view valid during the call only. With it nothing is decoded or queued: onEvent is not called and
   * iterating only waits for the end (or throws its failure).
   */
  readonly onRecords?: (records: Uint8Array) => void;
  /** Called when the server closes the subscription with a code (SLOW_CONSUMER, SHUTTING_DOWN, ...). */
  readonly onClosing?: (code: number, message: string) => void;
  /** Reconnect delays (ms): doubling from min to max, each wait drawn from the upper half of its step. Default 50 .. 2000. */
  readonly reconnectDelayMs?: { readonly min: number; readonly max: number };
  readonly connectTimeoutMs?: number;
  readonly tls?: ClientTlsOptions;
}

/** Codes after which reconnecting cannot help: the subscription ends with an error. */
const FATAL_CODES: ReadonlySet<number> = new Set([
  ResultCode.BAD_CREDENTIALS, ResultCode.ADMIN_REQUIRED, ResultCode.MALFORMED_FRAME, ResultCode.INVALID_FIELD_VALUE, ResultCode.HISTORY_RETIRED,
  // The engine runs with events off: reconnecting cannot help until it is restarted with them on.
  ResultCode.EVENTS_DISABLED,
]);

export const DEFAULT_MAX_QUEUED_EVENTS = 65_536;
const MAX_QUEUED_EVENTS_LIMIT = 10_000_000;

function validate(options: EventSubscriptionOptions): void {
  const queued = options.maxQueuedEvents ?? DEFAULT_MAX_QUEUED_EVENTS;
  if (!Number.isInteger(queued) || queued < 1 || queued > MAX_QUEUED_EVENTS_LIMIT) {
    throw new RangeError(`maxQueuedEvents must be an integer 1..${MAX_QUEUED_EVENTS_LIMIT}, got ${queued}`);
  }
  const depth = options.depthLevels ?? 0;
  if (!Number.isInteger(depth) || depth < 0 || depth > MAX_DEPTH_LEVELS) throw new RangeError(`depthLevels must be an integer 0..${MAX_DEPTH_LEVELS}, got ${depth}`);
  if (depth > 0 && options.stream !== 'market') throw new RangeError(`depthLevels is for stream 'market' only (stream is ${options.stream ?? 'private'})`);
}

export class EventSubscriptionError extends Error {
  constructor(readonly code: number, message: string) {
    super(`${resultName(code)} (${code}): ${message}`);
    this.name = 'EventSubscriptionError';
  }
}

export class EventSubscription implements AsyncIterable<RinglineEvent> {
  /** The last event received (or the server's throughSequence): where a connection resumes. */
  private current: EventPosition | null;
  /** The last event the application took (iterator or onEvent), or `current` when nothing is queued. */
  private taken: EventPosition | null;
  private iterating = false;
  /** The queue overflowed: the connection was dropped; reconnect once it is empty. */
  private overflowed = false;
  private drained: (() => void) | null = null;
  private readonly maxQueued: number;
  /** Times the queue overflowed (the connection was dropped and resumed). */
  overflows = 0;
  private transport: ClientTransport | null = null;
  private closedByUser = false;
  private failure: Error | null = null;
  private readonly queue: RinglineEvent[] = [];
  private waiter: (() => void) | null = null;
  private delayMs: number;
  /** Connections opened so far (1 + reconnects). */
  connections = 0;
  /** The last CLOSING the server sent: code and message. */
  lastClosing: { readonly code: number; readonly message: string } | null = null;

  private constructor(private readonly options: EventSubscriptionOptions) {
    const from = options.from ?? 'live';
    this.current = from === 'live' ? null : from === 'start' ? { sequence: 0, index: AFTER_ALL_OF_COMMAND } : from;
    this.taken = this.current;
    this.maxQueued = options.maxQueuedEvents ?? DEFAULT_MAX_QUEUED_EVENTS;
    this.delayMs = options.reconnectDelayMs?.min ?? 50;
  }

  static open(options: EventSubscriptionOptions): EventSubscription {
    validate(options);
    const sub = new EventSubscription(options);
    void sub.connect();
    return sub;
  }

  /** Every event up to here has been taken by the application (null before anything is known of a live subscription). */
  get position(): EventPosition | null {
    return this.taken;
  }

  /** Events received and not yet taken by the iterator. */
  get queued(): number {
    return this.queue.length;
  }

  /** Stops for good. The iterator ends once the events already received are taken. */
  close(): void {
    this.closedByUser = true;
    this.transport?.close();
    this.wake();
    this.onDrained();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<RinglineEvent> {
    this.iterating = true;
    for (;;) {
      const next = this.queue.shift();
      if (next !== undefined) {
        this.taken = this.queue.length === 0 ? this.current : { sequence: next.sequence, index: next.index };
        if (this.queue.length === 0) this.onDrained();
        yield next;
        continue;
      }
      if (this.failure !== null) throw this.failure;
      if (this.closedByUser) return;
      await new Promise<void>((resolve) => { this.waiter = resolve; });
    }
  }

  private onDrained(): void {
    const drained = this.drained;
    this.drained = null;
    drained?.();
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }

  private async connect(): Promise<void> {
    while (!this.closedByUser && this.failure === null) {
      try {
        const transport = await this.openTransport();
        if (this.closedByUser) {
          transport.close();
          return;
        }
        this.connections++;
        this.transport = transport;
        const ended = new Promise<void>((resolve) => { transport.onClose = () => resolve(); });
        transport.onMessage = (frame) => this.onFrame(frame);
        const from = this.current;
        transport.sendBatch([encodeSubscribe({
          stream: this.options.stream ?? 'private', symbolId: this.options.symbolId ?? 0, key: this.options.apiKey, depthLevels: this.options.depthLevels ?? 0,
          afterSequence: from === null ? LIVE_ONLY : from.sequence, afterIndex: from === null ? AFTER_ALL_OF_COMMAND : from.index,
        })]);
        await ended;
        this.transport = null;
      } catch {
        // Not reachable now (a restart in progress): try again after the delay.
      }
      if (this.closedByUser || this.failure !== null) break;
      if (this.overflowed) {
        // Resume once the application has taken everything queued: from its last event on.
        if (this.queue.length > 0) await new Promise<void>((resolve) => { this.drained = resolve; });
        this.overflowed = false;
        continue;
      }
      await new Promise((resolve) => setTimeout(resolve, jitteredDelayMs(this.delayMs)));
      this.delayMs = nextStepMs(this.delayMs, this.options.reconnectDelayMs?.max ?? 2000);
    }
    this.wake();
  }

  private onFrame(frame: Uint8Array): void {
    const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
    const type = frame.byteLength > 0 ? view.getUint8(0) : 0;
    if (type === EventFrameType.EVENTS && frame.byteLength >= EventsFrame.BYTES) {
      const count = view.getUint32(EventsFrame.COUNT, true);
      if (frame.byteLength !== EventsFrame.BYTES + count * EVT_RECORD_BYTES) return this.protocolError(`EVENTS frame of ${frame.byteLength} bytes for ${count} records`);
      if (this.overflowed) return; // dropped: what still arrives is asked for again on resume
      if (this.options.onRecords !== undefined) return this.onRecordsFrame(frame, view, count, this.options.onRecords);
      for (let i = 0; i < count; i++) {
        const event = decodeEvent(frame, EventsFrame.BYTES + i * EVT_RECORD_BYTES);
        // Never a duplicate, whatever the server sends.
        if (this.current !== null && !isAfterPosition(event.sequence, event.index, this.current.sequence, this.current.index)) continue;
        if (this.iterating && this.queue.length >= this.maxQueued) return this.overflow();
        this.current = { sequence: event.sequence, index: event.index };
        this.delayMs = this.options.reconnectDelayMs?.min ?? 50;
        if (this.iterating) this.queue.push(event);
        else this.taken = this.current;
        this.options.onEvent?.(event);
      }
      this.advanceTo(view.getFloat64(EventsFrame.THROUGH_SEQUENCE, true));
      if (count > 0) this.wake();
    } else if (type === EventFrameType.DEPTH) {
      const depth = decodeDepth(frame);
      if (typeof depth === 'string') return this.protocolError(depth);
      this.options.onDepth?.(depth);
    } else if (type === EventFrameType.SUBSCRIBED) {
      if (this.current === null) this.advanceTo(view.getFloat64(SubscribedFrame.RELEASED_THROUGH, true));
    } else if (type === EventFrameType.CLOSING) {
      const closing = decodeClosing(frame);
      if (typeof closing === 'string') return this.protocolError(closing);
      const { code, message } = closing;
      this.lastClosing = closing;
      this.options.onClosing?.(code, message);
      if (FATAL_CODES.has(code)) {
        this.failure = new EventSubscriptionError(code, message);
        this.transport?.close();
        this.wake();
      }
    } else {
      this.protocolError(`unknown frame type ${type}`);
    }
  }

  /** onRecords: the frame's records after the position, undecoded, in runs (a record at or before the position is skipped, as when decoding). */
  private onRecordsFrame(frame: Uint8Array, view: DataView, count: number, onRecords: (records: Uint8Array) => void): void {
    const at = (i: number): number => EventsFrame.BYTES + i * EVT_RECORD_BYTES;
    let runStart = 0;
    for (let i = 0; i < count; i++) {
      const sequence = view.getFloat64(at(i) + EvtHeader.SEQUENCE, true);
      const index = view.getUint32(at(i) + EvtHeader.INDEX, true);
      if (this.current === null || isAfterPosition(sequence, index, this.current.sequence, this.current.index)) {
        this.current = { sequence, index };
        continue;
      }
      // Never a duplicate, whatever the server sends.
      if (i > runStart) onRecords(frame.subarray(at(runStart), at(i)));
      runStart = i + 1;
    }
    if (count > runStart) {
      this.delayMs = this.options.reconnectDelayMs?.min ?? 50;
      onRecords(frame.subarray(at(runStart), at(count)));
    }
    this.advanceTo(view.getFloat64(EventsFrame.THROUGH_SEQUENCE, true));
  }

  /** Every event of every command up to `through` is held: the position moves there if that is later. */
  private advanceTo(through: number): void {
    if (through < 0) return;
    if (this.current === null || isAfterPosition(through, AFTER_ALL_OF_COMMAND, this.current.sequence, this.current.index)) {
      this.current = { sequence: through, index: AFTER_ALL_OF_COMMAND };
      if (this.queue.length === 0) this.taken = this.current;
    }
  }

  /** The application is maxQueuedEvents behind: stop receiving until it has caught up. */
  private overflow(): void {
    this.overflowed = true;
    this.overflows++;
    this.wake();
    this.transport?.close();
  }

  private protocolError(message: string): void {
    this.failure = new EventSubscriptionError(ResultCode.MALFORMED_FRAME, `from the server: ${message}`);
    this.transport?.close();
    this.wake();
  }

  private openTransport(): Promise<ClientTransport> {
    const url = new URL(this.options.url);
    const timeout = this.options.connectTimeoutMs ?? 5000;
    const tls = this.options.tls ?? {};
    const ws = (): string => `${url.protocol}//${url.host}/v1/events`;
    if (url.protocol === 'tcp:') return TcpTransport.open(url.hostname, Number(url.port || 7402), timeout);
    if (url.protocol === 'tls:') return TcpTransport.open(url.hostname, Number(url.port || 7402), timeout, tls);
    if (url.protocol === 'ws:') return WsTransport.open(ws(), timeout);
    if (url.protocol === 'wss:') return WsTransport.open(ws(), timeout, {}, tls);
    throw new RangeError(`event subscription url must start with tcp://, tls://, ws:// or wss://, got ${this.options.url}`);
  }
}
