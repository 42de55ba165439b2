/**
 * The replicator (its worker entry: replicator_worker.ts): the third parallel consumer of the input
 * ring (engine/engine.ts, step 3b). It ships every record, framed exactly as in a journal segment
 * (frameBytes, CRC-32, record), over TCP to followers (follower.ts), and publishes how far they got.
 *
 *   input ring ──► replicator ──FRAMES──► follower (journals, applies, ACKs its durable sequence)
 *        ▲              │  ◄───ACK──────┘
 *        └── release ───┘  async: as soon as shipped    sync: once ackFollowers followers acknowledged
 *
 * - Its consumer sequence IS the replicated sequence the engine gates on in sync mode, so in sync mode
 *   it ships records as soon as they are published (in parallel with the journaler) and releases only
 *   what `ackFollowers` followers acknowledged (1 for a standby; floor(N / 2) in a cluster of N, so that
 *   with the primary's own journal a majority holds it). In async mode it ships records once the journaler made
 *   them durable and releases them at once (a slow follower is not allowed to hold the ring);
 *   followers that fall behind, or connect late, catch up from the journal files
 *   (replication_catchup.ts) and then follow live again.
 * - Sync mode with fewer followers connected than ackFollowers: noFollower 'wait' holds results (the
 *   metrics say noFollower=1); 'degrade' releases them unreplicated (degraded=1) until enough connect.
 * - Unlike the journaler this thread never blocks: it keeps its event loop for the sockets and learns
 *   of new records with Atomics.waitAsync on the ring cursor.
 * - The handshake checks epochs: a follower with a newer epoch than ours is refused with STALE_EPOCH
 *   (we are a deposed primary) and the metrics show newerEpochSeen.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { PerformanceObserver } from 'node:perf_hooks';
import { createRecordBuffer } from '../codec/records/record_buffer.ts';
import { CmdHeader, FIRST_SEQUENCE } from '../codec/records/command_descriptor.ts';
import { ResultCode } from '../codec/result_codes.ts';
import { wakeOnChange } from '../core/atomics_wait_async.ts';
import { INPUT_CONSUMER_JOURNALER, type FollowerProgress, type ReplicatorWorkerData } from '../core/engine_worker_protocol.ts';
import { MetricsLine, ReplicatorSlot, metricsIndex } from '../core/metrics_descriptor.ts';
import { observeThreadGc } from '../core/thread_gc_counter.ts';
import { BatchConsumer } from '../core/ring/batch_consumer.ts';
import type { Sequence } from '../core/ring/sequence.ts';
import { Ring } from '../core/ring/ring.ts';
import { createWaitStrategy } from '../core/ring/wait_strategy.ts';
import { copyWithCrc32Aligned } from '../journal/crc32.ts';
import { JournalFrame } from '../journal/journal_descriptor.ts';
import { CatchupReader } from './replication_catchup.ts';
import { listSegments } from '../journal/segment_files.ts';
import { listSnapshots } from '../journal/snapshot_file.ts';
import {
  AckMessage, HelloMessage, HELLO_FLAG_BOOTSTRAP, HELLO_FLAG_PROBE, MESSAGE_MAX_BYTES, MessageHeader, MessageType,
  REPLICATION_MAGIC, REPLICATION_VERSION, SNAPSHOT_PIECE_MAX_BYTES,
} from './replication_descriptor.ts';
import { BAD_MESSAGE, MessageReader, NEED_MORE, encodeRefuse, encodeSnapshotPiece, encodeWelcome } from './replication_messages.ts';
import { ACK_FOLLOWERS_MAX, validateReplicationOptions, type ReplicationOptions } from './replication_options.ts';
import type { Membership } from './membership/membership_socket.ts';
import { ProvingPeers } from './membership/proving_peers.ts';
import { StageStamper } from '../core/stage_stamper.ts';
import { STAMP_SEQUENCE_SPAN, StampColumn } from '../core/stage_stamps_descriptor.ts';

/** A follower whose socket holds more unsent bytes than this stops following live and catches up from files. */
const SOCKET_BUFFERED_MAX_BYTES = 8 * 1024 * 1024;
/** Retry delay when a catching-up follower has read everything the journal holds so far. */
const CATCHUP_RETRY_MS = 1;
/** Live batches remembered for the lag in µs (sequence → sequencer timestamp). */
const LAG_SAMPLES = 64;

