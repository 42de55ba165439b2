/**
 * Binary TCP listener (node:net): 4-byte little-endian length + one FlatBuffers Request per frame,
 * pipelined; the first frame must be Login. Each socket read is decoded in place and all its
 * commands are published with one publish() (one batch per read). Replies queued during a batch of
 * results leave in one write per connection.
 *
 * Buffers: connections handed over by the pre-login door read into one buffer shared by all of them
 * (raw_tcp_handle.ts, ReadsInPlace), and a connection's output buffer is reused once a write went
 * through: no new ArrayBuffer per read or per reply batch (V8 counts those as external memory, which
 * drove the gateway into back-to-back full collections at 200k commands/s; docs/performance.md, soak).
 *
 * Backpressure: a full ring or too many commands in flight pauses reading this socket (the kernel
 * then pushes back on the client) until results drain; a client whose unread replies exceed
 * maxOutboundBytes is disconnected (SLOW_CONSUMER). Framing errors close only this connection.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { RecordBuffer } from '../codec/records/record_buffer.ts';
import { DECODE_DONE, DECODE_STOPPED, FRAME_PREFIX_BYTES, FrameDecoder, encodeFrame, type FrameSink } from '../client/frame_decoder.ts';
import { SUBMIT_CLOSED, SUBMIT_DECLINED, type GatewayCore } from './gateway_core.ts';
import { createTlsListener } from './tls_listener.ts';
import type { Session, SessionTransport } from './session.ts';
import { PreLoginDoor } from './pre_login_door.ts';
import type { ReadsInPlace } from './raw_tcp_handle.ts';
import { BUSY_PORT_RETRY_MS, TCP_LISTEN_BACKLOG } from './port_probe.ts';

const CLOSE_GRACE_MS = 1000;
const OUT_INITIAL_BYTES = 4096;
/** The one buffer every connection handed over by the door reads into (ReadsInPlace): a read is at most this. */
const READ_BUFFER_BYTES = 64 * 1024;
/** A burst larger than this does not make every later output buffer as large. */
const OUT_MAX_KEPT_BYTES = 256 * 1024;
const EMPTY = Buffer.alloc(0);

class TcpConnection implements SessionTransport, FrameSink {
  readonly kind = 'tcp' as const;
  session: Session | null = null;
  private readonly decoder: FrameDecoder;
  /**
   * Framed replies waiting for the next flush. Reused when the write went through to the kernel at
   * once (nothing holds it then), replaced when the socket keeps it queued. Every new Buffer of 4 KiB
   * or more is an ArrayBuffer V8 counts as external memory until a scavenge frees it, which pushes the
   * gateway into back-to-back full collections (raw_tcp_handle.ts, ReadsInPlace): reuse is the rule.
   * Allocated at the first reply: a connection that never logs in costs no output buffer.
   */
  private out: Buffer = EMPTY;
  private outBytes = 0;
  private ended = false;
  /** Frames are held to maxPreLoginFrameBytes until the session logs in. */
  private loggedIn = false;

  constructor(private readonly core: GatewayCore, private readonly socket: Socket) {
    this.decoder = new FrameDecoder(core.config.maxPreLoginFrameBytes);
  }

  onData(chunk: Buffer): void {
    const session = this.session;
    if (session === null || session.closed || this.ended) return;
    session.lastInputMs = Date.now();
    this.core.beginInput();
    const status = this.decoder.push(chunk, this);
    this.core.endInputBatch();
    this.afterDecode(status);
  }

  onFrame(bytes: Uint8Array, start: number, length: number): boolean {
    const session = this.session;
    if (session === null || session.closed) return false;
    const outcome = this.core.submitFrame(session, bytes.subarray(start, start + length), true);
    if (!this.loggedIn && session.authenticated) {
      this.loggedIn = true;
      this.decoder.setMaxFrameBytes(this.core.config.maxFrameBytes);
    }
    return outcome !== SUBMIT_DECLINED && outcome !== SUBMIT_CLOSED;
  }

  deliver(result: RecordBuffer, base: number): void {
    // Written by the codec straight into the framed output, after the length prefix: no copy, no allocation.
    const at = this.reserve(FRAME_PREFIX_BYTES + this.core.codec.maxResponseBytes);
    this.frame(at, this.core.codec.writeResponse(result, base, this.out, at + FRAME_PREFIX_BYTES));
  }

