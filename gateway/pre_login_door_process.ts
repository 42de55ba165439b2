/**
 * Entry of the pre-login door process (pre_login_door.ts explains the hand-over). It accepts on the
 * gateway's listening socket and holds each connection until its first frame is complete:
 *
 *   accept ──► source address over its share? ──► TOO_MANY_UNAUTHENTICATED, closed
 *     │         pool full? ──► the oldest closed (TOO_MANY_UNAUTHENTICATED), this one admitted
 *     ▼
 *   bytes are appended; nothing is parsed until the announced frame could be complete
 *     │ length 0 / above maxPreLoginFrameBytes ──► MALFORMED_FRAME / FRAME_TOO_LARGE, closed
 *     │ not a valid Login ──► its verification code (or NOT_AUTHENTICATED), closed
 *     ▼ a valid Login
 *   reading stopped, the socket and every byte read sent to the gateway
 *
 * The login deadline (loginTimeoutMs from accept; bytes do not extend it) is swept as in the gateway
 * (pre_login_gate.ts, loginSweepPlan), after a poll for input: bytes that arrived in time are read
 * before a late wake-up enforces a deadline. A closed connection is ended (its reply flushed) and closed
 * after a grace period by the same tick: no timer per connection. Connections are bare libuv TCP
 * handles, not net.Sockets (raw_tcp_handle.ts): one small object each, one read handler for all.
 */
import type { Server } from 'node:net';
import { FRAME_PREFIX_BYTES, encodeFrame } from '../client/frame_decoder.ts';
import { CMD_MAX_RECORD_BYTES } from '../codec/records/command_descriptor.ts';
import { createRecordBuffer } from '../codec/records/record_buffer.ts';
import { ResultCode } from '../codec/result_codes.ts';
import { TranslateResult } from '../codec/wire/translate_result.ts';
import { createWireCodec } from './codec_adapter.ts';
import type { DoorConfig, DoorStats, FromDoor, ToDoor } from './pre_login_door.ts';
import { loginSweepPlan, PreLoginGate, type PreLoginMember } from '../core/pre_login_gate.ts';
import { peerAddress, readResult, writeAndEnd, type RawTcpHandle } from './raw_tcp_handle.ts';
import { LOGIN_COMMAND_TYPE } from './wire_codec.ts';
import { TCP_LISTEN_BACKLOG } from './port_probe.ts';

const CLOSE_GRACE_MS = 1000;
const STATS_MS = 100;
const HELD_INITIAL_BYTES = 64;
const EMPTY = Buffer.alloc(0);

class DoorConnection implements PreLoginMember {
  preLogin = false;
  /** Bytes read so far: the first frame, and whatever followed it in the same chunk. */
  held: Buffer = EMPTY;
  heldBytes = 0;
  /** Answered and ending, or handed over (or closed): later bytes are not read. */
  done = false;

  constructor(readonly id: number, readonly handle: RawTcpHandle, readonly remoteAddress: string, readonly openedMs: number) {}
}

/** The connection a handle belongs to (a property on the handle: no map to keep in step). */
const CONNECTION = Symbol('door connection');
type OwnedHandle = RawTcpHandle & { [CONNECTION]?: DoorConnection };

const send = (message: FromDoor, handle?: RawTcpHandle): void => {
  if (process.send === undefined || !process.connected) {
    handle?.close();
    return;
  }
  if (handle === undefined) process.send(message);
  // Sent as a bare handle ('net.Native'): node:net does not close the sender's copy of those; it is
  // closed once the message (and with it the descriptor) has gone, whatever the outcome.
  else process.send(message, handle as never, () => handle.close());
};