interface FollowerLink {
  readonly socket: Socket;
  readonly reader: MessageReader;
  readonly name: string;
  /** The node id the follower proved ('' for a plain follower): at most one link per node id. */
  readonly nodeId: string;
  handshaken: boolean;
  /** Next sequence to send. */
  next: number;
  /** Highest sequence it acknowledged as durable. */
  acked: number;
  live: boolean;
  catchup: CatchupReader | null;
  catchupScheduled: boolean;
}

/** Inserts `value` into `best[0..count)`, kept highest first, dropping the lowest. */
function insertDescending(best: Float64Array, count: number, value: number): void {
  if (count === 0 || value <= best[count - 1]) return;
  let i = count - 1;
  while (i > 0 && best[i - 1] < value) {
    best[i] = best[i - 1];
    i--;
  }
  best[i] = value;
}

const slot = (s: number): number => metricsIndex(MetricsLine.REPLICATOR, s);

/** Most records that surely fit one message (a record is at most 512 bytes + frame header). */
const RECORDS_PER_MESSAGE = Math.floor((MESSAGE_MAX_BYTES - MessageHeader.BYTES) / (512 + JournalFrame.BYTES));

export interface ReplicatorEvents {
  readonly ready: (lastSequence: number) => void;
  readonly stopped: () => void;
}

export class Replicator {
  private readonly options: ReplicationOptions;
  private readonly membership: Membership | null;
  /** Connections that have not proved membership yet, bounded (membership/proving_peers.ts). */
  private readonly provingPeers = new ProvingPeers();
  private readonly ring: Ring;
  private readonly consumer: BatchConsumer;
  /** The journaler's sequence: the durable one. */
  private readonly journaled: Sequence;
  /** What this thread waits on: new records (sync) or newly durable ones (async). halt() wakes both. */
  private readonly wakeWord: Sequence;
  private readonly metrics: Float64Array;
  private readonly staging = createRecordBuffer(new ArrayBuffer(MESSAGE_MAX_BYTES));
  private readonly followers = new Set<FollowerLink>();
  /** Scratch of pump(): the highest `ackFollowers` acknowledgements, highest first (no allocation per pump). */
  private readonly bestAcks = new Float64Array(ACK_FOLLOWERS_MAX);
  private readonly lagSequences = new Float64Array(LAG_SAMPLES).fill(-1);
  private readonly lagTimestampsUs = new Float64Array(LAG_SAMPLES);
  private readonly gcObserver: PerformanceObserver;
  private lagHead = 0;
  private top: number;
  private pumping = false;
  private armed = false;
  private stopping = false;
  private stopDeadlineMs = 0;
  private stopped = false;
  private server: Server | null = null;
  /** Dormant (a follower's engine): no listener, every record released at once, until lead(). */
  private dormant: boolean;
  private epoch: number;
  private epochStart: number;
  private readonly replicatedStamps: StageStamper | null;

