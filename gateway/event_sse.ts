/**
 * Event subscriptions for browsers: Server-Sent Events on GET /v1/events/sse (docs/events.md), the
 * same streams, keys and bounds as WebSocket and TCP (event_hub.ts), as text:
 *
 *   GET /v1/events/sse?stream=private|all|market&symbolId=S&depthLevels=N&from=live|start|SEQ:INDEX&key=K
 *   (key also as `Authorization: Bearer K` or `X-Api-Key: K`; EventSource cannot set headers)
 *
 *   id: SEQ:INDEX  event: <kind>  data: <the event as JSON (decodeEvent)>     one per event
 *   id: SEQ:4294967295  event: progress  data: {"throughSequence":SEQ}       complete through SEQ
 *   event: depth  data: {"symbolId":..,"throughSequence":..,"bids":[[p,q]..],"asks":[..]}   (no id)
 *   event: closing  data: {"code":115,"name":"SLOW_CONSUMER","message":".."}  then the stream ends
 *
 * Resume: a reconnecting EventSource sends the last id as `Last-Event-ID`; it wins over `from`.
 * Refusals before the stream (bad key, all without admin, malformed parameters) are HTTP errors with
 * the usual JSON body (EventSource does not retry them). A frame's text is made once and shared by
 * every SSE subscriber that receives the same frame (the hub shares the bytes).
 */
import type { HttpResponse, TemplatedApp } from '@trufflesuite/uws-js-unofficial';
import { EVT_RECORD_BYTES } from '../codec/records/event_descriptor.ts';
import { decodeEvent } from '../codec/records/event_decoder.ts';
import { ResultCode, resultName } from '../codec/result_codes.ts';
import {
  AFTER_ALL_OF_COMMAND, decodeClosing, EventsFrame, EventFrameType, LIVE_ONLY, MAX_DEPTH_LEVELS, decodeDepth,
  type EventStreamName, type SubscribeRequest,
} from '../codec/wire/event_frame_descriptor.ts';
import { PREFIX_BYTES } from './event_frame_builder.ts';
import type { EventHub, EventTransport, Subscriber } from './event_hub.ts';
import { requestKey, writeError } from './http_reply.ts';
import type { PrincipalStore } from './principal_store.ts';

export const EVENTS_SSE_PATH = '/v1/events/sse';
/** The browser waits this long before it reconnects (SSE `retry:`). */
const RETRY_MS = 1000;

/** Text of frames already rendered: the same bytes go to every member of a stream. */
const rendered = new WeakMap<Buffer, string>();

/** One prefixed frame as SSE text. */
export function sseText(frame: Buffer): string {
  const cached = rendered.get(frame);
  if (cached !== undefined) return cached;
  const bytes = frame.subarray(PREFIX_BYTES);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let text = '';
  const type = bytes[0];
  if (type === EventFrameType.EVENTS) {
    const count = view.getUint32(EventsFrame.COUNT, true);
    const through = view.getFloat64(EventsFrame.THROUGH_SEQUENCE, true);
    let lastSequence = -1;
    for (let i = 0; i < count; i++) {
      const event = decodeEvent(bytes, EventsFrame.BYTES + i * EVT_RECORD_BYTES);
      text += `id: ${event.sequence}:${event.index}\nevent: ${event.kind}\ndata: ${JSON.stringify(event)}\n\n`;
      lastSequence = event.sequence;
    }
    if (through > lastSequence && through >= 0) text += `id: ${through}:${AFTER_ALL_OF_COMMAND}\nevent: progress\ndata: {"throughSequence":${through}}\n\n`;
  } else if (type === EventFrameType.DEPTH) {
    text = `event: depth\ndata: ${JSON.stringify(decodeDepth(bytes))}\n\n`;
  } else if (type === EventFrameType.CLOSING) {
    const closing = decodeClosing(bytes);
    if (typeof closing !== 'string') text = `event: closing\ndata: ${JSON.stringify({ code: closing.code, name: resultName(closing.code), message: closing.message })}\n\n`;
  } // SUBSCRIBED: nothing to say (the first progress tells where the stream stands)
  rendered.set(frame, text);
  return text;
}