  reply(code: number, correlationId: number, commandType: number, message: string | null): void {
    if (message !== null) {
      // A detailed message is rare (a request that failed verification): the allocating encoder is fine.
      const payload = this.core.codec.encodeError(correlationId, code, message, commandType);
      const at = this.reserve(FRAME_PREFIX_BYTES + payload.length);
      this.out.set(payload, at + FRAME_PREFIX_BYTES);
      this.frame(at, payload.length);
      return;
    }
    // BUSY and the like can come in floods: answer them without allocating.
    const at = this.reserve(FRAME_PREFIX_BYTES + this.core.codec.maxResponseBytes);
    this.frame(at, this.core.codec.writeError(this.out, at + FRAME_PREFIX_BYTES, correlationId, code, commandType));
  }

  flush(): void {
    if (this.outBytes === 0 || this.ended) return;
    const out = this.out;
    const bytes = this.outBytes;
    this.outBytes = 0;
    this.socket.write(out.subarray(0, bytes));
    // Nothing queued after the write: it went to the kernel now and node:net keeps no reference to it.
    if (!this.loggedIn) this.out = EMPTY;
    else if (this.socket.writableLength !== 0 || out.length > OUT_MAX_KEPT_BYTES) this.out = this.allocate(Math.max(OUT_INITIAL_BYTES, Math.min(bytes, OUT_MAX_KEPT_BYTES)));
    if (this.socket.writableLength > this.core.config.maxOutboundBytes) {
      this.core.metrics.slowConsumerDisconnects++;
      this.abort();
    }
  }

  resume(): void {
    const session = this.session;
    if (session === null || session.closed || this.ended) return;
    const status = this.decoder.drain(this);
    this.core.endInputBatch();
    this.afterDecode(status);
  }

  close(_code: number): void {
    if (this.ended) return;
    this.ended = true;
    this.socket.end();
    setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  /** Closes without flushing (the peer is not reading, or the stream is unusable). */
  abort(): void {
    this.ended = true;
    this.socket.destroy();
    if (this.session !== null) this.core.closeSession(this.session);
  }

  private afterDecode(status: number): void {
    const session = this.session;
    if (session === null || session.closed) return;
    if (status === DECODE_DONE) {
      if (this.socket.isPaused()) this.socket.resume();
    } else if (status === DECODE_STOPPED) {
      this.socket.pause();
      this.core.block(session);
    } else {
      // A framing error: tell the client why, then close only this connection.
      this.core.metrics.protocolErrorDisconnects++;
      this.reply(status, 0, 0, null);
      this.flush();
      this.close(status);
      this.core.closeSession(session);
    }
  }

  /** Grows the output to hold `bytes` more; returns where they go. */
  private reserve(bytes: number): number {
    const need = this.outBytes + bytes;
    if (need > this.out.length) {
      const grown = this.allocate(Math.max(need, this.out.length * 2, this.loggedIn ? OUT_INITIAL_BYTES : 0));
      this.out.copy(grown, 0, 0, this.outBytes);
      this.out = grown;
    }
    return this.outBytes;
  }

  private allocate(bytes: number): Buffer {
    this.core.metrics.tcpOutputBuffers++;
    return Buffer.allocUnsafe(bytes);
  }

  /** Writes the little-endian length prefix of the `n`-byte payload already written after `at`, and keeps the frame. */
  private frame(at: number, n: number): void {
    const out = this.out;
    out[at] = n & 0xff;
    out[at + 1] = (n >>> 8) & 0xff;
    out[at + 2] = (n >>> 16) & 0xff;
    out[at + 3] = n >>> 24;
    this.outBytes = at + FRAME_PREFIX_BYTES + n;
  }
}

const LISTEN_RETRY_STEP_MS = 50;

/** Binds `server` (a deep accept queue), retrying a busy port for BUSY_PORT_RETRY_MS (port_probe.ts); resolves with the bound port. */
async function listenRetrying(server: Server, host: string, port: number): Promise<number> {
  const deadline = Date.now() + BUSY_PORT_RETRY_MS;
  for (;;) {
    try {
      return await new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port, host, backlog: TCP_LISTEN_BACKLOG }, () => {
          server.off('error', reject);
          const address = server.address();
          resolve(typeof address === 'object' && address !== null ? address.port : port);
        });
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port === 0 || Date.now() >= deadline) throw error;
      await new Promise((r) => setTimeout(r, LISTEN_RETRY_STEP_MS));
    }
  }
}