  constructor(private readonly data: ReplicatorWorkerData, private readonly events: ReplicatorEvents) {
    this.options = validateReplicationOptions(data.options);
    this.dormant = this.options.dormant;
    this.epoch = this.options.epoch;
    this.epochStart = this.options.epochStart;
    this.membership = this.options.membershipSecretHex === '' ? null
      : { secret: Buffer.from(this.options.membershipSecretHex, 'hex'), clusterName: this.options.clusterName };
    this.ring = new Ring(data.inputRingMemory);
    this.consumer = new BatchConsumer(this.ring, data.consumerIndex, { waitStrategy: createWaitStrategy('busy_spin'), batchMax: this.ring.capacity });
    if (this.consumer.nextSequence !== data.firstSequence) {
      throw new Error(`replicator: the ring starts at ${this.consumer.nextSequence}, expected firstSequence ${data.firstSequence}`);
    }
    this.journaled = this.ring.consumers[INPUT_CONSUMER_JOURNALER];
    this.wakeWord = this.options.mode === 'sync' ? this.ring.cursor : this.journaled;
    this.metrics = new Float64Array(data.metricsMemory);
    this.replicatedStamps = data.stageStampsMemory === undefined ? null : new StageStamper(data.stageStampsMemory, StampColumn.REPLICATED_MS);
    this.top = this.consumer.nextSequence - 1;
    this.setMetric(ReplicatorSlot.EPOCH, this.options.epoch);
    this.setMetric(ReplicatorSlot.SYNC_MODE, this.options.mode === 'sync' ? 1 : 0);
    this.setMetric(ReplicatorSlot.ACK_FOLLOWERS, this.options.mode === 'sync' && !this.dormant ? this.options.ackFollowers : 0);
    this.setMetric(ReplicatorSlot.ACKED_SEQUENCE, -1);
    this.setMetric(ReplicatorSlot.SHIPPED_SEQUENCE, this.top);
    this.gcObserver = observeThreadGc(this.metrics, MetricsLine.REPLICATOR);
  }

  /** Listens for followers (dormant: not yet); reports ready once listening, then ships until the ring halts. */
  start(): void {
    if (this.dormant) {
      this.events.ready(this.data.firstSequence - 1);
      this.pump();
      return;
    }
    this.listen(() => {
      this.events.ready(this.data.firstSequence - 1);
      this.pump();
    });
  }

  /**
   * A dormant replicator's engine now leads `epoch`, begun after `epochStart` (the engine made sure every
   * record up to it was published and released): from here on a record is released only once
   * ackFollowers followers acknowledged it. Calls `leading` once the listener is up.
   */
  lead(epoch: number, epochStart: number, leading: () => void): void {
    if (!this.dormant) throw new Error(`replicator: told to lead epoch ${epoch} but it is not dormant (it leads epoch ${this.epoch})`);
    if (!(epoch > this.epoch)) throw new Error(`replicator: told to lead epoch ${epoch}, not above its epoch ${this.epoch}`);
    this.pump(); // still dormant: releases every record published so far
    const released = this.consumer.nextSequence - 1;
    if (epochStart !== released) throw new Error(`replicator: epoch ${epoch} starts after ${epochStart} but the replicator released up to ${released}`);
    this.epoch = epoch;
    this.epochStart = epochStart;
    this.dormant = false;
    this.setMetric(ReplicatorSlot.EPOCH, epoch);
    this.setMetric(ReplicatorSlot.ACK_FOLLOWERS, this.options.ackFollowers);
    this.listen(() => {
      leading();
      this.pump();
    });
  }

  private listen(listening: () => void): void {
    const { host, port } = this.options;
    const server = createServer((socket) => this.onConnection(socket));
    this.server = server;
    server.on('error', (error) => {
      throw new Error(`replicator: replication listener on ${host}:${port} failed: ${error.message}`);
    });
    server.listen(port, host, listening);
  }

  private setMetric(s: number, value: number): void {
    this.metrics[slot(s)] = value;
  }

  /** Frames ring records `from`..`to` into one FRAMES message (the socket keeps the Buffer). */
  private framesFromRing(from: number, to: number): Buffer {
    const src = this.ring.buffer;
    const staging = this.staging;
    let pos = MessageHeader.BYTES;
    for (let s = from; s <= to; s++) {
      const base = this.ring.slotBase(s);
      const lengthBytes = src.u32[(base + CmdHeader.LENGTH) >>> 2];
      const crc = copyWithCrc32Aligned(src, base, staging, pos + JournalFrame.RECORD, lengthBytes);
      staging.u32[(pos + JournalFrame.FRAME_BYTES) >>> 2] = JournalFrame.BYTES + lengthBytes;
      staging.u32[(pos + JournalFrame.CRC) >>> 2] = crc;
      pos += JournalFrame.BYTES + lengthBytes;
    }
    staging.u32[MessageHeader.MESSAGE_BYTES >>> 2] = pos;
    staging.u32[MessageHeader.TYPE >>> 2] = MessageType.FRAMES; // type u16 + flags u16 (0)
    return Buffer.from(staging.bytes.subarray(0, pos));
  }

