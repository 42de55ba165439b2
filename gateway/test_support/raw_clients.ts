/**
 * Raw socket clients for gateway tests: they send exactly the bytes a test gives them (valid or
 * not) and collect decoded responses, so tests see what a misbehaving client would see.
 */
import { connect, type Socket } from 'node:net';
import { createRequire } from 'node:module';
import type { RequestJson } from '../../codec/types/command_json.ts';
import type { ResponseJson } from '../../codec/types/response_json.ts';
import { clientCodec } from '../../client/client_codec.ts';
import { DECODE_DONE, FrameDecoder, encodeFrame } from '../../client/frame_decoder.ts';

export function requestBytes(request: RequestJson): Uint8Array {
  return clientCodec.encodeRequest(request);
}

abstract class ResponseQueue {
  readonly responses: ResponseJson[] = [];
  closed = false;
  private waiters: (() => void)[] = [];

  protected push(bytes: Uint8Array): void {
    this.responses.push(clientCodec.decodeResponse(bytes));
    this.wake();
  }

  protected markClosed(): void {
    this.closed = true;
    this.wake();
  }

  /** Waits until `count` responses arrived (or the connection closed); returns them all. */
  async waitFor(count: number, timeoutMs = 10_000): Promise<ResponseJson[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.responses.length < count && !this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${count} responses (have ${this.responses.length})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(timer); resolve(); });
      });
    }
    return this.responses;
  }

  async waitClosed(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('timed out waiting for the server to close the connection');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.waiters.push(() => { clearTimeout(timer); resolve(); });
      });
    }
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

export class RawTcpClient extends ResponseQueue {
  private readonly decoder = new FrameDecoder(1 << 20);

  private constructor(readonly socket: Socket) {
    super();
    socket.on('data', (chunk: Buffer) => {
      const status = this.decoder.push(chunk, { onFrame: (b, s, l) => { this.push(b.subarray(s, s + l)); return true; } });
      if (status !== DECODE_DONE) throw new Error(`bad frame from server: ${status}`);
    });
    socket.on('close', () => this.markClosed());
    socket.on('error', () => { /* close follows */ });
  }

  /** `localAddress`: another loopback source (127.0.0.2, ...) to look like a different client host. */
  static open(port: number, localAddress?: string): Promise<RawTcpClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, noDelay: true, localAddress });
      socket.once('connect', () => resolve(new RawTcpClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Frames and sends each request. */
  send(...requests: RequestJson[]): void {
    this.socket.write(Buffer.concat(requests.map((r) => encodeFrame(requestBytes(r)))));
  }

  sendRaw(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  close(): void {
    this.socket.destroy();
  }
}

interface WsLike {
  on(event: string, listener: (...args: never[]) => void): void;
  send(data: Uint8Array | string, options?: { binary: boolean }): void;
  terminate(): void;
}
type WsCtor = new (url: string, options?: { headers?: Record<string, string> }) => WsLike;
const Ws = createRequire(import.meta.url)('ws') as WsCtor;

export class RawWsClient extends ResponseQueue {
  closeCode = 0;

  private constructor(readonly ws: WsLike) {
    super();
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) this.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    });
    ws.on('close', (code: number) => { this.closeCode = code; this.markClosed(); });
    ws.on('error', () => { /* close follows */ });
  }

  static open(url: string, headers: Record<string, string> = {}): Promise<RawWsClient> {
    return new Promise((resolve, reject) => {
      const ws = new Ws(url, { headers });
      ws.on('open', () => resolve(new RawWsClient(ws)));
      ws.on('error', (e: Error) => reject(e));
    });
  }

  send(...requests: RequestJson[]): void {
    for (const r of requests) this.ws.send(requestBytes(r), { binary: true });
  }

  sendRaw(bytes: Uint8Array): void {
    this.ws.send(bytes, { binary: true });
  }

  sendText(text: string): void {
    this.ws.send(text);
  }

  /** Stops reading from the socket (a client that does not consume its replies). */
  pauseReading(): void {
    (this.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  }

  close(): void {
    this.ws.terminate();
  }
}

/** POSTs JSON (or raw text) and returns the HTTP status and the parsed body. */
export async function postJson(baseUrl: string, path: string, body: unknown, key?: string): Promise<{ status: number; body: ResponseJson & Record<string, unknown> }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key !== undefined) headers.authorization = `Bearer ${key}`;
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as ResponseJson & Record<string, unknown> };
}
