/**
 * Event subscriptions, whatever the transport (event_ws.ts, event_tcp.ts): who may see which event,
 * resume without gap or duplicate, and bounded buffers.
 *
 *   private  a principal's own events: those whose principalId or counterpartyPrincipalId is it (the
 *            counterparty's order and account ids in a fill are blanked for it);
 *   all      every event (admin principals only; the projector's stream);
 *   market   one symbol's public trades: FILL events with every account, order and principal id blanked.
 *
 * Each released event is pushed at once to every subscriber it is for, in frames of up to
 * maxBatchEvents records. A subscriber whose transport holds more than maxBufferedBytes unsent is
 * disconnected with SLOW_CONSUMER (it resumes later from its last position): nothing is queued here,
 * so a slow reader costs neither the engine nor the others anything but its own socket buffer.
 *
 * Resume: a position at or after the retention's boundary is served from the retention; an older one
 * from a journal replay in a worker thread (replay/event_replay_worker.ts), then from the retention.
 */
import type { Worker } from 'node:worker_threads';
import {
  EVT_COUNTERPARTY_PRINCIPAL_ID_OFFSET, EVT_INDEX_OFFSET, EVT_KIND_OFFSET, EVT_PRINCIPAL_ID_OFFSET, EVT_RECORD_BYTES,
  EVT_SEQUENCE_OFFSET, EventKind, FillBody,
} from '../codec/records/event_descriptor.ts';
import { createRecordBuffer, type RecordBuffer } from '../codec/records/record_buffer.ts';
import { ResultCode } from '../codec/result_codes.ts';
import {
  AFTER_ALL_OF_COMMAND, EVENTS_COUNT_OFFSET, EVENTS_HEADER_BYTES, EVENTS_THROUGH_SEQUENCE_OFFSET, EventFrameType, LIVE_ONLY,
  encodeClosing, encodeSubscribed, type SubscribeRequest,
} from '../codec/wire/event_frame_descriptor.ts';
import { spawnWorker } from '../core/spawn_worker.ts';
import type { EngineEvents } from '../core/engine_api.ts';
import type { EventReplayMessage } from '../core/engine_worker_protocol.ts';

/** What a transport offers a subscription. */
export interface EventTransport {
  /** Sends one frame (the transport adds TCP's length prefix). The bytes may be reused after the call. */
  send(frame: Uint8Array): void;
  /** Bytes accepted by send() and not yet written to the network. */
  bufferedBytes(): number;
  /** Sends nothing more and closes (after a CLOSING frame the hub already sent). */
  close(code: number): void;
}

export interface EventHubOptions {
  /** A subscriber with more unsent bytes than this is disconnected (SLOW_CONSUMER). */
  readonly maxBufferedBytes: number;
  /** Records per EVENTS frame. */
  readonly maxBatchEvents: number;
  /** Journal replays running at once (each a worker thread); more wait their turn. */
  readonly maxReplays: number;
  /** How often idle subscribers are told how far they are up to date. */
  readonly progressEveryMs: number;
  /** Subscriptions open at once; one more is refused with TOO_MANY_CONNECTIONS. */
  readonly maxSubscriptions: number;
}

export const DEFAULT_EVENT_HUB_OPTIONS: EventHubOptions = {
  maxBufferedBytes: 8 * 1024 * 1024, maxBatchEvents: 1024, maxReplays: 2, progressEveryMs: 200, maxSubscriptions: 10_000,
};

const U32_PER_RECORD = EVT_RECORD_BYTES / 4;

export interface Subscriber {
  readonly principalId: number;
  readonly admin: boolean;
  readonly request: SubscribeRequest;
}

class Subscription implements Subscriber {
  /** Next retention position to look at; -1 while a journal replay catches it up. */
  position = -1;
  /** The last event sent (sequence, index): where a replay resumes. */
  lastSequence: number;
  lastIndex: number;
  /** throughSequence last sent. */
  sentThrough = -1;
  closed = false;
  replay: Worker | null = null;
  /** Frame under construction (records word-aligned after its 16-byte header: frameU32 copies them). */
  readonly frame: Uint8Array;
  readonly frameView: DataView;
  readonly frameU32: Uint32Array;
  count = 0;