  private send(link: FollowerLink, message: Buffer): void {
    link.socket.write(message);
    this.metrics[slot(ReplicatorSlot.BYTES_SENT)] += message.length;
  }

  private shipLive(link: FollowerLink): void {
    if (link.next <= this.consumer.nextSequence - 1) { // released slots may be reused: only the files have them now
      this.fallBehind(link);
      return;
    }
    while (link.next <= this.top) {
      const to = Math.min(this.top, link.next + RECORDS_PER_MESSAGE - 1);
      this.send(link, this.framesFromRing(link.next, to));
      link.next = to + 1;
    }
    if (link.socket.writableLength > SOCKET_BUFFERED_MAX_BYTES && this.options.mode === 'async') this.fallBehind(link);
  }

  /** Stops following live: the follower catches up from the journal files once its socket drains. */
  private fallBehind(link: FollowerLink): void {
    link.live = false;
    if (link.catchupScheduled) return;
    link.catchupScheduled = true;
    setImmediate(() => this.catchUp(link));
  }

  private catchUp(link: FollowerLink): void {
    link.catchupScheduled = false;
    if (link.socket.destroyed || link.live) return;
    if (link.socket.writableLength > SOCKET_BUFFERED_MAX_BYTES) {
      link.catchupScheduled = true;
      link.socket.once('drain', () => this.catchUp(link));
      return;
    }
    const released = this.consumer.nextSequence - 1;
    // Back within the ring's window: everything after `released` is still in the ring.
    if (link.next > released) {
      link.catchup?.close();
      link.catchup = null;
      link.live = true;
      this.pump();
      return;
    }
    link.catchup ??= new CatchupReader(this.data.dataDir);
    const before = link.catchup.framesRead;
    let chunk: Buffer | null;
    try {
      chunk = link.catchup.read(link.next, released);
    } catch (error) {
      this.refuse(link, ResultCode.REPLICATION_UNAVAILABLE, (error as Error).message);
      return;
    }
    if (chunk !== null) {
      const header = Buffer.alloc(MessageHeader.BYTES);
      header.writeUInt32LE(MessageHeader.BYTES + chunk.length, MessageHeader.MESSAGE_BYTES);
      header.writeUInt16LE(MessageType.FRAMES, MessageHeader.TYPE);
      this.send(link, header);
      this.send(link, chunk);
      const frames = link.catchup.framesRead - before;
      link.next += frames;
      this.metrics[slot(ReplicatorSlot.CATCHUP_FRAMES)] += frames;
      link.catchupScheduled = true;
      setImmediate(() => this.catchUp(link));
    } else {
      link.catchupScheduled = true;
      setTimeout(() => this.catchUp(link), CATCHUP_RETRY_MS);
    }
  }

  private refuse(link: FollowerLink, code: number, reason: string): void {
    link.socket.end(encodeRefuse(code, reason));
    this.drop(link);
  }

  private drop(link: FollowerLink): void {
    if (!this.followers.delete(link)) return;
    link.catchup?.close();
    link.catchup = null;
    this.pump();
  }

  /** Each handshaken follower's progress (for the worker's periodic report; allocates, off the ship path). */
  followerProgress(): FollowerProgress[] {
    const out: FollowerProgress[] = [];
    for (const link of this.followers) if (link.handshaken) out.push({ name: link.name, ackedSequence: link.acked, live: link.live });
    return out;
  }

