/**
 * WebSocket and HTTP/JSON listener on uWebSockets.js (native only: see uws_loader.ts).
 *
 * WebSocket: one binary message = one FlatBuffers Request; text messages are answered with
 * TEXT_MESSAGE_NOT_SUPPORTED. The key may come in the upgrade (`Authorization: Bearer K`,
 * `X-Api-Key: K`, or `?key=K`) or as a Login first message. uWS hands a message's ArrayBuffer only
 * for the duration of the handler: the gateway verifies and copies it into its scratch record
 * before returning and keeps no reference. Commands arriving in one event-loop turn are published
 * together (setImmediate). A full ring answers BUSY, too many in flight TOO_MANY_IN_FLIGHT; replies
 * honour send(): a client whose buffered replies exceed maxOutboundBytes is closed (SLOW_CONSUMER).
 * Close codes are 4000 + the result code (4201 bad credentials, 4115 slow consumer...).
 *
 * HTTP: POST /v1/commands/<command> with the command's JSON body (or POST /v1/commands with
 * {"command": "<name>", ...}); POST /v1/principals (admin) creates a principal and returns its key;
 * GET /health (JSON), /livez, /readyz (503 while not accepting); GET /metrics (Prometheus text);
 * GET /v1/accounts/:id/orders|fills|statement (history_routes.ts). Keys in `Authorization: Bearer K` or `X-Api-Key`.
 * GET /console and below: the read-only operator console (console/console_routes.ts, docs/console.md).
 */
import type { HttpRequest, HttpResponse, TemplatedApp, WebSocket, us_listen_socket } from '@trufflesuite/uws-js-unofficial';
import type { RecordBuffer } from '../codec/records/record_buffer.ts';
import { ResHeader } from '../codec/records/result_descriptor.ts';
import { ResultCode, resultName } from '../codec/result_codes.ts';
import { addConsoleRoutes, type ConsoleRoutes } from './console/console_routes.ts';
import type { ConsoleFeed } from './console/console_feed.ts';
import type { ConsoleLogins } from './console/console_logins.ts';
import { SUBMIT_ANSWERED, SUBMIT_CLOSED, type GatewayCore } from './gateway_core.ts';
import { httpStatusFor } from './http_status.ts';
import { requestKey, writeError, writeJson } from './http_reply.ts';
import { addHistoryRoutes } from './history_routes.ts';
import type { HistoryStore } from '../projection/history_store.ts';
import type { Session, SessionTransport } from './session.ts';
import { loadNativeUws } from './uws_loader.ts';
import type { EventHub } from './event_hub.ts';
import { registerEventSseRoute } from './event_sse.ts';
import type { EventAdmission } from './event_admission.ts';
import { registerEventWsRoute } from './event_ws.ts';

export const WS_CLOSE_CODE_BASE = 4000;
const OUT_INITIAL_BYTES = 4096;
const OUT_MAX_KEPT_BYTES = 256 * 1024;

interface WsUserData {
  key: string;
  remoteAddress: string;
  connection: WsConnection | null;
}

class WsConnection implements SessionTransport {
  readonly kind = 'ws' as const;
  session: Session | null = null;
  /**
   * Replies waiting for the next flush, back to back; message i ends at ends[i]. Reused after each
   * flush: uWS copies what send() is given before it returns.
   */
  private out = new Uint8Array(0); // allocated at the first reply
  private outBytes = 0;
  private readonly ends: number[] = [];
  private ended = false;

  constructor(private readonly core: GatewayCore, private readonly ws: WebSocket<WsUserData>) {}

  deliver(result: RecordBuffer, base: number): void {
    // Written by the codec straight into the output: no allocation per reply.
    const at = this.reserve(this.core.codec.maxResponseBytes);
    this.keep(at + this.core.codec.writeResponse(result, base, this.out, at));
  }

  reply(code: number, correlationId: number, commandType: number, message: string | null): void {
    if (message !== null) {
      // A detailed message is rare (a request that failed verification): the allocating encoder is fine.
      const payload = this.core.codec.encodeError(correlationId, code, message, commandType);
      const at = this.reserve(payload.length);
      this.out.set(payload, at);
      this.keep(at + payload.length);
      return;
    }
    // BUSY and the like can come in floods: answer them without allocating.
    const at = this.reserve(this.core.codec.maxResponseBytes);
    this.keep(at + this.core.codec.writeError(this.out, at, correlationId, code, commandType));
  }

