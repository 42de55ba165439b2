/**
 * A minimal request/reply client over the TCP framing, for setting up a bench's state (assets,
 * accounts, items) before the load starts. One command at a time; not used for measuring.
 */
import { connect, type Socket } from 'node:net';
import { resultName } from '../../codec/result_codes.ts';
import { peekResponseCode } from '../load/response_peek.ts';
import { ReplySplitter } from '../load/transport_framing.ts';
import { encodeLogin, encodeRequest, type WireCommand } from '../load/wire_requests.ts';

export class ControlClient {
  private readonly splitter = new ReplySplitter('tcp');
  private waiter: ((code: number) => void) | null = null;
  private nextCorrelation = 1;
  private closedReason: string | null = null;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.splitter.push(chunk, {
      onReply: (view, start, length) => this.resolve(peekResponseCode(view, start, length)),
      onClose: (reason) => this.fail(reason),
    }));
    socket.on('close', () => this.fail('connection closed'));
    socket.on('error', (err) => this.fail(err.message));
  }

  static async connect(host: string, port: number, apiKey: string): Promise<ControlClient> {
    const socket = connect({ host, port, noDelay: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = new ControlClient(socket);
    const code = await client.sendPayload(encodeLogin(apiKey));
    if (code !== 0) {
      socket.destroy();
      throw new Error(`control login refused: ${code} ${resultName(code)}`);
    }
    return client;
  }

  /** Sends one command and resolves with its result code. */
  send(command: WireCommand, idempotencyId = 0): Promise<number> {
    return this.sendPayload(encodeRequest(command, this.nextCorrelation++, idempotencyId));
  }

  /** Sends and throws unless the result is OK. */
  async expectOk(command: WireCommand): Promise<void> {
    const code = await this.send(command);
    if (code !== 0) throw new Error(`bench setup ${command.kind} ${JSON.stringify(command)} failed: ${code} ${resultName(code)}`);
  }

  close(): void {
    this.socket.destroy();
  }

  private sendPayload(payload: Uint8Array): Promise<number> {
    if (this.closedReason !== null) return Promise.reject(new Error(`control connection closed: ${this.closedReason}`));
    if (this.waiter !== null) return Promise.reject(new Error('ControlClient sends one command at a time'));
    return new Promise<number>((resolve) => {
      this.waiter = resolve;
      const frame = Buffer.allocUnsafe(4 + payload.length);
      frame.writeUInt32LE(payload.length, 0);
      frame.set(payload, 4);
      this.socket.write(frame);
    });
  }

  private resolve(code: number): void {
    const w = this.waiter;
    this.waiter = null;
    w?.(code);
  }

  private fail(reason: string): void {
    if (this.closedReason === null) this.closedReason = reason;
    this.resolve(-1);
  }
}