  private onHello(link: FollowerLink): void {
    const r = link.reader;
    if (r.u32(HelloMessage.MAGIC) !== REPLICATION_MAGIC || r.u32(HelloMessage.VERSION) !== REPLICATION_VERSION) {
      this.refuse(link, ResultCode.REPLICATION_UNAVAILABLE, `not a ringline replication client (or version ${r.u32(HelloMessage.VERSION)} != ${REPLICATION_VERSION})`);
      return;
    }
    const epoch = r.f64(HelloMessage.EPOCH);
    const next = r.f64(HelloMessage.NEXT_SEQUENCE);
    if ((r.flags() & HELLO_FLAG_PROBE) !== 0) {
      link.socket.end(encodeWelcome(this.epoch, this.top));
      this.drop(link);
      return;
    }
    if (epoch > this.epoch) {
      this.setMetric(ReplicatorSlot.NEWER_EPOCH_SEEN, Math.max(this.metrics[slot(ReplicatorSlot.NEWER_EPOCH_SEEN)], epoch));
      this.refuse(link, ResultCode.STALE_EPOCH, `stale primary: its epoch ${this.epoch} is older than the follower's epoch ${epoch}`);
      return;
    }
    if ((r.flags() & HELLO_FLAG_BOOTSTRAP) !== 0) {
      this.sendBootstrap(link);
      return;
    }
    if (epoch < this.epoch && this.epochStart >= 0 && next > this.epochStart + 1) {
      this.refuse(link, ResultCode.STALE_EPOCH,
        `the follower (epoch ${epoch}) holds records up to ${next - 1}, past sequence ${this.epochStart} where this primary's epoch ` +
        `${this.epoch} began: they were written under an older epoch and may differ from this primary's; empty its data directory to re-seed it`);
      return;
    }
    if (!Number.isSafeInteger(next) || next < 0 || next > this.top + 1) {
      this.refuse(link, ResultCode.REPLICATION_UNAVAILABLE,
        `follower wants sequence ${next} but the primary's last sequence is ${this.top}: its journal is not a prefix of this primary's`);
      return;
    }
    link.handshaken = true;
    link.next = next;
    // What a follower holds counts only once it says so in an ACK: its HELLO names the records it
    // received, and after a reconnect some of those may not be durable in its journal yet.
    link.acked = -1;
    link.live = false;
    link.socket.write(encodeWelcome(this.epoch, this.top, this.epochStart));
    this.catchUp(link);
    this.pump();
  }

  /**
   * An empty follower's first question: nothing to send while the journal still starts at FIRST_SEQUENCE
   * (or at 0, a journal written before sequence 0 became the empty state) (WELCOME: replay it all); else
   * the newest snapshot file, in pieces, then the connection closes.
   */
  private sendBootstrap(link: FollowerLink): void {
    const segments = listSegments(this.data.dataDir);
    if (segments.length === 0 || segments[0].firstSequence <= FIRST_SEQUENCE) {
      link.socket.end(encodeWelcome(this.epoch, this.top));
      this.drop(link);
      return;
    }
    const snapshot = listSnapshots(this.data.dataDir).pop();
    let bytes: Buffer;
    try {
      if (snapshot === undefined) throw new Error('no snapshot file');
      bytes = readFileSync(snapshot.path);
    } catch (error) {
      this.refuse(link, ResultCode.REPLICATION_UNAVAILABLE,
        `the primary's journal starts at ${segments[0].firstSequence} and its snapshot cannot be read (${(error as Error).message})`);
      return;
    }
    const pieces: Buffer[] = [];
    for (let offset = 0; offset < bytes.length; offset += SNAPSHOT_PIECE_MAX_BYTES) {
      pieces.push(encodeSnapshotPiece(snapshot!.sequence, bytes.length, offset, bytes.subarray(offset, offset + SNAPSHOT_PIECE_MAX_BYTES)));
    }
    const writeNext = (): void => {
      while (pieces.length > 0) {
        const piece = pieces.shift()!;
        this.metrics[slot(ReplicatorSlot.BYTES_SENT)] += piece.length;
        if (pieces.length === 0) {
          link.socket.end(piece);
          this.drop(link);
          return;
        }
        if (!link.socket.write(piece)) {
          link.socket.once('drain', writeNext);
          return;
        }
      }
    };
    writeNext();
  }

