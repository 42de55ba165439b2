/**
 * A hot standby: a live replay of a primary's stream (`ringline follow`).
 *
 *   primary replicator ──FRAMES──► follower: verify every frame (length, CRC, sequence continuity)
 *                                  ──► its own engine's input ring (records keep the primary's bytes,
 *                                      timestamps included) ──► logic applies + journaler writes
 *                      ◄───ACK──── its durable sequence, once its journaler fdatasynced it
 *
 * The follower runs the same engine as a primary (engine/engine.ts: logic worker + journaler worker),
 * fed by the stream instead of a gateway, so its journal is the same segment format with the same
 * records and its state hash equals the primary's at every sequence.
 *
 * A whole FRAMES message is verified before any of it is published: a corrupted or out-of-order
 * stream stops the follower with an error naming the sequence and the reason, with nothing of the bad
 * message applied. A primary with an older epoch than ours is refused (STALE_EPOCH); a newer one is
 * adopted (the epoch file is raised). A lost connection is retried every reconnectMs.
 */
import { createServer as createHttpServer, type Server as HttpServer, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { CmdHeader } from '../codec/records/command_descriptor.ts';
import type { RecordBuffer } from '../codec/records/record_buffer.ts';
import { ResultCode, resultName } from '../codec/result_codes.ts';
import { startEngine, type Engine } from '../engine/engine.ts';
import type { EngineMetrics } from '../engine/engine_metrics.ts';
import { crc32Aligned } from '../journal/crc32.ts';
import { FRAME_MAX_BYTES, FRAME_MIN_BYTES, JournalFrame } from '../journal/journal_descriptor.ts';
import type { Durability } from '../journal/journal_options.ts';
import { MessageHeader, MessageType, RefuseMessage, WelcomeMessage } from './replication_descriptor.ts';
import { readEpoch, writeEpoch } from './replication_epoch.ts';
import { BAD_MESSAGE, encodeAck, encodeHello, MessageReader, NEED_MORE } from './replication_messages.ts';
import { bootstrapFromPrimary, BootstrapRefusedError, isEmptyDataDir } from './follower_bootstrap.ts';
import { startReplicationStream, type Membership } from './membership/membership_socket.ts';

export interface FollowerOptions {
  readonly primaryHost: string;
  readonly primaryPort: number;
  readonly dataDir: string;
  readonly durability?: Durability;
  /** Port of the follower's HTTP /health and /metrics, 0 = ephemeral, -1 = off. */
  readonly httpPort?: number;
  readonly httpHost?: string;
  /** Engine options (engine/engine_options.ts) other than dataDir and journal durability. */
  readonly engine?: Readonly<Record<string, unknown>>;
  readonly reconnectMs?: number;
  readonly log?: (line: string) => void;
  /**
   * POST /promote on the HTTP port (authorized by adminKey): the command stops following, raises the
   * epoch and starts a primary; resolves with the new epoch once the follower has stopped.
   */
  readonly onPromoteRequest?: () => Promise<number>;
  readonly adminKey?: string;
  /** Called with every replicated record, in sequence, as it is published (the read-only query mirror). */
  readonly onRecord?: (buffer: RecordBuffer, base: number) => void;
  /** Cluster mode: follow only the leader of this epoch (a WELCOME of any other fails the follower). */
  readonly primaryEpoch?: number;
  /** Prove membership of the cluster (and check the primary's) before HELLO (membership/). */
  readonly membership?: Membership;
}

export interface FollowerStatus {
  readonly role: 'follower';
  readonly primary: string;
  readonly connected: number;
  readonly epoch: number;
  readonly primaryEpoch: number;
  /** The primary's last sequence as last heard (WELCOME or the newest frame received). */
  readonly primaryLastSequence: number;
  /** Last sequence received and published into the follower's engine. */
  readonly receivedSequence: number;
  readonly appliedSequence: number;
  readonly durableSequence: number;
  /** primaryLastSequence minus durableSequence. */
  readonly lagSequences: number;
  readonly reconnects: number;
  readonly engine: EngineMetrics;
}

export interface Follower {
  status(): FollowerStatus;
  /** Port the HTTP status server listens on, or -1. */
  readonly httpPort: number;
  /** Disconnects, lets the engine journal and apply what it received, stops. */
  stop(): Promise<void>;
  /**
   * Stops following without stopping the engine (cluster mode: the leader changed): disconnects, drops
   * what was received and not yet published, and resolves with the last sequence once every published
   * record is durable. Then either resume() (another primary) or handOver() (this node leads).
   */
  pause(): Promise<number>;
  /** True from pause() until resume(). */
  readonly isPaused: boolean;
  /** After pause(): follows `primaryHost:primaryPort`, the leader of `primaryEpoch` (cluster mode). */
  resume(primaryHost: string, primaryPort: number, primaryEpoch: number): void;
  /** After pause(): gives the engine away (Engine.lead makes it the leader's); this follower is done. */
  handOver(): Engine;
  /** Resolves after stop(); rejects with the error that stopped the follower (corrupt stream, stale primary). */
  readonly done: Promise<void>;
}

/** pause() gives the journal this long to make what the ring holds durable (a hung disk fails it). */
const PAUSE_DURABLE_WAIT_MS_MAX = 10_000;

/** FRAMES messages waiting for ring space before the socket is paused. */
const QUEUED_CHUNKS_MAX = 64;

export class ReplicationStreamError extends Error {}

export async function startFollower(options: FollowerOptions): Promise<Follower> {
  const log = options.log ?? ((line: string) => console.error(line));
  if (isEmptyDataDir(options.dataDir)) await seed(options, log);
  let epoch = readEpoch(options.dataDir);
  let fatal: ((error: Error) => void) | null = null;
  const engine = await startEngine({
    ...(options.engine ?? {}),
    dataDir: options.dataDir,
    journal: { ...(options.engine?.journal as object | undefined), durability: options.durability ?? 'fsync', epoch },
    stampTimestamps: false,
    log,
    onFatal: (error) => fatal?.(error),
  });
  const follower = new RunningFollower(engine, options, log, epoch, (e) => { epoch = e; });
  fatal = (error) => follower.fail(error);
  await follower.startHttp();
  follower.connect();
  return follower;
}

/** An empty follower asks the primary for its newest snapshot first (follower_bootstrap.ts), retrying until it answers. */
async function seed(options: FollowerOptions, log: (line: string) => void): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      const sequence = await bootstrapFromPrimary(options.primaryHost, options.primaryPort, options.dataDir, readEpoch(options.dataDir), options.membership);
      if (sequence >= 0) log(`ringline follow: seeded from the primary's snapshot at sequence ${sequence}`);
      return;
    } catch (error) {
      if (error instanceof BootstrapRefusedError) throw error;
      if (attempt === 0) log(`ringline follow: ${(error as Error).message}; retrying`);
      await new Promise((resolve) => setTimeout(resolve, options.reconnectMs ?? 200));
    }
  }
}

