/**
 * Node's libuv TCP handle (tcp_wrap's TCP, what node:net keeps as socket._handle), used bare by the
 * pre-login door: a connection that never logs in costs the door one handle (a few hundred bytes
 * outside the heap) and one small object, not a net.Socket (~3.5 KB of streams, states and listeners,
 * its constructor and its garbage: the door's largest costs under a slowloris attack, which churns
 * ~2,000 of them a second; docs/performance.md, hostile).
 *
 * What node:net does for a socket, done directly: reads arrive at the handle's `onread` (this = the
 * handle; the byte count, or a negative libuv error, in stream_wrap's shared streamBaseState),
 * writes and shutdowns take a request object whose `oncomplete` libuv calls if they finish later.
 * These are process.binding internals (node 20's tcp_wrap and stream_wrap); raw_tcp_handle.test.ts
 * pins what the door relies on, so a Node upgrade that changes them fails there, not in production.
 * A handle is sent to another process as is (child_process's 'net.Native'): the receiver wraps it in
 * a net.Socket (adoptTcpHandle).
 */
import { Socket } from 'node:net';

/** The methods of a TCP handle the door uses. */
export interface RawTcpHandle {
  /** Called by libuv with this = the handle: `bytes` holds the read (readResult() says how much), or undefined. */
  onread: ((this: RawTcpHandle, bytes: ArrayBuffer | undefined) => void) | null;
  readStart(): number;
  readStop(): number;
  writeBuffer(request: object, data: Uint8Array): number;
  shutdown(request: object): number;
  close(callback?: () => void): void;
  getpeername(out: { address?: string; port?: number; family?: string }): number;
}

interface StreamWrapBinding {
  readonly WriteWrap: new () => RequestWrap;
  readonly ShutdownWrap: new () => RequestWrap;
  readonly streamBaseState: Int32Array;
  readonly kReadBytesOrError: number;
  readonly kArrayBufferOffset: number;
}

interface RequestWrap {
  handle: RawTcpHandle;
  oncomplete: (status: number) => void;
  async: boolean;
  bytes?: number;
  buffer?: Uint8Array;
}

type Binding = (name: string) => unknown;
// process.binding is deprecated for applications (DEP0111, documentation only), and the only way to
// these handles without --expose-internals.
const binding = (process as unknown as { binding: Binding }).binding;
const streamWrap = binding('stream_wrap') as StreamWrapBinding;
const { TCP } = binding('tcp_wrap') as { TCP: abstract new (...args: never[]) => object };
const state = streamWrap.streamBaseState;
const noop = (): void => {};

/** libuv's end of stream (UV_EOF): the peer closed its side. */
export const UV_EOF = -4095;

/** True for a bare TCP handle (as child_process delivers one sent as 'net.Native'). */
export function isRawTcpHandle(value: unknown): value is RawTcpHandle {
  return value instanceof TCP;
}

/**
 * The read libuv just reported to `onread`: `bytes` > 0 (a Buffer over the read, valid until the
 * handler returns unless copied), 0 (nothing, try later) or a negative libuv error (UV_EOF: end).
 */
export function readResult(arrayBuffer: ArrayBuffer | undefined): { count: number; chunk: Buffer | null } {
  const count = state[streamWrap.kReadBytesOrError];
  if (count <= 0 || arrayBuffer === undefined) return { count, chunk: null };
  return { count, chunk: Buffer.from(arrayBuffer, state[streamWrap.kArrayBufferOffset], count) };
}

/** Writes `data` (kept alive until written) and then shuts the sending side down: the peer reads it, then the end. */
export function writeAndEnd(handle: RawTcpHandle, data: Uint8Array): void {
  const write = new streamWrap.WriteWrap();
  write.handle = handle;
  write.oncomplete = noop;
  write.async = false;
  write.buffer = data;
  if (handle.writeBuffer(write, data) !== 0) return;
  const shutdown = new streamWrap.ShutdownWrap();
  shutdown.handle = handle;
  shutdown.oncomplete = noop;
  handle.shutdown(shutdown);
}

/** The peer's address (as net.Socket's remoteAddress), or '' when the connection is already gone. */
export function peerAddress(handle: RawTcpHandle): string {
  const out: { address?: string } = {};
  return handle.getpeername(out) === 0 ? (out.address ?? '') : '';
}

/**
 * Reads of adopted sockets into one reused buffer (node:net's `onread`) instead of a new Buffer per
 * read: `onRead` gets a view of `buffer` holding the read, valid until it returns (it copies what it
 * keeps). No 'data' events are emitted; pause() and resume() work as usual. Every read Buffer is an
 * ArrayBuffer whose bytes V8 counts as external memory until a scavenge frees it, and V8 counts the
 * external memory allocated since the last mark-compact against the old generation's limit: a gateway
 * reading ~15 MB/s of commands that way ends up starting a full collection every few hundred ms
 * (docs/performance.md, soak, #14). Safe for any number of sockets sharing one buffer: each read is
 * handed over before the event loop reads the next.
 */
export interface ReadsInPlace {
  readonly buffer: Buffer;
  onRead(socket: Socket, bytes: Buffer): void;
}

/**
 * A net.Socket over a TCP handle received from another process (reading starts at once, as node:net's
 * own hand-over does); with `reads`, its reads land in `reads.buffer` (ReadsInPlace).
 */
export function adoptTcpHandle(handle: RawTcpHandle, reads: ReadsInPlace | null = null): Socket {
  const onread = reads === null ? undefined : {
    buffer: reads.buffer,
    callback: (bytes: number): void => reads.onRead(socket, reads.buffer.subarray(0, bytes)),
  };
  // SocketConstructorOpts leaves out `handle`, which node:net takes (its own IPC hand-over does this).
  const socket: Socket = new Socket({ handle, readable: true, writable: true, onread } as ConstructorParameters<typeof Socket>[0]);
  return socket;
}
