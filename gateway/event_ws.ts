/**
 * The event subscription route over WebSocket: ws://host:wsPort/v1/events (docs/events.md). One
 * binary message is one frame (codec/wire/event_frame_descriptor.ts). The key may come in the upgrade
 * (`Authorization: Bearer K`, `X-Api-Key: K` or `?key=K`, as on the command route) or in the
 * SUBSCRIBE frame. Refusals are a CLOSING frame then close code 4000 + the ResultCode (4115 slow
 * consumer, 4201 bad credentials, 4203 admin required). Until its SUBSCRIBE a connection counts in the
 * event routes' pre-login pool (event_admission.ts).
 */
import type { TemplatedApp, WebSocket } from '@trufflesuite/uws-js-unofficial';
import { ResultCode, resultName } from '../codec/result_codes.ts';
import { SubscribeFrame, SUB_MAX_KEY_BYTES, decodeSubscribe, encodeClosing } from '../codec/wire/event_frame_descriptor.ts';
import { PREFIX_BYTES, prefixed } from './event_frame_builder.ts';
import type { EventAdmission, EventCandidate } from './event_admission.ts';
import type { EventHub, EventTransport, Subscriber } from './event_hub.ts';
import type { PrincipalStore } from './principal_store.ts';

export const EVENTS_WS_PATH = '/v1/events';
const WS_CLOSE_CODE_BASE = 4000;

interface EventWsData {
  key: string;
  remoteAddress: string;
  transport: EventWsTransport | null;
  loginTimer: NodeJS.Timeout | null;
}

class EventWsTransport implements EventTransport, EventCandidate {
  subscriber: Subscriber | null = null;
  ended = false;
  readonly openedMs = Date.now();
  preLogin = false;
  constructor(private readonly ws: WebSocket<EventWsData>, readonly id: number, readonly remoteAddress: string) {}

  send(frames: readonly Buffer[]): void {
    if (this.ended) return;
    // One corked write for the turn; uWS copies the bytes before it returns.
    this.ws.cork(() => {
      for (const frame of frames) this.ws.send(frame.subarray(PREFIX_BYTES), true);
    });
  }

  bufferedBytes(): number {
    return this.ended ? 0 : this.ws.getBufferedAmount();
  }

  close(code: number): void {
    if (this.ended) return;
    this.ended = true;
    this.ws.end(WS_CLOSE_CODE_BASE + code, resultName(code));
  }

  refuse(code: number, message: string): void {
    this.send([prefixed(encodeClosing(code, message))]);
    this.close(code);
  }
}

export function registerEventWsRoute(app: TemplatedApp, hub: EventHub, principals: PrincipalStore, admission: EventAdmission, options: {
  readonly maxBufferedBytes: number; readonly loginTimeoutMs: number; readonly keyOf: (req: import('@trufflesuite/uws-js-unofficial').HttpRequest) => string;
}): void {
  app.ws<EventWsData>(EVENTS_WS_PATH, {
    maxPayloadLength: SubscribeFrame.BYTES + SUB_MAX_KEY_BYTES,
    // The hub disconnects a subscriber past maxBufferedBytes; uWS must not drop frames before that.
    maxBackpressure: options.maxBufferedBytes + 4 * 1024 * 1024,
    idleTimeout: 0,
    sendPingsAutomatically: true,
    upgrade: (res, req, context) => {
      const remoteAddress = Buffer.from(res.getRemoteAddressAsText()).toString('latin1');
      res.upgrade<EventWsData>({ key: options.keyOf(req), remoteAddress, transport: null, loginTimer: null },
        req.getHeader('sec-websocket-key'), req.getHeader('sec-websocket-protocol'), req.getHeader('sec-websocket-extensions'), context);
    },
    open: (ws) => {
      const data = ws.getUserData();
      const transport = new EventWsTransport(ws, admission.newId(), data.remoteAddress);
      data.transport = transport;
      if (!admission.admit(transport)) return;
      // A connection that never subscribes does not hold a socket for long.
      data.loginTimer = setTimeout(() => {
        if (transport.subscriber === null) transport.refuse(ResultCode.LOGIN_TIMEOUT, `no SUBSCRIBE message within ${options.loginTimeoutMs} ms`);
      }, options.loginTimeoutMs);
    },
    message: (ws, message, isBinary) => {
      const data = ws.getUserData();
      const transport = data.transport;
      if (transport === null || transport.ended) return;
      if (data.loginTimer !== null) clearTimeout(data.loginTimer);
      admission.leave(transport);
      if (transport.subscriber !== null || !isBinary) {
        transport.refuse(ResultCode.MALFORMED_FRAME, 'the event route takes one binary SUBSCRIBE message and nothing after it');
        return;
      }
      const request = decodeSubscribe(new Uint8Array(message));
      if (typeof request === 'string') {
        transport.refuse(ResultCode.MALFORMED_FRAME, request);
        return;
      }
      const principal = principals.authenticate(request.key !== '' ? request.key : data.key);
      data.key = '';
      if (principal === null) {
        transport.refuse(ResultCode.BAD_CREDENTIALS, 'unknown or wrong key');
        return;
      }
      transport.subscriber = hub.subscribe(transport, principal.id, principal.admin, request);
    },
    close: (ws) => {
      const data = ws.getUserData();
      if (data.loginTimer !== null) clearTimeout(data.loginTimer);
      const transport = data.transport;
      if (transport === null) return;
      transport.ended = true;
      admission.leave(transport);
      if (transport.subscriber !== null) hub.unsubscribe(transport.subscriber);
    },
  });
}
