/**
 * The WebSocket transport: one binary message per request and per response. Node 20 has no
 * WebSocket client without a flag, so this uses the `ws` package (installed with
 * @trufflesuite/uws-js-unofficial), loaded through require with the narrow interface below.
 */
import { createRequire } from 'node:module';
import type { ClientTlsOptions, ClientTransport } from './client_transport.ts';

interface WsSocket {
  binaryType: string;
  on(event: 'open', listener: () => void): void;
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): void;
  on(event: 'close', listener: (code: number, reason: Buffer) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  send(data: Uint8Array, options: { binary: boolean }): void;
  close(): void;
  terminate(): void;
}
type WsConstructor = new (url: string, options: {
  headers?: Record<string, string>; handshakeTimeout?: number; ca?: string | Buffer; rejectUnauthorized?: boolean;
}) => WsSocket;

const requireCjs = createRequire(import.meta.url);
let WsClass: WsConstructor | null = null;

function wsClass(): WsConstructor {
  if (WsClass === null) WsClass = requireCjs('ws') as WsConstructor;
  return WsClass;
}

export class WsTransport implements ClientTransport {
  onMessage: (message: Uint8Array) => void = () => {};
  onClose: (reason: string) => void = () => {};
  private closed = false;

  private constructor(private readonly ws: WsSocket) {
    ws.on('message', (data, isBinary) => {
      if (isBinary) this.onMessage(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    });
    ws.on('close', (code, reason) => this.fail(`closed by server (${code}${reason.length > 0 ? ` ${reason.toString()}` : ''})`));
    ws.on('error', (error) => this.fail(error.message));
  }

  /** `url` like ws://127.0.0.1:7401/; `headers` may carry `Authorization: Bearer <key>`. */
  static open(url: string, timeoutMs: number, headers: Record<string, string> = {}, tls: ClientTlsOptions | null = null): Promise<WsTransport> {
    const Ws = wsClass();
    return new Promise((resolve, reject) => {
      const ws = new Ws(url, { headers, handshakeTimeout: timeoutMs, ...(tls === null ? {} : { ca: tls.ca, rejectUnauthorized: tls.rejectUnauthorized ?? true }) });
      ws.binaryType = 'nodebuffer';
      let settled = false;
      ws.on('error', (error) => {
        if (settled) return;
        settled = true;
        reject(new Error(`WebSocket connect to ${url} failed: ${error.message}`));
      });
      ws.on('open', () => {
        if (settled) return;
        settled = true;
        resolve(new WsTransport(ws));
      });
    });
  }

  sendBatch(messages: readonly Uint8Array[]): void {
    if (this.closed) return;
    for (const m of messages) this.ws.send(m, { binary: true });
  }

  /** Sends a text message (for tests of the gateway's refusal). */
  sendText(text: string): void {
    (this.ws as unknown as { send(data: string): void }).send(text);
  }

  close(): void {
    this.ws.terminate();
    this.fail('closed by client');
  }

  private fail(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose(reason);
  }
}