export interface TcpServerHandle {
  readonly server: Server;
  readonly port: number;
  /** Open client sockets the gateway holds (for tests and shutdown); the door's pre-login ones are not here. */
  readonly sockets: ReadonlySet<Socket>;
  /** The pre-login door process (pre_login_door.ts), or null when logins are checked inline. */
  readonly door: PreLoginDoor | null;
  /** Closes every connection: the gateway's and the door's pre-login ones. */
  drop(): void;
  close(): Promise<void>;
}

/** PEM certificate and key for a TLS listener. */
export interface TlsFiles { readonly cert: Buffer; readonly key: Buffer }

/**
 * Starts listening (TLS when `tls` is given); resolves once bound. With `config.preLoginDoor` 'process'
 * and no TLS, connections are held by the pre-login door process until they send a Login
 * (pre_login_door.ts); otherwise the gateway thread holds them from accept.
 */
export async function startTcpServer(core: GatewayCore, host: string, port: number, tls: TlsFiles | null = null): Promise<TcpServerHandle> {
  const sockets = new Set<Socket>();
  /** The door's connections, by socket: their reads arrive in `reads.buffer`, not as 'data' events. */
  const readers = new WeakMap<Socket, TcpConnection>();
  const reads: ReadsInPlace = {
    buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES),
    onRead: (socket, bytes) => readers.get(socket)?.onData(bytes),
  };
  /**
   * A connection from accept (firstBytes null) or from the door with the bytes it read (its Login frame
   * first); `readsInPlace`: its socket reads into `reads` (adopted with it).
   */
  const attach = (socket: Socket, remoteAddress: string, firstBytes: Buffer | null, readsInPlace: boolean): void => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const connection = new TcpConnection(core, socket);
    const session = core.openSession(connection, remoteAddress);
    socket.on('close', () => {
      sockets.delete(socket);
      if (connection.session !== null) core.closeSession(connection.session);
    });
    socket.on('error', () => { /* 'close' follows and forgets the session */ });
    if (session === null) {
      socket.end(encodeFrame(core.codec.encodeError(0, core.refusalCode, null, 0)));
      return;
    }
    connection.session = session;
    if (firstBytes !== null) connection.onData(firstBytes);
    if (readsInPlace) {
      readers.set(socket, connection);
      return;
    }
    socket.on('data', (chunk: Buffer) => {
      core.metrics.tcpReadBuffers++;
      connection.onData(chunk);
    });
  };
  const onConnection = (socket: Socket): void => attach(socket, socket.remoteAddress ?? '', null, false);
  let server: Server = tls === null
    ? createServer({ noDelay: true }, onConnection)
    : createTlsListener(tls, core.config.loginTimeoutMs, onConnection);
  const boundPort = await listenRetrying(server, host, port);
  let door: PreLoginDoor | null = null;
  if (tls === null && core.config.preLoginDoor === 'process') {
    door = PreLoginDoor.start(server, core.config, {
      login: (socket, bytes, remoteAddress) => {
        if (core.isShuttingDown) socket.destroy();
        else attach(socket, remoteAddress, bytes, true);
      },
      reads,
      stats: (stats) => core.doorStats(stats),
      notice: (line) => process.stderr.write(`ringline gateway: ${line}\n`),
      died: (inline, reason) => {
        core.doorStats(null);
        server = inline;
        process.stderr.write(`ringline gateway: ${reason}; TCP logins are checked on the gateway thread from now on\n`);
      },
    }, () => createServer({ noDelay: true }, onConnection));
  }
  return {
    get server() { return server; },
    port: boundPort,
    sockets,
    door,
    drop: () => {
      door?.drop();
      for (const s of sockets) s.destroy();
    },
    close: async () => {
      await door?.close();
      await new Promise<void>((done) => {
        if (!server.listening) done();
        else server.close(() => done());
        for (const s of sockets) s.destroy();
      });
      for (const s of sockets) s.destroy();
    },
  };
}
