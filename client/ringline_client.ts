/**
 * The TypeScript client: one promise per command, automatic pipelining and batching, correlation,
 * typed results and codes, and reconnect with idempotent retry.
 *
 *   const client = await RinglineClient.connect({ url: 'tcp://127.0.0.1:7400', apiKey });
 *   const r = await client.send({ type: 'buy', itemId: 1, buyerAccountId: 7, quantity: 1 });
 *   if (r.code === ResultCode.OK) ...
 *
 * Commands issued in the same tick leave in one write. Every mutating command gets an idempotency id
 * (unless it carries one), so after a reconnect the client resends what was not answered with the
 * same ids and the engine applies each at most once. BUSY and TOO_MANY_IN_FLIGHT are retried after a
 * short pause; every other code is returned to the caller.
 */
import { isReadOnlyCommand } from '../codec/registry/command_traits.ts';
import { IdempotencyIds } from './idempotency_ids.ts';
import { ResultCode } from '../codec/result_codes.ts';
import type { CommandJson, RequestJson } from '../codec/types/command_json.ts';
import type { ResponseJson } from '../codec/types/response_json.ts';
import { clientCodec } from './client_codec.ts';
import type { RequestIds } from '../codec/wire/request_encoder.ts';
import type { ClientTlsOptions, ClientTransport } from './client_transport.ts';
import { TcpTransport } from './tcp_transport.ts';
import { WsTransport } from './ws_transport.ts';
import { jitteredDelayMs, nextStepMs } from './reconnect_delay.ts';

export interface ClientOptions {
  /** tcp://host:port, tls://host:port, ws://host:port/ or wss://host:port/ */
  readonly url: string;
  /** For tls:// and wss://: trusted CA (e.g. a self-signed server certificate) and verification. */
  readonly tls?: ClientTlsOptions;
  readonly apiKey: string;
  /** Session option: when this connection closes, the engine cancels every order of the principal's accounts. [false] */
  readonly cancelOnDisconnect?: boolean;
  /** Commands sent and unanswered at once; more wait in the client. [1024] */
  readonly maxInFlight?: number;
  /** Reconnect and resend unanswered commands when the connection drops. [true] */
  readonly reconnect?: boolean;
  /** Give up reconnecting after this long without a connection (then every pending promise rejects). [10000] */
  readonly reconnectTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  /** Retries of a command answered BUSY or TOO_MANY_IN_FLIGHT before that code is returned. [1000] */
  readonly busyRetries?: number;
}

/** An error that ends a command: the connection is gone for good, or the client was closed. */
export class RinglineClientError extends Error {}


interface Pending {
  readonly correlationId: number;
  readonly bytes: Uint8Array;
  readonly resolve: (response: ResponseJson) => void;
  readonly reject: (error: Error) => void;
  busyRetries: number;
  sent: boolean;
}

export class RinglineClient {
  private transport: ClientTransport | null = null;
  private nextCorrelationId = 1;
  private readonly idempotencyIds = new IdempotencyIds();
  /** The ids of the command being encoded (the encoder reads them at once: no copy of the command object). */
  private readonly ids: RequestIds = { correlationId: 0, idempotencyId: 0 };
  private readonly pending = new Map<number, Pending>();
  /** Commands waiting for an in-flight slot: a FIFO read from waitingHead (shift() is O(n) on long arrays). */
  private waiting: Pending[] = [];
  private waitingHead = 0;
  private outbox: Uint8Array[] = [];
  private flushScheduled = false;
  private closedByUser = false;
  private reconnecting: Promise<void> | null = null;
  private readonly maxInFlight: number;
  private reconnectCount = 0;
  private resentCount = 0;

  private constructor(private readonly options: ClientOptions) {
    this.maxInFlight = options.maxInFlight ?? 1024;
    if (!Number.isInteger(this.maxInFlight) || this.maxInFlight < 1) {
      throw new RangeError(`maxInFlight must be a positive integer, got ${options.maxInFlight}`);
    }
  }

  static async connect(options: ClientOptions): Promise<RinglineClient> {
    const client = new RinglineClient(options);
    await client.open();
    return client;
  }

  /** Sends a command; resolves with its response (whatever its code), rejects only if the connection is lost for good. */
  send(command: CommandJson): Promise<ResponseJson> {
    if (this.closedByUser) return Promise.reject(new RinglineClientError('client is closed'));
    const correlationId = this.nextCorrelationId++;
    let idempotencyId = command.idempotencyId ?? 0;
    if (idempotencyId === 0 && !isReadOnlyCommand(command.type)) idempotencyId = this.idempotencyIds.next();
    const ids = this.ids;
    ids.correlationId = correlationId;
    ids.idempotencyId = idempotencyId;
    const bytes = clientCodec.encodeRequest(command as RequestJson, ids);
    return new Promise<ResponseJson>((resolve, reject) => {
      const p: Pending = { correlationId, bytes, resolve, reject, busyRetries: 0, sent: false };
      if (this.pending.size < this.maxInFlight) this.dispatch(p);
      else this.waiting.push(p);
    });
  }

  /** Successful reconnects since connect(). */
  get reconnects(): number {
    return this.reconnectCount;
  }

  /** Commands resent after reconnects (same correlation and idempotency ids). */
  get resent(): number {
    return this.resentCount;
  }

