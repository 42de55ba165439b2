/**
 * One client connection of a load worker, on a raw socket (no client library in the measurement).
 *
 * Messages are pre-framed into an arena of `arenaFrames` frames cycling through the workload's
 * commands; sending k frames patches their ids and writes the next k arena frames (one write, two at
 * the wrap). A frame is rewritten only after its reply arrived (in flight <= pipelineMax < arena), so
 * the socket never sends a frame that is being patched.
 *
 * A FIFO of times holds one entry per command queued or in flight: its intended send time (open
 * loop) or its write time (closed loop). Replies on one connection arrive in the order the commands
 * were applied, which is the order they were sent, so each reply pops the oldest entry.
 */
import { connect, type Socket } from 'node:net';
import { peekResponseCode } from './response_peek.ts';
import { ReplySplitter, frameHeaderBytes, peekJsonCode, writeFrameHeader, type ReplySink } from './transport_framing.ts';
import type { LoadSpec } from './load_spec.ts';
import { writeDecimal15, writeU64 } from './wire_requests.ts';

/** What the connection reports each reply to (the worker's counters and histogram). */
export interface ReplyCounter {
  onReplies(code: number, sentNs: number, nowNs: number): void;
  /** After each received chunk's replies were counted (closed loop refills here). */
  onChunkDone(connection: LoadConnection, nowNs: number): void;
  onConnectionClosed(reason: string): void;
}

export class LoadConnection implements ReplySink {
  readonly socket: Socket;
  private readonly splitter: ReplySplitter;
  private readonly arena: Uint8Array;
  private readonly arenaView: DataView;
  private readonly frameStart: Int32Array;
  private readonly correlationPos: Int32Array;
  private readonly idempotencyPos: Int32Array;
  private readonly arenaFrames: number;
  private readonly decimalIds: boolean;
  private nextFrame = 0;
  private readonly times: Float64Array;
  private timesHead = 0;
  private timesCount = 0;
  inFlight = 0;
  queued = 0;
  closed = false;
  private chunkNowNs = 0;
  private loginWaiter: ((code: number) => void) | null = null;
  private handshakeWaiter: ((ok: boolean, text: string) => void) | null = null;
  private handshakeText = '';