  constructor(readonly transport: EventTransport, readonly principalId: number, readonly admin: boolean,
    readonly request: SubscribeRequest, maxBatchEvents: number) {
    this.lastSequence = request.afterSequence;
    this.lastIndex = request.afterIndex;
    this.frame = new Uint8Array(EVENTS_HEADER_BYTES + maxBatchEvents * EVT_RECORD_BYTES);
    this.frameView = new DataView(this.frame.buffer);
    this.frameU32 = new Uint32Array(this.frame.buffer);
  }
}

export class EventHub {
  private readonly subscriptions = new Set<Subscription>();
  private readonly waitingReplay: Subscription[] = [];
  private replaysRunning = 0;
  private readonly progressTimer: NodeJS.Timeout;
  private readonly options: EventHubOptions;
  /** Counters for /metrics and tests. */
  readonly stats = { eventsSent: 0, slowConsumerDisconnects: 0, replays: 0 };

  constructor(private readonly events: EngineEvents, options: Partial<EventHubOptions> = {}) {
    this.options = { ...DEFAULT_EVENT_HUB_OPTIONS, ...options };
    events.feed.onReleased(() => this.deliverAll());
    this.progressTimer = setInterval(() => this.sendProgress(), this.options.progressEveryMs);
    this.progressTimer.unref();
  }

  get size(): number {
    return this.subscriptions.size;
  }

  /**
   * Starts a subscription for an authenticated principal, or answers a refusal (CLOSING frame, then
   * close) and returns null: the `all` stream needs an admin.
   */
  subscribe(transport: EventTransport, principalId: number, admin: boolean, request: SubscribeRequest): Subscriber | null {
    if (request.stream === 'all' && !admin) {
      this.refuse(transport, ResultCode.ADMIN_REQUIRED, 'the all-events stream needs an admin principal');
      return null;
    }
    if (this.subscriptions.size >= this.options.maxSubscriptions) {
      this.refuse(transport, ResultCode.TOO_MANY_CONNECTIONS, `${this.options.maxSubscriptions} subscriptions are open (maxConnections)`);
      return null;
    }
    const sub = new Subscription(transport, principalId, admin, request, this.options.maxBatchEvents);
    const retention = this.events.feed.retention;
    if (request.afterSequence === LIVE_ONLY) {
      sub.position = retention.released;
      sub.lastSequence = this.events.feed.through;
      sub.lastIndex = AFTER_ALL_OF_COMMAND;
    }
    this.subscriptions.add(sub);
    transport.send(encodeSubscribed(this.events.feed.through));
    if (sub.position < 0) this.catchUp(sub);
    else this.deliver(sub);
    return sub;
  }

  unsubscribe(subscriber: Subscriber): void {
    const sub = subscriber as Subscription;
    sub.closed = true;
    this.subscriptions.delete(sub);
    if (sub.replay !== null) void sub.replay.terminate();
  }

  close(): void {
    clearInterval(this.progressTimer);
    for (const sub of [...this.subscriptions]) this.disconnect(sub, ResultCode.SHUTTING_DOWN, 'the server is shutting down');
  }

  private refuse(transport: EventTransport, code: number, message: string): void {
    transport.send(encodeClosing(code, message));
    transport.close(code);
  }

  private disconnect(sub: Subscription, code: number, message: string): void {
    if (sub.closed) return;
    this.unsubscribe(sub);
    this.refuse(sub.transport, code, message);
  }

