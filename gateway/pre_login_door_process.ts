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
 * (pre_login_gate.ts, loginSweepPlan). A closed connection is ended (its reply flushed) and destroyed
 * after a grace period by the same tick: no timer per connection.
 */
import type { Server, Socket } from 'node:net';
import { FRAME_PREFIX_BYTES, encodeFrame } from '../client/frame_decoder.ts';
import { CMD_MAX_RECORD_BYTES } from '../codec/records/command_descriptor.ts';
import { createRecordBuffer } from '../codec/records/record_buffer.ts';
import { ResultCode } from '../codec/result_codes.ts';
import { TranslateResult } from '../codec/wire/translate_result.ts';
import { createWireCodec } from './codec_adapter.ts';
import type { DoorConfig, DoorStats, FromDoor, ToDoor } from './pre_login_door.ts';
import { loginSweepPlan, PreLoginGate, type PreLoginMember } from './pre_login_gate.ts';
import { LOGIN_COMMAND_TYPE } from './wire_codec.ts';
import { TCP_LISTEN_BACKLOG } from './port_probe.ts';

const CLOSE_GRACE_MS = 1000;
const STATS_MS = 100;
const HELD_INITIAL_BYTES = 64;
const EMPTY = Buffer.alloc(0);

/** The part of a libuv stream handle the hand-over needs (node:net keeps it as socket._handle). */
interface StreamHandle { reading: boolean; readStop(): number }

class DoorConnection implements PreLoginMember {
  preLogin = false;
  /** Bytes read so far: the first frame, and whatever followed it in the same chunk. */
  held: Buffer = EMPTY;
  heldBytes = 0;
  /** Answered and ending, or handed over: later bytes are not read. */
  done = false;

  constructor(readonly id: number, readonly socket: Socket, readonly remoteAddress: string, readonly openedMs: number) {}
}

const send = (message: FromDoor, handle?: Socket): void => {
  if (process.send === undefined || !process.connected) return;
  if (handle === undefined) process.send(message);
  else process.send(message, handle, { keepOpen: false }, (error: Error | null) => { if (error !== null) handle.destroy(); });
};

function run(server: Server, config: DoorConfig): void {
  // node:net listened again on the received socket with its default accept queue (511): give it back
  // the gateway's deep one, or a connection storm overflows it into SYN retries (seconds each).
  (server as unknown as { _handle: { listen(backlog: number): number } | null })._handle?.listen(TCP_LISTEN_BACKLOG);
  const codec = createWireCodec();
  const scratch = createRecordBuffer(new ArrayBuffer(CMD_MAX_RECORD_BYTES));
  const outcome = new TranslateResult();
  const gate = new PreLoginGate<DoorConnection>(config.maxPreLoginConnections, config.maxPreLoginConnectionsPerAddress, config.loginTimeoutMs);
  const all = new Set<DoorConnection>();
  /** Ended connections waiting to be destroyed, oldest first (one grace period for all: deadlines in order). */
  const ending: { socket: Socket; atMs: number }[] = [];
  let endingHead = 0;
  let nextId = 1;
  const stats = { open: 0, rejected: 0, evictions: 0, loginTimeouts: 0, protocolErrors: 0, handedOver: 0 };
  let reported = '';

  const end = (c: DoorConnection, code: number, correlationId: number, commandType: number, message: string | null): void => {
    c.done = true;
    gate.leave(c);
    all.delete(c);
    c.socket.end(encodeFrame(codec.encodeError(correlationId, code, message, commandType)));
    ending.push({ socket: c.socket, atMs: Date.now() + CLOSE_GRACE_MS });
  };

  const handOver = (c: DoorConnection): void => {
    c.done = true;
    gate.leave(c);
    all.delete(c);
    const socket = c.socket as unknown as { _handle: StreamHandle | null; _read(size: number): void };
    const handle = socket._handle;
    if (handle === null) return;
    // Stop reading first: a byte read between here and the hand-over would be lost (node:net drops
    // what a sent handle reads). What the kernel holds stays there for the gateway.
    handle.reading = false;
    handle.readStop();
    // And never start again. node:net sends one handle at a time: while an earlier hand-over waits for
    // the gateway's acknowledgement, this socket keeps its handle in the IPC queue, and the stream
    // would restart reading by itself (Readable's read-ahead calls _read, which calls readStart):
    // whatever the client sent next (the command behind its Login) was read here and dropped.
    socket._read = () => {};
    c.socket.removeAllListeners('data');
    stats.handedOver++;
    send({ type: 'login', bytes: c.held.toString('base64', 0, c.heldBytes), remoteAddress: c.remoteAddress, openedMs: c.openedMs }, c.socket);
  };

  const onData = (c: DoorConnection, chunk: Buffer): void => {
    if (c.done) return;
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
      end(c, length === 0 ? ResultCode.MALFORMED_FRAME : ResultCode.FRAME_TOO_LARGE, 0, 0, null);
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
      end(c, replyCode, outcome.correlationId, outcome.isLogin ? LOGIN_COMMAND_TYPE : outcome.commandType, message);
      return;
    }
    handOver(c);
  };

  server.on('connection', (socket: Socket) => {
    socket.setNoDelay(true);
    socket.on('error', () => { /* 'close' follows */ });
    const remoteAddress = socket.remoteAddress ?? '';
    if (!gate.allows(remoteAddress)) {
      stats.rejected++;
      socket.end(encodeFrame(codec.encodeError(0, ResultCode.TOO_MANY_UNAUTHENTICATED, null, 0)));
      ending.push({ socket, atMs: Date.now() + CLOSE_GRACE_MS });
      return;
    }
    const victim = gate.victim();
    if (victim !== null) {
      stats.evictions++;
      end(victim, ResultCode.TOO_MANY_UNAUTHENTICATED, 0, 0, null);
    }
    const c = new DoorConnection(nextId++, socket, remoteAddress, Date.now());
    gate.admit(c);
    all.add(c);
    socket.on('data', (chunk: Buffer) => onData(c, chunk));
    socket.once('close', () => {
      gate.leave(c);
      all.delete(c);
    });
  });

  const { tickMs, closesPerTick } = loginSweepPlan(config.loginTimeoutMs, config.maxPreLoginConnections);
  setInterval(() => {
    const now = Date.now();
    for (const c of gate.expired(now, closesPerTick)) {
      stats.loginTimeouts++;
      end(c, ResultCode.LOGIN_TIMEOUT, 0, 0, null);
    }
    while (endingHead < ending.length && ending[endingHead].atMs <= now) ending[endingHead++].socket.destroy();
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
    if (message.type === 'drop') for (const c of [...all]) c.socket.destroy();
  });
  send({ type: 'ready' });
}

// Runs as a child of the gateway only: without its IPC channel there is nothing to serve.
if (process.send === undefined) throw new Error('pre_login_door_process.ts runs as a child of the gateway (child_process.fork)');
process.on('disconnect', () => process.exit(0));
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