class RunningFollower implements Follower {
  httpPort = -1;
  readonly done: Promise<void>;
  private resolveDone!: () => void;
  private rejectDone!: (error: Error) => void;
  private socket: Socket | null = null;
  private reader = new MessageReader();
  private welcomed = false;
  private connected = false;
  private stopping = false;
  private failed = false;
  private readonly queue: Buffer[] = [];
  private queueOffset = 0;
  /** The FRAMES message being published: frames from pendingPos to pendingEnd of pendingBuffer. */
  private pendingBuffer: RecordBuffer | null = null;
  private pendingPos = 0;
  private pendingEnd = 0;
  private retryScheduled = false;
  private ackScheduled = false;
  private lastAcked = -1;
  private primaryEpoch = -1;
  private primaryLast = -1;
  private reconnects = 0;
  private http: HttpServer | null = null;
  private name: string;
  private primaryHost: string;
  private primaryPort: number;
  private expectedEpoch: number | undefined;
  private paused = false;
  private handedOver = false;
  private readonly onRecord: ((buffer: RecordBuffer, base: number) => void) | null;

  constructor(
    private readonly engine: Engine,
    private readonly options: FollowerOptions,
    private readonly log: (line: string) => void,
    private epoch: number,
    private readonly onEpoch: (epoch: number) => void,
  ) {
    this.primaryHost = options.primaryHost;
    this.primaryPort = options.primaryPort;
    this.expectedEpoch = options.primaryEpoch;
    this.name = `${options.primaryHost}:${options.primaryPort}`;
    this.onRecord = options.onRecord ?? null;
    this.done = new Promise<void>((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    this.done.catch(() => undefined);
    this.primaryLast = engine.recoveredSequence;
    engine.onResult(() => this.scheduleAck());
  }

  status(): FollowerStatus {
    const s = this.engine.sequences();
    const primaryLast = Math.max(this.primaryLast, s.published);
    return {
      role: 'follower', primary: this.name, connected: this.connected ? 1 : 0, epoch: this.epoch,
      primaryEpoch: this.primaryEpoch, primaryLastSequence: primaryLast, receivedSequence: s.published,
      appliedSequence: s.applied, durableSequence: s.durable, lagSequences: Math.max(0, primaryLast - s.durable),
      reconnects: this.reconnects, engine: this.engine.metrics(),
    };
  }

  async startHttp(): Promise<void> {
    const port = this.options.httpPort ?? -1;
    if (port < 0) return;
    const http = createHttpServer((req, res) => {
      if (req.url === '/health') {
        const status = this.status();
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: this.connected ? 'ok' : 'disconnected', ...status }));
      } else if (req.url === '/promote' && req.method === 'POST') {
        this.handlePromote(req.headers.authorization, res);
      } else if (req.url === '/metrics') {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
        res.end(prometheusText('ringline_follower', this.status()));
      } else {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ code: ResultCode.READ_ONLY_FOLLOWER, error: 'this node is a read-only follower: it serves GET /health and GET /metrics' }));
      }
    });
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(port, this.options.httpHost ?? '127.0.0.1', () => resolve());
    });
    this.http = http;
    const address = http.address();
    this.httpPort = typeof address === 'object' && address !== null ? address.port : -1;
  }

  /** POST /promote with `authorization: Bearer <admin key>`: hands over to options.onPromoteRequest. */
  private handlePromote(authorization: string | undefined, res: ServerResponse): void {
    const key = this.options.adminKey;
    const hook = this.options.onPromoteRequest;
    const reply = (status: number, body: object): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (hook === undefined || key === undefined || key === '') {
      reply(403, { error: 'promotion over HTTP is off: start the follower with RINGLINE_ADMIN_KEY set, or use ringline promote --data DIR' });
      return;
    }
    if (authorization !== `Bearer ${key}`) {
      reply(401, { code: ResultCode.ADMIN_REQUIRED, error: 'POST /promote needs authorization: Bearer <admin key>' });
      return;
    }
    if (this.stopping || this.failed) {
      reply(409, { error: 'the follower is already stopping' });
      return;
    }
    const sequence = this.engine.sequences().published;
    hook().then(
      (epoch) => reply(200, { promoted: true, epoch, lastSequence: sequence }),
      (error: Error) => reply(500, { error: error.message }),
    );
  }

  get isPaused(): boolean {
    return this.paused;
  }

  async pause(): Promise<number> {
    if (this.stopping || this.failed || this.handedOver) throw new Error('follower.pause: the follower is stopping or stopped');
    this.paused = true; // pausing again only waits for the journal again
    this.socket?.destroy();
    this.socket = null;
    this.connected = false;
    this.welcomed = false;
    // Received but not yet in the ring: never acknowledged by this follower, so dropping it loses nothing.
    this.pendingBuffer = null;
    this.queue.length = 0;
    this.queueOffset = 0;
    const deadlineMs = performance.now() + PAUSE_DURABLE_WAIT_MS_MAX;
    for (;;) {
      if (this.failed) throw new Error('follower.pause: the follower failed while its journal caught up');
      const s = this.engine.sequences();
      if (s.durable >= s.published) return s.published;
      if (performance.now() > deadlineMs) {
        throw new Error(`follower.pause: records up to ${s.published} were published but only ${s.durable} became durable within ${PAUSE_DURABLE_WAIT_MS_MAX} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  resume(primaryHost: string, primaryPort: number, primaryEpoch: number): void {
    if (!this.paused || this.handedOver || this.stopping || this.failed) throw new Error('follower.resume: the follower is not paused');
    this.primaryHost = primaryHost;
    this.primaryPort = primaryPort;
    this.expectedEpoch = primaryEpoch;
    this.name = `${primaryHost}:${primaryPort}`;
    this.paused = false;
    this.connect();
  }

  handOver(): Engine {
    if (!this.paused || this.handedOver || this.stopping || this.failed) throw new Error('follower.handOver: the follower is not paused');
    this.handedOver = true;
    this.stopping = true;
    this.http?.close();
    this.resolveDone();
    return this.engine;
  }

  connect(): void {
    if (this.stopping || this.paused) return;
    if (this.pendingBuffer !== null) { // publish what the last connection delivered first
      setTimeout(() => this.connect(), 5);
      return;
    }
    this.reader = new MessageReader();
    this.queue.length = 0;
    this.queueOffset = 0;
    this.welcomed = false;
    this.lastAcked = -1; // a new connection: the primary counts nothing until this follower ACKs again
    const socket = connect({ host: this.primaryHost, port: this.primaryPort });
    this.socket = socket;
    socket.setNoDelay(true);
    const onData = (chunk: Buffer): void => {
      if (this.socket !== socket) return;
      this.queue.push(chunk);
      if (this.queue.length > QUEUED_CHUNKS_MAX) socket.pause();
      this.process();
    };
    socket.on('connect', () => startReplicationStream(socket, this.options.membership, {
      hello: () => encodeHello(this.epoch, this.engine.sequences().published + 1),
      onData,
      onRefused: (error) => this.log(`ringline follow: ${this.name}: ${error.message}`), // the socket closes: reconnect
      stale: () => this.socket !== socket,
    }));
    socket.on('error', () => undefined); // 'close' follows
    socket.on('close', () => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.connected) this.log(`ringline follow: lost the primary ${this.name}; reconnecting`);
      this.connected = false;
      if (this.stopping || this.failed || this.paused) return;
      this.reconnects++;
      setTimeout(() => this.connect(), this.options.reconnectMs ?? 200);
    });
  }

  fail(error: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.log(`ringline follow: stopped: ${error.message}`);
    this.socket?.destroy();
    this.socket = null;
    this.connected = false;
    void this.shutdown().finally(() => this.rejectDone(error));
  }

  async stop(): Promise<void> {
    if (this.stopping || this.failed || this.handedOver) return this.done;
    this.stopping = true;
    this.socket?.end();
    this.socket = null;
    await this.shutdown();
    this.resolveDone();
  }

  private async shutdown(): Promise<void> {
    this.stopping = true;
    this.http?.close();
    await this.engine.stop().catch(() => undefined);
  }

  private scheduleAck(): void {
    if (this.ackScheduled) return;
    this.ackScheduled = true;
    queueMicrotask(() => { // after the engine's current delivery loop, without waiting for another event-loop turn
      this.ackScheduled = false;
      const durable = this.engine.sequences().durable;
      if (durable > this.lastAcked && this.socket !== null && this.welcomed) {
        this.socket.write(encodeAck(durable));
        this.lastAcked = durable;
      }
    });
  }

  /** Publishes pending frames, then reads messages from the queued chunks, until out of data or ring space. */
  private process(): void {
    if (this.failed) return;
    for (;;) {
      if (this.pendingBuffer !== null && !this.publishPending()) {
        this.retryLater();
        return;
      }
      if (this.socket === null) return; // chunks of a closed connection are dropped (reconnect resumes)
      const type = this.reader.next();
      if (type === NEED_MORE) {
        if (this.queue.length === 0) {
          this.socket.resume();
          return;
        }
        const chunk = this.queue[0];
        this.queueOffset += this.reader.push(chunk, this.queueOffset);
        if (this.queueOffset >= chunk.length) {
          this.queue.shift();
          this.queueOffset = 0;
        }
        continue;
      }
      if (type === BAD_MESSAGE) {
        this.fail(new ReplicationStreamError(`replication stream from ${this.name} is broken: ${this.reader.reason}; nothing of it was applied`));
        return;
      }
      if (!this.onMessage(type)) return;
    }
  }

  private retryLater(): void {
    if (this.retryScheduled) return;
    this.retryScheduled = true;
    setTimeout(() => {
      this.retryScheduled = false;
      this.process();
    }, 1);
  }

  private onMessage(type: number): boolean {
    const r = this.reader;
    if (type === MessageType.REFUSE) {
      const code = r.u32(RefuseMessage.CODE);
      this.fail(new ReplicationStreamError(`primary ${this.name} refused this follower: ${resultName(code)} (${code}): ${r.refuseReason()}`));
      return false;
    }
    if (!this.welcomed) {
      if (type !== MessageType.WELCOME) {
        this.fail(new ReplicationStreamError(`replication stream from ${this.name} is broken: expected WELCOME, got message type ${type}`));
        return false;
      }
      const primaryEpoch = r.f64(WelcomeMessage.EPOCH);
      const expected = this.expectedEpoch;
      if (expected !== undefined && primaryEpoch !== expected) {
        // Cluster mode: this follower agreed its journal with the leader of one epoch; another epoch at the
        // same address (the node was deposed and re-elected) may disagree with it, so it must start over.
        this.fail(new ReplicationStreamError(`primary ${this.name} now leads epoch ${primaryEpoch}, not epoch ${expected} this follower agreed its journal with`));
        return false;
      }
      if (primaryEpoch < this.epoch) {
        this.fail(new ReplicationStreamError(
          `${resultName(ResultCode.STALE_EPOCH)}: primary ${this.name} has epoch ${primaryEpoch}, older than this node's epoch ${this.epoch}; refusing to follow it`));
        return false;
      }
      if (primaryEpoch > this.epoch) {
        writeEpoch(this.options.dataDir, primaryEpoch, r.f64(WelcomeMessage.EPOCH_START));
        this.epoch = primaryEpoch;
        this.onEpoch(primaryEpoch);
      }
      this.primaryEpoch = primaryEpoch;
      this.primaryLast = Math.max(this.primaryLast, r.f64(WelcomeMessage.LAST_SEQUENCE));
      this.welcomed = true;
      this.connected = true;
      this.log(`ringline follow: following ${this.name} (epoch ${primaryEpoch}) from sequence ${this.engine.sequences().published + 1}`);
      this.scheduleAck();
      return true;
    }
    if (type !== MessageType.FRAMES) {
      this.fail(new ReplicationStreamError(`replication stream from ${this.name} is broken: unexpected message type ${type}`));
      return false;
    }
    const start = r.messageBase + MessageHeader.BYTES;
    const end = r.messageBase + r.messageBytes;
    const error = verifyFrames(r.buffer, start, end, this.engine.sequences().published + 1);
    if (error !== '') {
      this.fail(new ReplicationStreamError(`replication stream from ${this.name} is corrupt: ${error}; nothing of this message was applied`));
      return false;
    }
    this.pendingBuffer = r.buffer;
    this.pendingPos = start;
    this.pendingEnd = end;
    return true;
  }

  /** Copies verified frames' records into the engine's input ring; false when the ring is full. */
  private publishPending(): boolean {
    const src = this.pendingBuffer!;
    const input = this.engine.input;
    const dst = input.buffer.u32;
    const from = src.u32;
    let pos = this.pendingPos;
    while (pos < this.pendingEnd) {
      const frameBytes = from[(pos + JournalFrame.FRAME_BYTES) >>> 2];
      const recordBase = pos + JournalFrame.RECORD;
      const base = input.tryClaim();
      if (base < 0) break;
      const sequence = src.f64[(recordBase + CmdHeader.SEQUENCE) >>> 3];
      if (input.lastClaimedSequence !== sequence) {
        throw new Error(`follower: claimed sequence ${input.lastClaimedSequence} for the stream's record ${sequence}`);
      }
      const words = (frameBytes - JournalFrame.BYTES) >>> 2;
      const s = recordBase >>> 2;
      const d = base >>> 2;
      for (let i = 0; i < words; i++) dst[d + i] = from[s + i];
      this.onRecord?.(src, recordBase);
      if (sequence > this.primaryLast) this.primaryLast = sequence;
      pos += frameBytes;
    }
    input.publish();
    this.pendingPos = pos;
    if (pos < this.pendingEnd) return false;
    this.pendingBuffer = null;
    return true;
  }
}