function run(server: Server, config: DoorConfig): void {
  const listener = (server as unknown as { _handle: ListenHandle | null })._handle;
  if (listener === null) throw new Error('pre-login door: the listener it was given is closed');
  // node:net listened again on the received socket with its default accept queue (511): give it back
  // the gateway's deep one, or a connection storm overflows it into SYN retries (seconds each).
  listener.listen(TCP_LISTEN_BACKLOG);
  const codec = createWireCodec();
  const scratch = createRecordBuffer(new ArrayBuffer(CMD_MAX_RECORD_BYTES));
  const outcome = new TranslateResult();
  const gate = new PreLoginGate<DoorConnection>(config.maxPreLoginConnections, config.maxPreLoginConnectionsPerAddress, config.loginTimeoutMs);
  const all = new Set<DoorConnection>();
  /** Ended connections waiting to be closed, oldest first (one grace period for all: deadlines in order). */
  const ending: { handle: RawTcpHandle; atMs: number }[] = [];
  let endingHead = 0;
  let nextId = 1;
  const stats = { open: 0, rejected: 0, evictions: 0, loginTimeouts: 0, protocolErrors: 0, handedOver: 0 };
  let reported = '';
  /** The same few replies for every refused, evicted or late connection: encoded once. */
  const refusals = new Map<number, Buffer>();
  const refusal = (code: number): Buffer => {
    let frame = refusals.get(code);
    if (frame === undefined) refusals.set(code, frame = encodeFrame(codec.encodeError(0, code, null, 0)));
    return frame;
  };

  const forget = (c: DoorConnection): void => {
    c.done = true;
    gate.leave(c);
    all.delete(c);
    (c.handle as OwnedHandle)[CONNECTION] = undefined;
  };

  /** Answers (the reply flushed, then the end) and closes after the grace period; nothing more is read. */
  const endHandle = (handle: RawTcpHandle, reply: Uint8Array): void => {
    handle.readStop();
    writeAndEnd(handle, reply);
    ending.push({ handle, atMs: Date.now() + CLOSE_GRACE_MS });
  };

  const end = (c: DoorConnection, reply: Uint8Array): void => {
    forget(c);
    endHandle(c.handle, reply);
  };

  const handOver = (c: DoorConnection): void => {
    forget(c);
    // Stop reading first: a byte read between here and the hand-over would be lost. What the kernel
    // holds stays there for the gateway; a bare handle never starts reading again by itself.
    c.handle.readStop();
    stats.handedOver++;
    send({ type: 'login', bytes: c.held.toString('base64', 0, c.heldBytes), remoteAddress: c.remoteAddress, openedMs: c.openedMs }, c.handle);
  };

  const onData = (c: DoorConnection, chunk: Buffer): void => {
    const need = c.heldBytes + chunk.length;
    if (need > c.held.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, c.held.length * 2, HELD_INITIAL_BYTES));
      c.held.copy(grown, 0, 0, c.heldBytes);
      c.held = grown;
    }
    chunk.copy(c.held, c.heldBytes);
    c.heldBytes = need;
    if (c.heldBytes < FRAME_PREFIX_BYTES) return;
    const length = c.held.readUInt32LE(0);
    if (length === 0 || length > config.maxPreLoginFrameBytes) {
      stats.protocolErrors++;
      end(c, refusal(length === 0 ? ResultCode.MALFORMED_FRAME : ResultCode.FRAME_TOO_LARGE));
      return;
    }
    // A trickle: nothing to parse until the announced frame could be complete.
    if (c.heldBytes < FRAME_PREFIX_BYTES + length) return;
    const code = codec.translateRequest(c.held.subarray(FRAME_PREFIX_BYTES, FRAME_PREFIX_BYTES + length), scratch, 0, outcome);
    if (code !== ResultCode.OK || !outcome.isLogin) {
      // Before login, anything but a valid Login closes the connection (as gateway_core.ts answers it).
      stats.protocolErrors++;
      const replyCode = code !== ResultCode.OK ? code : ResultCode.NOT_AUTHENTICATED;
      const message = outcome.code === replyCode && outcome.detail !== '' ? outcome.message : null;
      end(c, encodeFrame(codec.encodeError(outcome.correlationId, replyCode, message, outcome.isLogin ? LOGIN_COMMAND_TYPE : outcome.commandType)));
      return;
    }
    handOver(c);
  };

  // One read handler for every connection (this = the handle).
  function onRead(this: OwnedHandle, bytes: ArrayBuffer | undefined): void {
    const c = this[CONNECTION];
    const { count, chunk } = readResult(bytes);
    if (c === undefined || c.done) return;
    if (chunk !== null) onData(c, chunk);
    else if (count < 0) {
      // The peer ended (or the connection failed) before logging in.
      forget(c);
      this.readStop();
      this.close();
    }
  }

  listener.onconnection = (error: number, handle: OwnedHandle | undefined): void => {
    if (error !== 0 || handle === undefined) return; // EMFILE and the like: that connection stays in the accept queue or is lost
    const c = new DoorConnection(nextId++, handle, peerAddress(handle), Date.now());
    const admitted = gate.enter(c, (oldest) => {
      stats.evictions++;
      end(oldest, refusal(ResultCode.TOO_MANY_UNAUTHENTICATED));
    });
    if (!admitted) {
      stats.rejected++;
      endHandle(handle, refusal(ResultCode.TOO_MANY_UNAUTHENTICATED));
      return;
    }
    all.add(c);
    handle[CONNECTION] = c;
    handle.onread = onRead;
    handle.readStart();
  };

  const { tickMs, closesPerTick } = loginSweepPlan(config.loginTimeoutMs, config.maxPreLoginConnections);
  /** Closes the connections whose deadline had passed at `nowMs` (taken before the last poll for input). */
  const closeExpired = (nowMs: number): void => {
    for (const c of gate.expired(nowMs, closesPerTick)) {
      stats.loginTimeouts++;
      end(c, refusal(ResultCode.LOGIN_TIMEOUT));
    }
  };
  setInterval(() => {
    const now = Date.now();
    // Read what has arrived before enforcing deadlines: libuv runs timers after the poll for input, so a
    // door that wakes late (nice, SCHED_IDLE, a saturated machine) would otherwise close a client whose
    // Login bytes came in time but sit unread in the kernel. The deadline is checked at `now`, taken
    // here; the sweep runs after the next poll (setImmediate: the check phase, after a poll that does
    // not block), which reads every byte that arrived before `now`.
    setImmediate(closeExpired, now);
    while (endingHead < ending.length && ending[endingHead].atMs <= now) ending[endingHead++].handle.close();
    if (endingHead > 1024 && endingHead * 2 > ending.length) {
      ending.splice(0, endingHead);
      endingHead = 0;
    }
  }, tickMs);
  setInterval(() => {
    stats.open = gate.size;
    const text = JSON.stringify(stats);
    if (text === reported) return;
    reported = text;
    const message: DoorStats = { ...stats };
    send({ type: 'stats', ...message });
  }, STATS_MS);

  process.on('message', (message: ToDoor) => {
    if (message.type !== 'drop') return;
    for (const c of [...all]) {
      forget(c);
      c.handle.close();
    }
  });
  send({ type: 'ready' });
}