  private onMessage(link: FollowerLink, type: number): void {
    if (!link.handshaken) {
      if (type === MessageType.HELLO) this.onHello(link);
      else this.refuse(link, ResultCode.REPLICATION_UNAVAILABLE, 'expected HELLO first');
      return;
    }
    if (type !== MessageType.ACK) {
      this.refuse(link, ResultCode.REPLICATION_UNAVAILABLE, `unexpected message type ${type} from a follower`);
      return;
    }
    const sequence = link.reader.f64(AckMessage.SEQUENCE);
    this.metrics[slot(ReplicatorSlot.ACKS_RECEIVED)]++;
    if (sequence > link.acked && sequence < link.next) link.acked = sequence;
    // Lag: sequencer time of the newest live batch this acknowledgement covers, to now.
    let stampUs = -1;
    for (let i = 0; i < LAG_SAMPLES; i++) {
      const s = this.lagSequences[i];
      if (s >= 0 && s <= link.acked) {
        if (this.lagTimestampsUs[i] > stampUs) stampUs = this.lagTimestampsUs[i];
        this.lagSequences[i] = -1;
      }
    }
    if (stampUs > 0) this.setMetric(ReplicatorSlot.LAG_US_LAST, (performance.timeOrigin + performance.now()) * 1000 - stampUs);
    this.pump();
  }

  private onConnection(socket: Socket): void {
    socket.setNoDelay(true);
    const membership = this.membership;
    if (membership === null) {
      this.attach(socket, Buffer.alloc(0), '');
      return;
    }
    // Nothing is read from or sent to the peer until it proved membership: no HELLO, no ACK, no journal.
    this.provingPeers.admit(socket, membership).then(({ rest, nodeId }) => {
      if (this.stopped) {
        socket.destroy();
        return;
      }
      this.attach(socket, rest, nodeId);
      socket.resume();
    }, () => this.setMetric(ReplicatorSlot.MEMBERSHIP_REFUSED, this.metrics[slot(ReplicatorSlot.MEMBERSHIP_REFUSED)] + 1));
  }

  /**
   * A connection that proved membership (or any, without a secret). One connection per proven node id:
   * a newer one replaces the older (a half-open connection of a follower that reconnected after a
   * partition), so a node's acknowledgements count once toward the quorum. Without a node id (a plain
   * follower) each connection is its own.
   */
  private attach(socket: Socket, rest: Buffer, nodeId: string): void {
    const link: FollowerLink = {
      socket, reader: new MessageReader(64 * 1024), name: nodeId === '' ? `${socket.remoteAddress}:${socket.remotePort}` : nodeId,
      nodeId, handshaken: false, next: -1, acked: -1, live: false, catchup: null, catchupScheduled: false,
    };
    const followers = this.followers;
    if (nodeId !== '') {
      for (const older of followers) {
        if (older.nodeId !== nodeId) continue;
        older.socket.destroy();
        this.drop(older);
      }
    }
    followers.add(link);
    const onData = (chunk: Buffer): void => {
      for (let offset = 0; offset < chunk.length && followers.has(link);) {
        offset += link.reader.push(chunk, offset);
        for (;;) {
          const type = link.reader.next();
          if (type === NEED_MORE) break;
          if (type === BAD_MESSAGE) {
            this.refuse(link, ResultCode.REPLICATION_UNAVAILABLE, link.reader.reason);
            return;
          }
          this.onMessage(link, type);
          if (!followers.has(link)) return;
        }
      }
    };
    socket.on('data', onData);
    if (rest.length > 0) onData(rest);
    socket.on('error', () => this.drop(link));
    socket.on('close', () => this.drop(link));
  }