/** Checks every frame from start to end: '' when all are whole, checksummed and in sequence from `expected`. */
export function verifyFrames(b: RecordBuffer, start: number, end: number, expected: number): string {
  let sequence = expected;
  for (let pos = start; pos < end;) {
    if (end - pos < FRAME_MIN_BYTES) return `frame at sequence ${sequence} cut short (${end - pos} bytes left in the message)`;
    const frameBytes = b.u32[(pos + JournalFrame.FRAME_BYTES) >>> 2];
    if (frameBytes < FRAME_MIN_BYTES || frameBytes > FRAME_MAX_BYTES || (frameBytes & 7) !== 0 || pos + frameBytes > end) {
      return `frame at sequence ${sequence} has an invalid length ${frameBytes}`;
    }
    const recordBase = pos + JournalFrame.RECORD;
    const lengthBytes = frameBytes - JournalFrame.BYTES;
    if (b.u32[(recordBase + CmdHeader.LENGTH) >>> 2] !== lengthBytes) return `frame at sequence ${sequence}: frame length disagrees with its record`;
    if (crc32Aligned(b, recordBase, lengthBytes) !== b.u32[(pos + JournalFrame.CRC) >>> 2]) return `frame at sequence ${sequence}: CRC mismatch`;
    const actual = b.f64[(recordBase + CmdHeader.SEQUENCE) >>> 3];
    if (actual !== sequence) return `out of order: expected sequence ${sequence}, got ${actual}`;
    sequence++;
    pos += frameBytes;
  }
  return '';
}

/** Prometheus text of every numeric leaf of `value`, names joined with '_'. */
export function prometheusText(prefix: string, value: unknown): string {
  const lines: string[] = [];
  const walk = (name: string, v: unknown): void => {
    if (typeof v === 'number' && Number.isFinite(v)) lines.push(`${name} ${v}`);
    else if (v !== null && typeof v === 'object') {
      for (const [key, child] of Object.entries(v)) walk(`${name}_${key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`, child);
    }
  };
  walk(prefix, value);
  return `${lines.join('\n')}\n`;
}