class SseTransport implements EventTransport {
  ended = false;
  subscriber: Subscriber | null = null;
  /**
   * Bytes given to uWS since its buffer was last seen empty (a write that left nothing buffered): an
   * upper bound of what is unsent. uWS tells no exact figure for an HTTP response (its write offset
   * ignores buffered writes, its writable callback fires on partial drains): measured, see the test.
   */
  private pendingBytes = 0;

  constructor(private readonly res: HttpResponse) {}

  /** Writes the head of the response. */
  start(): void {
    this.res.cork(() => {
      this.res.writeStatus('200 OK').writeHeader('content-type', 'text/event-stream').writeHeader('cache-control', 'no-store')
        .writeHeader('x-content-type-options', 'nosniff');
      this.res.write(`retry: ${RETRY_MS}\n\n`);
    });
  }

  send(frames: readonly Buffer[]): void {
    if (this.ended) return;
    let text = '';
    for (const frame of frames) text += sseText(frame);
    if (text === '') return;
    this.res.cork(() => {
      // true: nothing is left buffered, this write included.
      this.pendingBytes = this.res.write(text) ? 0 : this.pendingBytes + Buffer.byteLength(text);
    });
  }

  bufferedBytes(): number {
    return this.pendingBytes;
  }

  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.res.cork(() => this.res.end());
  }
}

/** The subscription the query asks for, or what is wrong with it. */
export function parseSseQuery(query: URLSearchParams, lastEventId: string): Omit<SubscribeRequest, 'key'> | string {
  const stream = (query.get('stream') ?? 'private') as EventStreamName;
  if (stream !== 'private' && stream !== 'all' && stream !== 'market') return `stream must be private, all or market, got ${stream}`;
  const integer = (name: string, text: string | null, max: number): number | string => {
    if (text === null || text === '') return 0;
    if (!/^[0-9]{1,16}$/.test(text) || Number(text) > max) return `${name} must be an integer 0..${max}, got ${text}`;
    return Number(text);
  };
  const symbolId = integer('symbolId', query.get('symbolId'), Number.MAX_SAFE_INTEGER);
  if (typeof symbolId === 'string') return symbolId;
  if (stream === 'market' && symbolId === 0) return 'the market stream needs symbolId';
  const depthLevels = integer('depthLevels', query.get('depthLevels'), MAX_DEPTH_LEVELS);
  if (typeof depthLevels === 'string') return depthLevels;
  if (depthLevels > 0 && stream !== 'market') return 'depthLevels is for the market stream only';
  const from = lastEventId !== '' ? lastEventId : query.get('from') ?? 'live';
  let afterSequence = LIVE_ONLY;
  let afterIndex = AFTER_ALL_OF_COMMAND;
  if (from === 'start') afterSequence = 0;
  else if (from !== 'live') {
    const match = /^([0-9]{1,16}):([0-9]{1,10})$/.exec(from);
    if (match === null || Number(match[1]) > Number.MAX_SAFE_INTEGER || Number(match[2]) > AFTER_ALL_OF_COMMAND) {
      return `from / Last-Event-ID must be live, start or SEQUENCE:INDEX, got ${from.slice(0, 40)}`;
    }
    afterSequence = Number(match[1]);
    afterIndex = Number(match[2]);
  }
  return { stream, symbolId, depthLevels, afterSequence, afterIndex };
}

export function registerEventSseRoute(app: TemplatedApp, hub: EventHub, principals: PrincipalStore): void {
  app.get(EVENTS_SSE_PATH, (res, req) => {
    const query = new URLSearchParams(req.getQuery() ?? '');
    const key = requestKey(req) ?? query.get('key') ?? '';
    const request = parseSseQuery(query, req.getHeader('last-event-id'));
    if (typeof request === 'string') return writeError(res, ResultCode.INVALID_FIELD_VALUE, request);
    const principal = principals.authenticate(key);
    if (principal === null) return writeError(res, ResultCode.BAD_CREDENTIALS, 'unknown or wrong key');
    if (request.stream === 'all' && !principal.admin) return writeError(res, ResultCode.ADMIN_REQUIRED, 'the all-events stream needs an admin principal');
    const transport = new SseTransport(res);
    res.onAborted(() => {
      transport.ended = true;
      if (transport.subscriber !== null) hub.unsubscribe(transport.subscriber);
    });
    transport.start();
    transport.subscriber = hub.subscribe(transport, principal.id, principal.admin, { ...request, key: '' });
  });
}