  /** Ships new records to live followers, releases what the mode allows, re-arms the wait. */
  private pump(): void {
    if (this.pumping || this.stopped) return;
    this.pumping = true;
    try {
      const { ring, consumer, options } = this;
      const released = consumer.nextSequence - 1;
      const observed = this.wakeWord.load32(); // read before the data: a store after it changes the word
      const available = consumer.barrier.available(released, released + ring.capacity);
      // Async ships only what the primary made durable, so a follower is never ahead of a primary that
      // crashes and restarts; sync ships in parallel with the journaler (the follower may then hold
      // records the primary had not made durable: it is the one to promote).
      const newTop = options.mode === 'sync' ? available : Math.min(available, this.journaled.load(released));
      if (newTop > this.top) {
        this.top = newTop;
        const base = ring.slotBase(newTop);
        this.lagSequences[this.lagHead] = newTop;
        this.lagTimestampsUs[this.lagHead] = ring.buffer.f64[(base + CmdHeader.TIMESTAMP_US) >>> 3];
        this.lagHead = (this.lagHead + 1) % LAG_SAMPLES;
      }
      const top = this.top;
      const needed = options.ackFollowers;
      const best = this.bestAcks.fill(-1, 0, needed); // best[0] >= best[1] >= … : the highest acknowledgements
      let connected = 0;
      for (const link of this.followers) {
        if (!link.handshaken) continue;
        connected++;
        insertDescending(best, needed, link.acked);
        if (!link.live && !link.catchupScheduled) this.catchUp(link);
        if (link.live) this.shipLive(link);
      }
      // Held by `needed` followers (and, through the engine's gate, by this primary's journal): with
      // needed = floor(N / 2) that is a majority of N. Never the best follower alone.
      const acked = needed === 0 ? top : best[needed - 1];
      this.setMetric(ReplicatorSlot.FOLLOWERS_CONNECTED, connected);
      this.setMetric(ReplicatorSlot.SHIPPED_SEQUENCE, top);
      if (acked > this.metrics[slot(ReplicatorSlot.ACKED_SEQUENCE)]) this.setMetric(ReplicatorSlot.ACKED_SEQUENCE, acked);
      const sync = options.mode === 'sync';
      const noFollower = sync && !this.dormant && connected < needed;
      const degraded = noFollower && options.noFollower === 'degrade';
      this.setMetric(ReplicatorSlot.NO_FOLLOWER, noFollower ? 1 : 0);
      this.setMetric(ReplicatorSlot.DEGRADED, degraded ? 1 : 0);
      const graceOver = this.stopping && performance.now() >= this.stopDeadlineMs;
      const target = !sync || degraded || graceOver || this.dormant ? top : Math.min(top, acked);
      if (target > released) {
        this.replicatedStamps?.stamp(((released + 1) % STAMP_SEQUENCE_SPAN) | 0, target - released); // before the release: the main thread reads it after
        consumer.release(target - released);
      }

      const halted = Atomics.load(ring.words, ring.haltIndex) !== 0;
      if (halted && !this.stopping) {
        this.stopping = true;
        this.stopDeadlineMs = performance.now() + options.stopGraceMs;
        if (sync) setTimeout(() => this.pump(), options.stopGraceMs + 1);
      }
      if (this.stopping && consumer.nextSequence - 1 >= ring.cursor.load(top)) {
        this.finish();
        return;
      }
      this.arm(observed);
    } finally {
      this.pumping = false;
    }
  }

  private arm(observed: number): void {
    if (this.armed) return;
    this.armed = true;
    wakeOnChange(this.ring.words, this.wakeWord.valueIndex, observed, () => {
      this.armed = false;
      this.pump();
    });
  }

  private finish(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const link of this.followers) link.socket.end();
    this.server?.close();
    this.gcObserver.disconnect();
    this.events.stopped();
    // Sockets may still flush their last frames; the engine terminates this thread when all are stopped.
  }
}