  flush(): void {
    if (this.ends.length === 0 || this.ended) return;
    const out = this.out;
    const ends = this.ends;
    let dropped = false;
    this.ws.cork(() => {
      for (let i = 0, start = 0; i < ends.length; start = ends[i], i++) {
        if (this.ws.send(out.subarray(start, ends[i]), true) === 2) dropped = true;
      }
    });
    ends.length = 0;
    this.outBytes = 0;
    // A burst larger than this does not keep every later output buffer as large.
    if (out.length > OUT_MAX_KEPT_BYTES) this.out = new Uint8Array(OUT_INITIAL_BYTES);
    if (dropped || this.ws.getBufferedAmount() > this.core.config.maxOutboundBytes) {
      this.core.metrics.slowConsumerDisconnects++;
      this.close(ResultCode.SLOW_CONSUMER);
      if (this.session !== null) this.core.closeSession(this.session);
    }
  }

  /** Grows the output to hold `bytes` more; returns where they go. */
  private reserve(bytes: number): number {
    const need = this.outBytes + bytes;
    if (need > this.out.length) {
      const grown = new Uint8Array(Math.max(need, this.out.length * 2, OUT_INITIAL_BYTES));
      grown.set(this.out.subarray(0, this.outBytes));
      this.out = grown;
    }
    return this.outBytes;
  }

  /** Ends the message being written at `end`. */
  private keep(end: number): void {
    this.ends.push(end);
    this.outBytes = end;
  }

  resume(): void { /* WebSocket input is never paused: a full ring answers BUSY */ }

  close(code: number): void {
    if (this.ended) return;
    this.ended = true;
    this.ws.end(WS_CLOSE_CODE_BASE + code, resultName(code));
  }

  markClosed(): void {
    this.ended = true;
  }
}

/** One HTTP request waiting for its result. */
class HttpExchange implements SessionTransport {
  readonly kind = 'http' as const;
  session: Session | null = null;
  aborted = false;
  private done = false;

  /** `principalId`: whose HTTP slot (GatewayCore.takeHttpSlot) the response gives back. */
  constructor(private readonly core: GatewayCore, private readonly res: HttpResponse, private readonly principalId: number) {}

  deliver(result: RecordBuffer, base: number): void {
    this.respond(result.u16[(base + ResHeader.CODE) >>> 1], this.core.codec.resultToJson(result, base));
  }

  reply(code: number, correlationId: number, commandType: number, message: string | null): void {
    this.respond(code, this.core.codec.errorToJson(correlationId, code, message, commandType));
  }

  flush(): void { /* replies are written as they arrive */ }
  resume(): void { /* HTTP input is never paused */ }
  close(_code: number): void { /* the response already went out */ }

  private respond(code: number, body: unknown): void {
    if (this.done) return;
    this.done = true;
    this.core.giveHttpSlot(this.principalId);
    if (this.session !== null) this.core.closeSession(this.session);
    if (this.aborted) return;
    writeJson(this.res, httpStatusFor(code), body, this.core.isShuttingDown);
  }
}

export interface UwsServerHandle {
  readonly port: number;
  /** Drops every open WebSocket (abruptly, like a network failure); the listener stays up. */
  dropConnections(): void;
  close(): void;
}

export interface UwsServerHooks {
  /** Prometheus exposition for GET /metrics (collected at scrape time). */
  metrics(): Promise<{ readonly text: string; readonly contentType: string }>;
  /** JSON object for GET /health. */
  health(): unknown;
  /** GET /readyz: whether commands are accepted now, and why not. GET /livez only needs the event loop. */
  readiness(): Readiness;
  /** Event subscriptions on /v1/events (event_ws.ts), when the engine emits events. */
  readonly events?: EventHub;
  /** The event routes' pre-login pool, shared with the TCP event port (event_admission.ts); with `events`. */
  readonly eventAdmission?: EventAdmission;
  /** The operator console (GET /console...); absent = no console routes. */
  readonly console?: { readonly feed: ConsoleFeed; readonly logins: ConsoleLogins };
  /** GET /v1/accounts/:id/orders|fills|statement from the PostgreSQL projection (gateway/history_routes.ts); null = off. */
  readonly history?: HistoryStore | null;
}

