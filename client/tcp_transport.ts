/** The binary TCP transport: 4-byte little-endian length + one message per frame. */
import { connect, isIP, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { DECODE_DONE, FRAME_PREFIX_BYTES, FrameDecoder, type FrameSink } from './frame_decoder.ts';
import type { ClientTlsOptions, ClientTransport } from './client_transport.ts';

const MAX_RESPONSE_BYTES = 1024 * 1024;

export class TcpTransport implements ClientTransport, FrameSink {
  onMessage: (message: Uint8Array) => void = () => {};
  onClose: (reason: string) => void = () => {};
  private readonly decoder = new FrameDecoder(MAX_RESPONSE_BYTES);
  private closed = false;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      const status = this.decoder.push(chunk, this);
      if (status !== DECODE_DONE) this.fail(`malformed frame from server (code ${status})`);
    });
    socket.on('error', (error) => this.fail(error.message));
    socket.on('close', () => this.fail('connection closed'));
  }

  static open(host: string, port: number, timeoutMs: number, tls: ClientTlsOptions | null = null): Promise<TcpTransport> {
    return new Promise((resolve, reject) => {
      const socket: Socket = tls === null
        ? connect({ host, port, noDelay: true })
        : connectTls({ host, port, ...(isIP(host) === 0 ? { servername: host } : {}), ca: tls.ca, rejectUnauthorized: tls.rejectUnauthorized ?? true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`TCP connect to ${host}:${port} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(new Error(`TCP connect to ${host}:${port} failed: ${error.message}`));
      });
      socket.once(tls === null ? 'connect' : 'secureConnect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new TcpTransport(socket));
      });
    });
  }

  onFrame(bytes: Uint8Array, start: number, length: number): boolean {
    this.onMessage(bytes.subarray(start, start + length));
    return true;
  }

  sendBatch(messages: readonly Uint8Array[]): void {
    if (this.closed) return;
    let total = 0;
    for (const m of messages) total += FRAME_PREFIX_BYTES + m.length;
    const out = Buffer.allocUnsafe(total);
    let pos = 0;
    for (const m of messages) {
      out.writeUInt32LE(m.length, pos);
      out.set(m, pos + FRAME_PREFIX_BYTES);
      pos += FRAME_PREFIX_BYTES + m.length;
    }
    this.socket.write(out);
  }

  close(): void {
    this.socket.destroy();
    this.fail('closed by client');
  }

  private fail(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.onClose(reason);
  }
}