  /** Serves the subscription from the retention when it covers its position, else starts a replay. */
  private catchUp(sub: Subscription): void {
    const retention = this.events.feed.retention;
    if (retention.covers(sub.lastSequence, sub.lastIndex)) {
      sub.position = retention.positionAfter(sub.lastSequence, sub.lastIndex);
      this.deliver(sub);
      return;
    }
    sub.position = -1;
    if (this.replaysRunning >= this.options.maxReplays) this.waitingReplay.push(sub);
    else this.startReplay(sub);
  }

  private startReplay(sub: Subscription): void {
    const retention = this.events.feed.retention;
    this.replaysRunning++;
    this.stats.replays++;
    const throughSequence = retention.boundarySequence;
    const throughIndex = retention.boundaryIndex;
    const worker = spawnWorker(this.events.replayWorkerEntry, {
      dataDir: this.events.dataDir, logic: this.events.logic,
      afterSequence: sub.lastSequence, afterIndex: sub.lastIndex, throughSequence, throughIndex,
    });
    sub.replay = worker;
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      this.replaysRunning--;
      sub.replay = null;
      void worker.terminate();
      const next = this.waitingReplay.shift();
      if (next !== undefined && !next.closed) this.startReplay(next);
    };
    worker.on('message', (message: EventReplayMessage) => {
      if (sub.closed) return finish();
      if (message.type === 'events') {
        const records = createRecordBuffer(message.records.buffer, message.records.byteOffset, message.records.byteLength);
        for (let at = 0; at < records.bytes.byteLength; at += EVT_RECORD_BYTES) this.offer(sub, records, at);
        this.flush(sub, sub.lastSequence - 1);
      } else if (message.type === 'done') {
        finish();
        // Everything through the replay's end is delivered (its last event may come before it).
        sub.lastSequence = throughSequence;
        sub.lastIndex = throughIndex;
        if (!sub.closed) this.catchUp(sub); // the retention may have moved on meanwhile: maybe once more
      } else {
        finish();
        this.disconnect(sub, message.retired ? ResultCode.HISTORY_RETIRED : ResultCode.INVALID_FIELD_VALUE,
          `cannot resume after (${sub.lastSequence}, ${sub.lastIndex}): ${message.message}`);
      }
    });
    worker.on('error', (error) => {
      finish();
      this.disconnect(sub, ResultCode.INTERNAL_ERROR, `event replay failed: ${error.message}`);
    });
  }

  private deliverAll(): void {
    for (const sub of this.subscriptions) if (sub.position >= 0) this.deliver(sub);
  }

  /** Sends the subscription every released event from its position on. */
  private deliver(sub: Subscription): void {
    const retention = this.events.feed.retention;
    const end = retention.released;
    const buffer = retention.buffer;
    for (let p = sub.position; p < end && !sub.closed; p++) this.offer(sub, buffer, retention.base(p));
    sub.position = end;
    if (!sub.closed) this.flush(sub, this.events.feed.through);
  }

  /** Adds the record at `at` to the frame if it is for this subscriber (blanking what it must not see). */
  private offer(sub: Subscription, buf: RecordBuffer, at: number): void {
    if (sub.closed) return;
    const kind = buf.u16[(at + EVT_KIND_OFFSET) >>> 1];
    const principal = buf.u32[(at + EVT_PRINCIPAL_ID_OFFSET) >>> 2];
    const counterparty = buf.u32[(at + EVT_COUNTERPARTY_PRINCIPAL_ID_OFFSET) >>> 2];
    const stream = sub.request.stream;
    let blank: 'none' | 'maker' | 'taker' | 'public' = 'none';
    if (stream === 'private') {
      if (principal !== sub.principalId && counterparty !== sub.principalId) return;
      if (kind === EventKind.FILL && principal !== counterparty) blank = principal === sub.principalId ? 'maker' : 'taker';
    } else if (stream === 'market') {
      // Trades and level changes of the symbol (FillBody.SYMBOL_ID and LevelBody.SYMBOL_ID are the same slot).
      if ((kind !== EventKind.FILL && kind !== EventKind.LEVEL_CHANGED) || buf.f64[(at + FillBody.SYMBOL_ID) >>> 3] !== sub.request.symbolId) return;
      if (kind === EventKind.FILL) blank = 'public';
    }
    // A full frame is complete only through the command before the last event's (more may follow of it).
    if (sub.count === this.options.maxBatchEvents) this.flush(sub, sub.lastSequence - 1);
    if (sub.closed) return;
    const to = EVENTS_HEADER_BYTES + sub.count * EVT_RECORD_BYTES;
    // Word moves: no view object per record and subscriber (this runs records × subscribers times), and
    // u32, not f64, so no bit pattern is ever read as a NaN and rewritten.
    const src = buf.u32;
    const dst = sub.frameU32;
    for (let i = 0, s = at >>> 2, d = to >>> 2; i < U32_PER_RECORD; i++) dst[d + i] = src[s + i];
    const out = sub.frameView;
    if (blank !== 'none') {
      if (blank === 'maker' || blank === 'public') {
        out.setFloat64(to + FillBody.MAKER_ORDER_ID, 0, true);
        out.setFloat64(to + FillBody.MAKER_ACCOUNT_ID, 0, true);
        out.setUint32(to + EVT_COUNTERPARTY_PRINCIPAL_ID_OFFSET, 0, true);
      }
      if (blank === 'taker' || blank === 'public') {
        out.setFloat64(to + FillBody.TAKER_ORDER_ID, 0, true);
        out.setFloat64(to + FillBody.TAKER_ACCOUNT_ID, 0, true);
        out.setUint32(to + EVT_PRINCIPAL_ID_OFFSET, 0, true);
      }
    }
    sub.count++;
    sub.lastSequence = buf.f64[(at + EVT_SEQUENCE_OFFSET) >>> 3];
    sub.lastIndex = buf.u32[(at + EVT_INDEX_OFFSET) >>> 2];
  }

  /** Sends the frame under construction (when it holds events), marked complete through `through`. */
  private flush(sub: Subscription, through: number): void {
    if (sub.count === 0 || sub.closed) return;
    if (sub.transport.bufferedBytes() > this.options.maxBufferedBytes) {
      this.stats.slowConsumerDisconnects++;
      this.disconnect(sub, ResultCode.SLOW_CONSUMER, `more than ${this.options.maxBufferedBytes} bytes of events unread; resume from your last position`);
      return;
    }
    const view = sub.frameView;
    view.setUint8(0, EventFrameType.EVENTS);
    view.setUint32(EVENTS_COUNT_OFFSET, sub.count, true);
    view.setFloat64(EVENTS_THROUGH_SEQUENCE_OFFSET, through, true);
    sub.transport.send(sub.frame.subarray(0, EVENTS_HEADER_BYTES + sub.count * EVT_RECORD_BYTES));
    this.stats.eventsSent += sub.count;
    sub.count = 0;
    if (through > sub.sentThrough) sub.sentThrough = through;
  }

  /** Tells live subscribers with nothing new how far they are complete (an empty EVENTS frame). */
  private sendProgress(): void {
    const through = this.events.feed.through;
    for (const sub of this.subscriptions) {
      if (sub.position < 0 || sub.closed || sub.sentThrough >= through || sub.position < this.events.feed.retention.released) continue;
      const view = sub.frameView;
      view.setUint8(0, EventFrameType.EVENTS);
      view.setUint32(EVENTS_COUNT_OFFSET, 0, true);
      view.setFloat64(EVENTS_THROUGH_SEQUENCE_OFFSET, through, true);
      if (sub.transport.bufferedBytes() > this.options.maxBufferedBytes) {
        this.stats.slowConsumerDisconnects++;
        this.disconnect(sub, ResultCode.SLOW_CONSUMER, `more than ${this.options.maxBufferedBytes} bytes of events unread; resume from your last position`);
        continue;
      }
      sub.transport.send(sub.frame.subarray(0, EVENTS_HEADER_BYTES));
      sub.sentThrough = through;
    }
  }
}