/** The listening TCP handle (node:net's server._handle): its accept callback is the door's. */
interface ListenHandle {
  listen(backlog: number): number;
  onconnection: (error: number, handle: RawTcpHandle | undefined) => void;
}

// Runs as a child of the gateway only: without its IPC channel there is nothing to serve.
if (process.send === undefined) throw new Error('pre_login_door_process.ts runs as a child of the gateway (child_process.fork)');
process.on('disconnect', () => process.exit(0));
// The gateway stops the door with SIGTERM: exit as by default, but through process.exit, so that a
// profiled door (node --cpu-prof) writes its profile.
process.on('SIGTERM', () => process.exit(0));
// And by polling: an orphaned door (seen once the gateway was killed while this process was still
// loading) would hold the port for good. Reparented or without its channel, it exits.
const gatewayPid = process.ppid;
setInterval(() => { if (!process.connected || process.ppid !== gatewayPid) process.exit(0); }, 250).unref();
// A send after the gateway died (EPIPE) before 'disconnect' is seen: the same end.
process.on('error', () => process.exit(0));
process.once('message', (message: ToDoor, server: unknown) => {
  if (message.type !== 'listen') throw new Error(`pre-login door: expected listen first, got ${message.type}`);
  run(server as Server, message.config);
});
// Only now may the gateway send the listener. node:net accepts on a received listening socket as soon
// as it arrives, but holds the message that carries it until a 'message' listener exists: sent while
// this module was still loading, it accepted connections that no 'connection' listener ever saw
// (clients that connected during the switch got no answer and stayed open).
send({ type: 'hello' });