export interface Readiness {
  readonly ready: boolean;
  /** Why not ready ('' when ready). */
  readonly reason: string;
}

export function startUwsServer(core: GatewayCore, host: string, port: number, hooks: UwsServerHooks): Promise<UwsServerHandle> {
  const uws = loadNativeUws();
  const tls = core.config.tlsCertFile !== '';
  const app: TemplatedApp = tls
    ? uws.SSLApp({ cert_file_name: core.config.tlsCertFile, key_file_name: core.config.tlsKeyFile })
    : uws.App();
  const config = core.config;
  const open = new Set<WebSocket<WsUserData>>();
  let publishScheduled = false;
  const publish = (): void => {
    publishScheduled = false;
    core.endInputBatch();
  };
  const schedulePublish = (): void => {
    if (publishScheduled) return;
    publishScheduled = true;
    setImmediate(publish);
  };

  if (hooks.events !== undefined) {
    if (hooks.eventAdmission === undefined) throw new Error('startUwsServer: events need eventAdmission');
    registerEventWsRoute(app, hooks.events, core.principals, hooks.eventAdmission, {
      maxBufferedBytes: config.maxOutboundBytes, loginTimeoutMs: config.loginTimeoutMs, keyOf: (req) => requestKey(req) ?? req.getQuery('key') ?? '',
    });
    registerEventSseRoute(app, hooks.events, core.principals);
  }
  app.ws<WsUserData>('/*', {
    // Up to 4× the limit we read the message and answer FRAME_TOO_LARGE before closing; beyond that
    // uWS drops the connection itself (close code 1006) without buffering the rest.
    maxPayloadLength: Math.min(config.maxFrameBytes * 4, 64 * 1024 * 1024),
    maxBackpressure: config.maxOutboundBytes,
    idleTimeout: 0,
    sendPingsAutomatically: true,
    upgrade: (res, req, context) => {
      const key = requestKey(req) ?? req.getQuery('key') ?? '';
      const remoteAddress = Buffer.from(res.getRemoteAddressAsText()).toString('latin1');
      res.upgrade<WsUserData>(
        { key, remoteAddress, connection: null },
        req.getHeader('sec-websocket-key'),
        req.getHeader('sec-websocket-protocol'),
        req.getHeader('sec-websocket-extensions'),
        context,
      );
    },
    open: (ws) => {
      open.add(ws);
      const data = ws.getUserData();
      const connection = new WsConnection(core, ws);
      data.connection = connection;
      const session = core.openSession(connection, data.remoteAddress);
      if (session === null) {
        const refusal = core.refusalCode;
        connection.reply(refusal, 0, 0, null);
        connection.flush();
        connection.close(refusal);
        return;
      }
      connection.session = session;
      if (data.key !== '') {
        const code = core.authenticate(session, data.key);
        data.key = '';
        if (code !== ResultCode.OK) {
          connection.reply(code, 0, 1, core.lastRefusalDetail);
          connection.flush();
          connection.close(code);
          core.closeSession(session);
        }
      }
    },
    message: (ws, message, isBinary) => {
      const connection = ws.getUserData().connection;
      const session = connection?.session;
      if (connection === null || connection === undefined || session === null || session === undefined || session.closed) return;
      session.lastInputMs = Date.now();
      if (!isBinary) {
        connection.reply(ResultCode.TEXT_MESSAGE_NOT_SUPPORTED, 0, 0, null);
        connection.flush();
        if (!session.authenticated) {
          connection.close(ResultCode.TEXT_MESSAGE_NOT_SUPPORTED);
          core.closeSession(session);
        }
        return;
      }
      if (message.byteLength > (session.authenticated ? config.maxFrameBytes : config.maxPreLoginFrameBytes)) {
        core.metrics.protocolErrorDisconnects++;
        connection.reply(ResultCode.FRAME_TOO_LARGE, 0, 0, null);
        connection.flush();
        connection.close(ResultCode.FRAME_TOO_LARGE);
        core.closeSession(session);
        return;
      }
      core.beginInput();
      // translateRequest reads the bytes synchronously and copies the record; nothing keeps `message`.
      const outcome = core.submitFrame(session, new Uint8Array(message), false);
      if (outcome !== SUBMIT_CLOSED) schedulePublish();
      // A gateway reply (error, login) leaves now: uWS may close the socket for a later message in the
      // same read before any microtask runs.
      if (outcome === SUBMIT_ANSWERED) connection.flush();
    },
    drain: () => { /* replies beyond maxOutboundBytes close the socket in flush() */ },
    close: (ws) => {
      open.delete(ws);
      const connection = ws.getUserData().connection;
      if (connection === null) return;
      connection.markClosed();
      if (connection.session !== null) core.closeSession(connection.session);
    },
  });

  // Health: 200 with the state (status ok, or degraded while storage refuses writes); 503 with status
  // not-ready where writes cannot be acknowledged now (a cluster follower or candidate).
  app.get('/health', (res) => {
    const health = hooks.health();
    writeJson(res, (health as { status?: unknown }).status === 'not-ready' ? '503 Service Unavailable' : '200 OK', health);
  });
  // Liveness: the main thread's event loop answers (restart the process when it does not).
  app.get('/livez', (res) => writeJson(res, '200 OK', { status: 'live' }));
  // Readiness: the engine accepts commands now (send traffic elsewhere when it does not).
  app.get('/readyz', (res) => {
    const readiness = hooks.readiness();
    writeJson(res, readiness.ready ? '200 OK' : '503 Service Unavailable',
      readiness.ready ? { status: 'ready' } : { status: 'not ready', reason: readiness.reason });
  });
  app.get('/metrics', (res) => {
    let aborted = false;
    res.onAborted(() => { aborted = true; });
    hooks.metrics().then(({ text, contentType }) => {
      if (!aborted) res.cork(() => res.writeStatus('200 OK').writeHeader('content-type', contentType).end(text));
    }, (error: unknown) => {
      if (!aborted) res.cork(() => res.writeStatus('500 Internal Server Error').end(`metrics: ${error instanceof Error ? error.message : String(error)}\n`));
    });
  });

  const onCommand = (res: HttpResponse, req: HttpRequest, routeCommand: string | null): void => {
    const key = requestKey(req);
    // No key, no body: an unauthenticated request is answered before a byte of its body is buffered.
    const principal = key === null ? null : core.principals.authenticate(key);
    if (principal === null) {
      core.metrics.httpRequestsTotal++;
      return writeError(res, key === null ? ResultCode.NOT_AUTHENTICATED : ResultCode.BAD_CREDENTIALS);
    }
    readBody(res, config.maxFrameBytes, (body, tooLarge) => {
      core.metrics.httpRequestsTotal++;
      if (tooLarge) return writeError(res, ResultCode.FRAME_TOO_LARGE);
      const refused = core.takeHttpSlot(principal);
      if (refused !== null) return writeError(res, ResultCode.BUSY, refused);
      const exchange = new HttpExchange(core, res, principal.id);
      res.onAborted(() => { exchange.aborted = true; });
      const session = core.openSession(exchange);
      if (session === null) {
        core.giveHttpSlot(principal.id);
        return writeError(res, ResultCode.SHUTTING_DOWN);
      }
      exchange.session = session;
      core.beginInput(); // the body is complete: the command's latency starts here (parse included)
      const authCode = core.admit(session, principal);
      if (authCode !== ResultCode.OK) return exchange.reply(authCode, 0, 0, null);
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        return exchange.reply(ResultCode.MALFORMED_JSON, 0, 0, null);
      }
      if (routeCommand !== null && typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
        const named = (parsed as { type?: unknown }).type;
        if (named !== undefined && named !== routeCommand) {
          return exchange.reply(ResultCode.INVALID_FIELD_VALUE, 0, 0, `body type ${JSON.stringify(named)} differs from the route's ${routeCommand}`);
        }
        (parsed as { type?: unknown }).type = routeCommand; // our own freshly parsed object: no copy needed
      }
      core.submitJson(session, parsed);
      schedulePublish();
    });
  };
  app.post('/v1/commands/:command', (res, req) => onCommand(res, req, camelCase(req.getParameter(0))));
  app.post('/v1/commands', (res, req) => onCommand(res, req, null));

  app.post('/v1/principals', (res, req) => {
    const key = requestKey(req);
    readBody(res, config.maxFrameBytes, (body, tooLarge) => {
      if (tooLarge) return writeError(res, ResultCode.FRAME_TOO_LARGE);
      const caller = key === null ? null : core.principals.authenticate(key);
      if (caller === null) return writeError(res, key === null ? ResultCode.NOT_AUTHENTICATED : ResultCode.BAD_CREDENTIALS);
      if (!caller.admin) return writeError(res, ResultCode.ADMIN_REQUIRED);
      let request: { name?: unknown; admin?: unknown };
      try {
        request = JSON.parse(body.toString('utf8')) as { name?: unknown; admin?: unknown };
      } catch {
        return writeError(res, ResultCode.MALFORMED_JSON);
      }
      if (typeof request !== 'object' || request === null || typeof request.name !== 'string') {
        return writeError(res, ResultCode.MISSING_FIELD, 'name (string) is required');
      }
      try {
        const added = core.principals.add(request.name, request.admin === true);
        writeJson(res, '200 OK', { code: 0, name: 'OK', principal: added.principal, key: added.key });
      } catch (error) {
        writeError(res, ResultCode.INVALID_FIELD_VALUE, (error as Error).message);
      }
    });
  });

  const consoleRoutes: ConsoleRoutes | null = hooks.console === undefined ? null
    : addConsoleRoutes(app, { principals: core.principals, feed: hooks.console.feed, logins: hooks.console.logins, secure: tls });

  addHistoryRoutes(app, core, hooks.history ?? null, schedulePublish);

  app.any('/*', (res) => writeError(res, ResultCode.NOT_FOUND_ROUTE));

  return new Promise((resolve, reject) => {
    // Exclusive: uWS binds with SO_REUSEPORT by default, and a second engine on the same port would
    // start silently and take half the connections. (The typings lack this overload; the binary has it.)
    const listen = app.listen.bind(app) as unknown as (host: string, port: number, options: number, cb: (socket: us_listen_socket | false) => void) => void;
    const exclusive = (uws as unknown as { LIBUS_LISTEN_EXCLUSIVE_PORT?: number }).LIBUS_LISTEN_EXCLUSIVE_PORT;
    if (exclusive === undefined) throw new Error('uWebSockets.js: this build has no LIBUS_LISTEN_EXCLUSIVE_PORT; ringline needs exclusive ports');
    listen(host, port, exclusive, (listenSocket: us_listen_socket | false) => {
      if (listenSocket === false) {
        reject(new Error(`WebSocket/HTTP listener could not bind ${host}:${port} (in use, not permitted${tls ? ', or the TLS certificate/key did not load' : ''})`));
        return;
      }
      resolve({
        port: uws.us_socket_local_port(listenSocket as unknown as Parameters<typeof uws.us_socket_local_port>[0]),
        dropConnections: () => {
          for (const ws of [...open]) ws.close();
        },
        close: () => {
          uws.us_listen_socket_close(listenSocket);
          consoleRoutes?.closeStreams();
          for (const ws of [...open]) ws.close();
        },
      });
    });
  });
}

/** create-account and create_account name the same command as createAccount. */
function camelCase(name: string): string {
  return name.replace(/[-_]([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/**
 * Collects a request body up to `maxBytes`. `done` runs synchronously inside uWS's data handler and
 * must not keep `body`: a body that arrives in one chunk (nearly all) is handed over as a view of
 * uWS's buffer, without a copy; chunks of a longer body are copied (uWS reuses them) and joined.
 */
function readBody(res: HttpResponse, maxBytes: number, done: (body: Buffer, tooLarge: boolean) => void): void {
  const chunks: Buffer[] = [];
  let total = 0;
  let aborted = false;
  let finished = false;
  res.onAborted(() => { aborted = true; });
  res.onData((chunk, isLast) => {
    if (finished || aborted) return;
    total += chunk.byteLength;
    if (total > maxBytes) {
      finished = true;
      done(Buffer.alloc(0), true);
      return;
    }
    if (isLast && chunks.length === 0) {
      finished = true;
      done(Buffer.from(chunk), false);
      return;
    }
    chunks.push(Buffer.from(chunk.slice(0)));
    if (isLast) {
      finished = true;
      done(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks), false);
    }
  });
}
