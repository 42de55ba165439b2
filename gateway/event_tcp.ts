/**
 * The event subscription listener over TCP (docs/events.md): frames are a 4-byte little-endian length
 * then one frame (codec/wire/event_frame_descriptor.ts). The client's first and only frame is
 * SUBSCRIBE with its key; a bad frame, a wrong key or no SUBSCRIBE within loginTimeoutMs is answered
 * with a CLOSING frame (a ResultCode and a message) and the connection is closed. Anything a client
 * sends after SUBSCRIBE closes it (MALFORMED_FRAME): this port only ever streams out. Until its
 * SUBSCRIBE a connection counts in the event routes' pre-login pool (event_admission.ts).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { DECODE_DONE, FRAME_PREFIX_BYTES, FrameDecoder, type FrameSink } from '../client/frame_decoder.ts';
import { PREFIX_BYTES, prefixed } from './event_frame_builder.ts';
import { ResultCode } from '../codec/result_codes.ts';
import { SubscribeFrame, SUB_MAX_KEY_BYTES, decodeSubscribe, encodeClosing } from '../codec/wire/event_frame_descriptor.ts';
import type { EventAdmission, EventCandidate } from './event_admission.ts';
import type { EventHub, EventTransport, Subscriber } from './event_hub.ts';
import type { PrincipalStore } from './principal_store.ts';
import { createTlsListener } from './tls_listener.ts';
import type { TlsFiles } from './tcp_server.ts';

const CLOSE_GRACE_MS = 1000;
if (PREFIX_BYTES !== FRAME_PREFIX_BYTES) throw new Error('event frames carry the TCP length prefix of the command port');

export interface EventTcpServerHandle {
  readonly port: number;
  readonly sockets: ReadonlySet<Socket>;
  close(): Promise<void>;
}

class EventTcpConnection implements EventTransport, FrameSink, EventCandidate {
  private readonly decoder = new FrameDecoder(SubscribeFrame.BYTES + SUB_MAX_KEY_BYTES);
  private subscriber: Subscriber | null = null;
  private ended = false;
  private readonly loginTimer: NodeJS.Timeout;
  readonly id: number;
  readonly remoteAddress: string;
  readonly openedMs = Date.now();
  preLogin = false;

  constructor(
    private readonly hub: EventHub, private readonly principals: PrincipalStore, private readonly admission: EventAdmission,
    private readonly socket: Socket, loginTimeoutMs: number,
  ) {
    this.id = admission.newId();
    this.remoteAddress = socket.remoteAddress ?? '';
    this.loginTimer = setTimeout(() => this.refuse(ResultCode.LOGIN_TIMEOUT, `no SUBSCRIBE frame within ${loginTimeoutMs} ms`), loginTimeoutMs);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      if (this.ended) return;
      const status = this.decoder.push(chunk, this);
      if (status !== DECODE_DONE && status > 1) this.refuse(status, 'malformed frame');
    });
    socket.on('close', () => this.closed());
    socket.on('error', () => this.closed());
    admission.admit(this);
  }

  onFrame(bytes: Uint8Array, start: number, length: number): boolean {
    if (this.ended) return false;
    if (this.subscriber !== null) {
      this.refuse(ResultCode.MALFORMED_FRAME, 'the event port takes one SUBSCRIBE frame and nothing after it');
      return false;
    }
    clearTimeout(this.loginTimer);
    this.admission.leave(this);
    const request = decodeSubscribe(bytes.subarray(start, start + length));
    if (typeof request === 'string') {
      this.refuse(ResultCode.MALFORMED_FRAME, request);
      return false;
    }
    const principal = this.principals.authenticate(request.key);
    if (principal === null) {
      this.refuse(ResultCode.BAD_CREDENTIALS, 'unknown or wrong key');
      return false;
    }
    this.subscriber = this.hub.subscribe(this, principal.id, principal.admin, request);
    return this.subscriber !== null;
  }

  send(frames: readonly Buffer[]): void {
    if (this.ended) return;
    writeFrames(this.socket, frames);
  }

  bufferedBytes(): number {
    return this.socket.writableLength;
  }

  close(): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.loginTimer);
    this.socket.end();
    // A client that does not read would hold the socket open: destroy it after a grace period.
    setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  refuse(code: number, message: string): void {
    if (this.ended) return;
    this.send([prefixed(encodeClosing(code, message))]);
    this.close();
  }

  private closed(): void {
    clearTimeout(this.loginTimer);
    this.ended = true;
    this.admission.leave(this);
    if (this.subscriber !== null) this.hub.unsubscribe(this.subscriber);
    this.subscriber = null;
  }
}

/**
 * Writes the hub's frames to a socket in one (corked) write. They carry their length prefix and are
 * shared: written as they are, no copy.
 */
export function writeFrames(socket: Socket, frames: readonly Buffer[]): void {
  if (frames.length === 1) {
    socket.write(frames[0] as Buffer);
    return;
  }
  socket.cork();
  for (const frame of frames) socket.write(frame);
  socket.uncork();
}

export function startEventTcpServer(hub: EventHub, principals: PrincipalStore, admission: EventAdmission, options: {
  readonly host: string; readonly port: number; readonly loginTimeoutMs: number; readonly tls: TlsFiles | null;
}): Promise<EventTcpServerHandle> {
  const sockets = new Set<Socket>();
  const onConnection = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    new EventTcpConnection(hub, principals, admission, socket, options.loginTimeoutMs);
  };
  const server: Server = options.tls === null ? createServer(onConnection) : createTlsListener(options.tls, options.loginTimeoutMs, onConnection);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve({
        port: typeof address === 'object' && address !== null ? address.port : options.port,
        sockets,
        close: () => new Promise<void>((done) => {
          for (const socket of sockets) socket.destroy();
          server.close(() => done());
        }),
      });
    });
  });
}