  constructor(
    private readonly spec: LoadSpec,
    private readonly counter: ReplyCounter,
    private readonly clock: () => number,
  ) {
    this.arenaFrames = Math.max(1024, spec.pipelineMax * 2);
    this.decimalIds = spec.messages[0].idFormat === 'decimal15';
    if (spec.messages.some((m) => (m.idFormat === 'decimal15') !== this.decimalIds)) throw new RangeError('load messages must all use one id format');
    let bytes = 0;
    for (let i = 0; i < this.arenaFrames; i++) {
      const m = spec.messages[i % spec.messages.length];
      bytes += frameHeaderBytes(spec.transport, m.payload.length) + m.payload.length;
    }
    this.arena = new Uint8Array(bytes);
    this.arenaView = new DataView(this.arena.buffer);
    this.frameStart = new Int32Array(this.arenaFrames + 1);
    this.correlationPos = new Int32Array(this.arenaFrames);
    this.idempotencyPos = new Int32Array(this.arenaFrames);
    let pos = 0;
    for (let i = 0; i < this.arenaFrames; i++) {
      const m = spec.messages[i % spec.messages.length];
      this.frameStart[i] = pos;
      const header = writeFrameHeader(spec.transport, this.arena, pos, m.payload.length);
      this.arena.set(m.payload, pos + header);
      this.correlationPos[i] = pos + header + m.correlationOffset;
      this.idempotencyPos[i] = m.idempotencyOffset < 0 ? -1 : pos + header + m.idempotencyOffset;
      pos += header + m.payload.length;
    }
    this.frameStart[this.arenaFrames] = pos;
    this.times = new Float64Array(this.arenaFrames);
    this.splitter = new ReplySplitter(spec.transport);
    this.socket = connect({ host: spec.host, port: spec.port, noDelay: true });
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (err) => this.onClose(`socket error: ${err.message}`));
    this.socket.on('close', () => this.onClose('socket closed'));
  }

  /** Connects, upgrades (ws) and logs in; rejects with the reason when any step fails. */
  async open(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
    });
    if (this.spec.transport === 'ws') await this.upgrade();
    if (this.spec.login !== null) {
      const login = this.spec.login;
      const frame = new Uint8Array(frameHeaderBytes(this.spec.transport, login.length) + login.length);
      const header = writeFrameHeader(this.spec.transport, frame, 0, login.length);
      frame.set(login, header);
      const code = await new Promise<number>((resolve) => {
        this.loginWaiter = resolve;
        this.socket.write(frame);
      });
      if (code !== 0) throw new Error(`login refused with code ${code}`);
    }
  }

  /** Free places in the FIFO (queued + in flight is bounded by the arena). */
  get capacityLeft(): number {
    return this.arenaFrames - this.timesCount;
  }

  /** Queues one command with its intended (open) or write (closed) time; false when the FIFO is full. */
  enqueue(timeNs: number): boolean {
    if (this.timesCount >= this.arenaFrames) return false;
    let tail = this.timesHead + this.timesCount;
    if (tail >= this.arenaFrames) tail -= this.arenaFrames;
    this.times[tail] = timeNs;
    this.timesCount++;
    this.queued++;
    return true;
  }

  /** Sends as many queued commands as the pipeline allows; `nextId` gives each its ids. Returns sent. */
  flush(ids: { next: number }): number {
    const k = Math.min(this.queued, this.spec.pipelineMax - this.inFlight);
    if (k <= 0 || this.closed) return 0;
    const first = this.nextFrame;
    for (let i = 0; i < k; i++) {
      let f = first + i;
      if (f >= this.arenaFrames) f -= this.arenaFrames;
      const id = ids.next++;
      const ip = this.idempotencyPos[f];
      if (this.decimalIds) {
        writeDecimal15(this.arena, this.correlationPos[f], id);
        if (ip >= 0) writeDecimal15(this.arena, ip, id);
      } else {
        writeU64(this.arenaView, this.correlationPos[f], id);
        if (ip >= 0) writeU64(this.arenaView, ip, id);
      }
    }
    const last = first + k;
    if (last <= this.arenaFrames) {
      this.socket.write(this.arena.subarray(this.frameStart[first], this.frameStart[last]));
      this.nextFrame = last === this.arenaFrames ? 0 : last;
    } else {
      const wrapped = last - this.arenaFrames;
      this.socket.write(this.arena.subarray(this.frameStart[first], this.frameStart[this.arenaFrames]));
      this.socket.write(this.arena.subarray(0, this.frameStart[wrapped]));
      this.nextFrame = wrapped;
    }
    this.inFlight += k;
    this.queued -= k;
    return k;
  }

  onReply(view: DataView, start: number, length: number): void {
    const code = length === 0 ? -1 : this.spec.transport === 'http' ? peekJsonCode(view, start, length) : peekResponseCode(view, start, length);
    if (this.loginWaiter !== null) {
      const w = this.loginWaiter;
      this.loginWaiter = null;
      w(code);
      return;
    }
    if (this.inFlight === 0) {
      this.counter.onReplies(code, this.chunkNowNs, this.chunkNowNs); // unsolicited reply (e.g. a close notice)
      return;
    }
    const sentNs = this.times[this.timesHead];
    this.timesHead = this.timesHead + 1 === this.arenaFrames ? 0 : this.timesHead + 1;
    this.timesCount--;
    this.inFlight--;
    this.counter.onReplies(code, sentNs, this.chunkNowNs);
  }

  onClose(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    if (this.loginWaiter !== null) this.loginWaiter(-1);
    if (this.handshakeWaiter !== null) this.handshakeWaiter(false, reason);
    this.counter.onConnectionClosed(reason);
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.handshakeWaiter !== null) {
      this.handshakeText += chunk.toString('latin1');
      const end = this.handshakeText.indexOf('\r\n\r\n');
      if (end < 0) return;
      const w = this.handshakeWaiter;
      this.handshakeWaiter = null;
      const ok = this.handshakeText.startsWith('HTTP/1.1 101');
      w(ok, this.handshakeText.slice(0, end));
      const rest = chunk.subarray(chunk.length - (this.handshakeText.length - end - 4));
      if (rest.length === 0) return;
      chunk = rest;
    }
    this.chunkNowNs = this.clock();
    this.splitter.push(chunk, this);
    if (this.loginWaiter === null) this.counter.onChunkDone(this, this.chunkNowNs);
  }

  private async upgrade(): Promise<void> {
    const request = `GET ${this.spec.wsPath} HTTP/1.1\r\nHost: ${this.spec.host}:${this.spec.port}\r\nUpgrade: websocket\r\n` +
      'Connection: Upgrade\r\nSec-WebSocket-Key: cmluZ2xpbmUtYmVuY2gtMQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
    const [ok, text] = await new Promise<[boolean, string]>((resolve) => {
      this.handshakeWaiter = (a, b) => resolve([a, b]);
      this.socket.write(request);
    });
    if (!ok) throw new Error(`websocket upgrade refused: ${text.split('\r\n')[0]}`);
  }
}