  /** Commands sent and not yet answered, plus those waiting for a slot. */
  get outstanding(): number {
    return this.pending.size + this.waiting.length - this.waitingHead;
  }

  async close(): Promise<void> {
    this.closedByUser = true;
    this.transport?.close();
    this.transport = null;
    this.failAll(new RinglineClientError('client closed'));
  }

  private async open(): Promise<void> {
    const transport = await this.openTransport();
    const timeoutMs = this.options.connectTimeoutMs ?? 5000;
    const response = await new Promise<ResponseJson | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), timeoutMs);
      transport.onMessage = (message) => {
        clearTimeout(timer);
        try {
          resolve(clientCodec.decodeResponse(message));
        } catch {
          resolve(null);
        }
      };
      transport.onClose = () => {
        clearTimeout(timer);
        resolve(null);
      };
      transport.sendBatch([clientCodec.encodeRequest({ type: 'login', apiKey: this.options.apiKey, correlationId: 0,
        cancelOnDisconnect: this.options.cancelOnDisconnect === true })]);
    });
    if (response === null || response.code !== ResultCode.OK) {
      transport.close();
      const why = response === null ? 'no reply to login (connection closed or timed out)' : `${response.status}: ${response.message ?? ''}`;
      throw new RinglineClientError(`login to ${this.options.url} failed: ${why}`);
    }
    transport.onMessage = (message) => this.onMessage(message);
    transport.onClose = (reason) => this.onTransportClose(transport, reason);
    this.transport = transport;
    // Resend whatever was unanswered on the previous connection, same correlation and idempotency ids.
    const resend: Uint8Array[] = [];
    for (const p of this.pending.values()) resend.push(p.bytes);
    if (resend.length > 0) transport.sendBatch(resend);
    this.resentCount += resend.length;
  }

  private openTransport(): Promise<ClientTransport> {
    const url = new URL(this.options.url);
    const timeout = this.options.connectTimeoutMs ?? 5000;
    const tls = this.options.tls ?? {};
    if (url.protocol === 'tcp:') return TcpTransport.open(url.hostname, Number(url.port || 7400), timeout);
    if (url.protocol === 'tls:') return TcpTransport.open(url.hostname, Number(url.port || 7400), timeout, tls);
    if (url.protocol === 'ws:') return WsTransport.open(this.options.url, timeout);
    if (url.protocol === 'wss:') return WsTransport.open(this.options.url, timeout, {}, tls);
    throw new RangeError(`client url must start with tcp://, tls://, ws:// or wss://, got ${this.options.url}`);
  }

  private dispatch(p: Pending): void {
    this.pending.set(p.correlationId, p);
    p.sent = true;
    this.outbox.push(p.bytes);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.outbox.length === 0) return;
    const batch = this.outbox;
    this.outbox = [];
    // Without a connection the commands stay pending and are resent after the reconnect.
    if (this.transport !== null && this.reconnecting === null) this.transport.sendBatch(batch);
  }

  private onMessage(message: Uint8Array): void {
    let response: ResponseJson;
    try {
      response = clientCodec.decodeResponse(message);
    } catch {
      return; // A server never sends a malformed response; ignore rather than crash the application.
    }
    const p = this.pending.get(response.correlationId);
    if (p === undefined) return;
    if ((response.code === ResultCode.BUSY || response.code === ResultCode.TOO_MANY_IN_FLIGHT) && p.busyRetries < (this.options.busyRetries ?? 1000)) {
      p.busyRetries++;
      setTimeout(() => {
        if (this.pending.get(p.correlationId) !== p) return;
        this.outbox.push(p.bytes);
        this.flush();
      }, Math.min(1 + p.busyRetries, 20));
      return;
    }
    this.pending.delete(response.correlationId);
    p.resolve(response);
    while (this.waitingHead < this.waiting.length && this.pending.size < this.maxInFlight) {
      this.dispatch(this.waiting[this.waitingHead++]);
    }
    if (this.waitingHead > 1024 && this.waitingHead * 2 > this.waiting.length) {
      this.waiting = this.waiting.slice(this.waitingHead);
      this.waitingHead = 0;
    }
  }

  private onTransportClose(transport: ClientTransport, reason: string): void {
    if (this.transport !== transport) return;
    this.transport = null;
    if (this.closedByUser) return;
    if (this.options.reconnect === false) {
      this.failAll(new RinglineClientError(`connection lost: ${reason}`));
      return;
    }
    this.reconnecting = this.reconnectLoop(reason).finally(() => { this.reconnecting = null; });
  }

  private async reconnectLoop(reason: string): Promise<void> {
    const deadline = Date.now() + (this.options.reconnectTimeoutMs ?? 10_000);
    let stepMs = 10;
    let lastError = reason;
    while (!this.closedByUser && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, jitteredDelayMs(stepMs)));
      stepMs = nextStepMs(stepMs, 500);
      try {
        this.outbox = [];
        await this.open();
        this.reconnectCount++;
        return;
      } catch (error) {
        lastError = (error as Error).message;
        if (lastError.includes('BAD_CREDENTIALS')) break;
      }
    }
    this.failAll(new RinglineClientError(`connection lost and not re-established: ${lastError}`));
  }

  private failAll(error: Error): void {
    const all = [...this.pending.values(), ...this.waiting.slice(this.waitingHead)];
    this.pending.clear();
    this.waiting = [];
    this.waitingHead = 0;
    for (const p of all) p.reject(error);
  }
}
