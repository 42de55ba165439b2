/**
 * Replicator worker: the third parallel consumer of the input ring (engine/engine.ts). It ships every
 * record, framed exactly as in a journal segment (frameBytes, CRC-32, record), over TCP to followers
 * (replication/follower.ts), and publishes how far they got.
 *
 *   input ring ──► replicator ──FRAMES──► follower (journals, applies, ACKs its durable sequence)
 *        ▲              │  ◄───ACK──────┘
 *        └── release ───┘  async: as soon as shipped    sync: once a follower acknowledged
 *
 * - Its consumer sequence IS the replicated sequence the engine gates on in sync mode, so in sync mode
 *   it ships records as soon as they are published (in parallel with the journaler) and releases only
 *   what at least one follower acknowledged. In async mode it ships records once the journaler made
 *   them durable and releases them at once (a slow follower is not allowed to hold the ring);
 *   followers that fall behind, or connect late, catch up from the journal files
 *   (replication_catchup.ts) and then follow live again.
 * - Sync mode with no follower connected: noFollower 'wait' holds results (the metrics say noFollower=1);
 *   'degrade' releases them unreplicated (degraded=1) until a follower connects.
 * - Unlike the journaler this thread never blocks: it keeps its event loop for the sockets and learns
 *   of new records with Atomics.waitAsync on the ring cursor.
 * - The handshake checks epochs: a follower with a newer epoch than ours is refused with STALE_EPOCH
 *   (we are a deposed primary) and the metrics show newerEpochSeen.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { PerformanceObserver } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { createRecordBuffer } from '../codec/records/record_buffer.ts';
import { CMD_LENGTH_OFFSET, CMD_TIMESTAMP_US_OFFSET, FIRST_SEQUENCE } from '../codec/records/command_descriptor.ts';
import { ResultCode } from '../codec/result_codes.ts';
import { waitAsync } from '../core/atomics_wait_async.ts';
import { INPUT_CONSUMER_JOURNALER, type ReplicatorWorkerData, type WorkerReport } from '../core/engine_worker_protocol.ts';
import { MetricsLine, ReplicatorSlot, metricsIndex } from '../core/metrics_descriptor.ts';
import { BatchConsumer } from '../core/ring/batch_consumer.ts';
import { Ring } from '../core/ring/ring.ts';
import { createWaitStrategy } from '../core/ring/wait_strategy.ts';
import { copyWithCrc32Aligned } from '../journal/crc32.ts';
import { FRAME_BYTES_OFFSET, FRAME_CRC_OFFSET, FRAME_HEADER_BYTES, FRAME_RECORD_OFFSET } from '../journal/journal_descriptor.ts';
import { CatchupReader } from './replication_catchup.ts';
import { listSegments } from '../journal/segment_files.ts';
import { listSnapshots } from '../journal/snapshot_file.ts';
import {
  ACK_SEQUENCE_OFFSET, HELLO_EPOCH_OFFSET, HELLO_FLAG_BOOTSTRAP, HELLO_FLAG_PROBE, HELLO_MAGIC_OFFSET, HELLO_NEXT_SEQUENCE_OFFSET,
  HELLO_VERSION_OFFSET, MESSAGE_MAX_BYTES, MSG_BYTES_OFFSET, MSG_HEADER_BYTES, MSG_TYPE_OFFSET, MessageType,
  REPLICATION_MAGIC, REPLICATION_VERSION, SNAPSHOT_PIECE_MAX_BYTES,
} from './replication_descriptor.ts';
import { BAD_MESSAGE, MessageReader, NEED_MORE, encodeRefuse, encodeSnapshotPiece, encodeWelcome } from './replication_messages.ts';
import { validateReplicationOptions } from './replication_options.ts';

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
  handshaken: boolean;
  /** Next sequence to send. */
  next: number;
  /** Highest sequence it acknowledged as durable. */
  acked: number;
  live: boolean;
  catchup: CatchupReader | null;
  catchupScheduled: boolean;
}

const data = workerData as ReplicatorWorkerData;
const post = (message: WorkerReport): void => parentPort?.postMessage(message);
const options = validateReplicationOptions(data.options);
const ring = new Ring(data.inputRingMemory);
const consumer = new BatchConsumer(ring, data.consumerIndex, { waitStrategy: createWaitStrategy('busy_spin'), batchMax: ring.capacity });
if (consumer.nextSequence !== data.firstSequence) {
  throw new Error(`replicator: the ring starts at ${consumer.nextSequence}, expected firstSequence ${data.firstSequence}`);
}
/** The journaler's sequence: the durable one. */
const journaled = ring.consumers[INPUT_CONSUMER_JOURNALER];
/** What this thread waits on: new records (sync) or newly durable ones (async). halt() wakes both. */
const wakeWord = options.mode === 'sync' ? ring.cursor : journaled;
const metrics = new Float64Array(data.metricsMemory);
const slot = (s: number): number => metricsIndex(MetricsLine.REPLICATOR, s);
const staging = createRecordBuffer(new ArrayBuffer(MESSAGE_MAX_BYTES));
const followers = new Set<FollowerLink>();
const lagSequences = new Float64Array(LAG_SAMPLES).fill(-1);
const lagTimestampsUs = new Float64Array(LAG_SAMPLES);
let lagHead = 0;
let top = consumer.nextSequence - 1;
let pumping = false;
let armed = false;
let stopping = false;
let stopDeadlineMs = 0;
let stopped = false;

metrics[slot(ReplicatorSlot.EPOCH)] = options.epoch;
metrics[slot(ReplicatorSlot.SYNC_MODE)] = options.mode === 'sync' ? 1 : 0;
metrics[slot(ReplicatorSlot.ACKED_SEQUENCE)] = -1;
metrics[slot(ReplicatorSlot.SHIPPED_SEQUENCE)] = top;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    metrics[slot(ReplicatorSlot.GC_EVENTS)]++;
    metrics[slot(ReplicatorSlot.GC_PAUSE_MS)] += entry.duration;
  }
}).observe({ entryTypes: ['gc'] });

/** Frames ring records `from`..`to` into one FRAMES message (the socket keeps the Buffer). */
function framesFromRing(from: number, to: number): Buffer {
  const src = ring.buffer;
  let pos = MSG_HEADER_BYTES;
  for (let s = from; s <= to; s++) {
    const base = ring.slotBase(s);
    const lengthBytes = src.u32[(base + CMD_LENGTH_OFFSET) >>> 2];
    const crc = copyWithCrc32Aligned(src, base, staging, pos + FRAME_RECORD_OFFSET, lengthBytes);
    staging.u32[(pos + FRAME_BYTES_OFFSET) >>> 2] = FRAME_HEADER_BYTES + lengthBytes;
    staging.u32[(pos + FRAME_CRC_OFFSET) >>> 2] = crc;
    pos += FRAME_HEADER_BYTES + lengthBytes;
  }
  staging.u32[MSG_BYTES_OFFSET >>> 2] = pos;
  staging.u32[MSG_TYPE_OFFSET >>> 2] = MessageType.FRAMES; // type u16 + flags u16 (0)
  return Buffer.from(staging.bytes.subarray(0, pos));
}

/** Most records that surely fit one message from `from` (a record is at most 512 bytes + frame header). */
const RECORDS_PER_MESSAGE = Math.floor((MESSAGE_MAX_BYTES - MSG_HEADER_BYTES) / (512 + FRAME_HEADER_BYTES));

function send(link: FollowerLink, message: Buffer): void {
  link.socket.write(message);
  metrics[slot(ReplicatorSlot.BYTES_SENT)] += message.length;
}

function shipLive(link: FollowerLink): void {
  if (link.next <= consumer.nextSequence - 1) { // released slots may be reused: only the files have them now
    fallBehind(link);
    return;
  }
  while (link.next <= top) {
    const to = Math.min(top, link.next + RECORDS_PER_MESSAGE - 1);
    send(link, framesFromRing(link.next, to));
    link.next = to + 1;
  }
  if (link.socket.writableLength > SOCKET_BUFFERED_MAX_BYTES && options.mode === 'async') fallBehind(link);
}

/** Stops following live: the follower catches up from the journal files once its socket drains. */
function fallBehind(link: FollowerLink): void {
  link.live = false;
  if (link.catchupScheduled) return;
  link.catchupScheduled = true;
  setImmediate(() => catchUp(link));
}

function catchUp(link: FollowerLink): void {
  link.catchupScheduled = false;
  if (link.socket.destroyed || link.live) return;
  if (link.socket.writableLength > SOCKET_BUFFERED_MAX_BYTES) {
    link.catchupScheduled = true;
    link.socket.once('drain', () => catchUp(link));
    return;
  }
  const released = consumer.nextSequence - 1;
  // Back within the ring's window: everything after `released` is still in the ring.
  if (link.next > released) {
    link.catchup?.close();
    link.catchup = null;
    link.live = true;
    pump();
    return;
  }
  link.catchup ??= new CatchupReader(data.dataDir);
  const before = link.catchup.framesRead;
  let chunk: Buffer | null;
  try {
    chunk = link.catchup.read(link.next, released);
  } catch (error) {
    refuse(link, ResultCode.REPLICATION_UNAVAILABLE, (error as Error).message);
    return;
  }
  if (chunk !== null) {
    const header = Buffer.alloc(MSG_HEADER_BYTES);
    header.writeUInt32LE(MSG_HEADER_BYTES + chunk.length, MSG_BYTES_OFFSET);
    header.writeUInt16LE(MessageType.FRAMES, MSG_TYPE_OFFSET);
    send(link, header);
    send(link, chunk);
    const frames = link.catchup.framesRead - before;
    link.next += frames;
    metrics[slot(ReplicatorSlot.CATCHUP_FRAMES)] += frames;
    link.catchupScheduled = true;
    setImmediate(() => catchUp(link));
  } else {
    link.catchupScheduled = true;
    setTimeout(() => catchUp(link), CATCHUP_RETRY_MS);
  }
}

function refuse(link: FollowerLink, code: number, reason: string): void {
  link.socket.end(encodeRefuse(code, reason));
  drop(link);
}

function drop(link: FollowerLink): void {
  if (!followers.delete(link)) return;
  link.catchup?.close();
  link.catchup = null;
  pump();
}

function onHello(link: FollowerLink): void {
  const r = link.reader;
  if (r.u32(HELLO_MAGIC_OFFSET) !== REPLICATION_MAGIC || r.u32(HELLO_VERSION_OFFSET) !== REPLICATION_VERSION) {
    refuse(link, ResultCode.REPLICATION_UNAVAILABLE, `not a ringline replication client (or version ${r.u32(HELLO_VERSION_OFFSET)} != ${REPLICATION_VERSION})`);
    return;
  }
  const epoch = r.f64(HELLO_EPOCH_OFFSET);
  const next = r.f64(HELLO_NEXT_SEQUENCE_OFFSET);
  if ((r.flags() & HELLO_FLAG_PROBE) !== 0) {
    link.socket.end(encodeWelcome(options.epoch, top));
    drop(link);
    return;
  }
  if (epoch > options.epoch) {
    metrics[slot(ReplicatorSlot.NEWER_EPOCH_SEEN)] = Math.max(metrics[slot(ReplicatorSlot.NEWER_EPOCH_SEEN)], epoch);
    refuse(link, ResultCode.STALE_EPOCH, `stale primary: its epoch ${options.epoch} is older than the follower's epoch ${epoch}`);
    return;
  }
  if ((r.flags() & HELLO_FLAG_BOOTSTRAP) !== 0) {
    sendBootstrap(link);
    return;
  }
  if (epoch < options.epoch && options.epochStart >= 0 && next > options.epochStart + 1) {
    refuse(link, ResultCode.STALE_EPOCH,
      `the follower (epoch ${epoch}) holds records up to ${next - 1}, past sequence ${options.epochStart} where this primary's epoch ` +
      `${options.epoch} began: they were written under an older epoch and may differ from this primary's; empty its data directory to re-seed it`);
    return;
  }
  if (!Number.isSafeInteger(next) || next < 0 || next > top + 1) {
    refuse(link, ResultCode.REPLICATION_UNAVAILABLE,
      `follower wants sequence ${next} but the primary's last sequence is ${top}: its journal is not a prefix of this primary's`);
    return;
  }
  link.handshaken = true;
  link.next = next;
  link.acked = next - 1;
  link.live = false;
  link.socket.write(encodeWelcome(options.epoch, top, options.epochStart));
  catchUp(link);
  pump();
}

/**
 * An empty follower's first question: nothing to send while the journal still starts at FIRST_SEQUENCE
 * (or at 0, a journal written before sequence 0 became the empty state) (WELCOME: replay it all); else the newest snapshot file, in pieces, then the connection closes.
 */
function sendBootstrap(link: FollowerLink): void {
  const segments = listSegments(data.dataDir);
  if (segments.length === 0 || segments[0].firstSequence <= FIRST_SEQUENCE) {
    link.socket.end(encodeWelcome(options.epoch, top));
    drop(link);
    return;
  }
  const snapshot = listSnapshots(data.dataDir).pop();
  let bytes: Buffer;
  try {
    if (snapshot === undefined) throw new Error('no snapshot file');
    bytes = readFileSync(snapshot.path);
  } catch (error) {
    refuse(link, ResultCode.REPLICATION_UNAVAILABLE,
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
      metrics[slot(ReplicatorSlot.BYTES_SENT)] += piece.length;
      if (pieces.length === 0) {
        link.socket.end(piece);
        drop(link);
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

function onMessage(link: FollowerLink, type: number): void {
  if (!link.handshaken) {
    if (type === MessageType.HELLO) onHello(link);
    else refuse(link, ResultCode.REPLICATION_UNAVAILABLE, 'expected HELLO first');
    return;
  }
  if (type !== MessageType.ACK) {
    refuse(link, ResultCode.REPLICATION_UNAVAILABLE, `unexpected message type ${type} from a follower`);
    return;
  }
  const sequence = link.reader.f64(ACK_SEQUENCE_OFFSET);
  if (sequence > link.acked && sequence < link.next) link.acked = sequence;
  // Lag: sequencer time of the newest live batch this acknowledgement covers, to now.
  let stampUs = -1;
  for (let i = 0; i < LAG_SAMPLES; i++) {
    const s = lagSequences[i];
    if (s >= 0 && s <= link.acked) {
      if (lagTimestampsUs[i] > stampUs) stampUs = lagTimestampsUs[i];
      lagSequences[i] = -1;
    }
  }
  if (stampUs > 0) metrics[slot(ReplicatorSlot.LAG_US_LAST)] = (performance.timeOrigin + performance.now()) * 1000 - stampUs;
  pump();
}

function onConnection(socket: Socket): void {
  socket.setNoDelay(true);
  const link: FollowerLink = {
    socket, reader: new MessageReader(64 * 1024), name: `${socket.remoteAddress}:${socket.remotePort}`,
    handshaken: false, next: -1, acked: -1, live: false, catchup: null, catchupScheduled: false,
  };
  followers.add(link);
  socket.on('data', (chunk: Buffer) => {
    for (let offset = 0; offset < chunk.length && followers.has(link);) {
      offset += link.reader.push(chunk, offset);
      for (;;) {
        const type = link.reader.next();
        if (type === NEED_MORE) break;
        if (type === BAD_MESSAGE) {
          refuse(link, ResultCode.REPLICATION_UNAVAILABLE, link.reader.reason);
          return;
        }
        onMessage(link, type);
        if (!followers.has(link)) return;
      }
    }
  });
  socket.on('error', () => drop(link));
  socket.on('close', () => drop(link));
}

/** Ships new records to live followers, releases what the mode allows, re-arms the wait. */
function pump(): void {
  if (pumping || stopped) return;
  pumping = true;
  try {
    const released = consumer.nextSequence - 1;
    const observed = wakeWord.load32(); // read before the data: a store after it changes the word
    const available = consumer.barrier.available(released, released + ring.capacity);
    // Async ships only what the primary made durable, so a follower is never ahead of a primary that
    // crashes and restarts; sync ships in parallel with the journaler (the follower may then hold
    // records the primary had not made durable: it is the one to promote).
    const newTop = options.mode === 'sync' ? available : Math.min(available, journaled.load(released));
    if (newTop > top) {
      top = newTop;
      const base = ring.slotBase(top);
      lagSequences[lagHead] = top;
      lagTimestampsUs[lagHead] = ring.buffer.f64[(base + CMD_TIMESTAMP_US_OFFSET) >>> 3];
      lagHead = (lagHead + 1) % LAG_SAMPLES;
    }
    let connected = 0;
    let acked = -1;
    for (const link of followers) {
      if (!link.handshaken) continue;
      connected++;
      if (link.acked > acked) acked = link.acked;
      if (!link.live && !link.catchupScheduled) catchUp(link);
      if (link.live) shipLive(link);
    }
    metrics[slot(ReplicatorSlot.FOLLOWERS_CONNECTED)] = connected;
    metrics[slot(ReplicatorSlot.SHIPPED_SEQUENCE)] = top;
    if (acked > metrics[slot(ReplicatorSlot.ACKED_SEQUENCE)]) metrics[slot(ReplicatorSlot.ACKED_SEQUENCE)] = acked;
    const sync = options.mode === 'sync';
    const noFollower = sync && connected === 0;
    const degraded = noFollower && options.noFollower === 'degrade';
    metrics[slot(ReplicatorSlot.NO_FOLLOWER)] = noFollower ? 1 : 0;
    metrics[slot(ReplicatorSlot.DEGRADED)] = degraded ? 1 : 0;
    const graceOver = stopping && performance.now() >= stopDeadlineMs;
    const target = !sync || degraded || graceOver ? top : Math.min(top, acked);
    if (target > released) consumer.release(target - released);

    const halted = Atomics.load(ring.words, ring.haltIndex) !== 0;
    if (halted && !stopping) {
      stopping = true;
      stopDeadlineMs = performance.now() + options.stopGraceMs;
      if (sync) setTimeout(pump, options.stopGraceMs + 1);
    }
    if (stopping && consumer.nextSequence - 1 >= ring.cursor.load(top)) {
      finish();
      return;
    }
    arm(observed);
  } finally {
    pumping = false;
  }
}

function arm(observed: number): void {
  if (armed) return;
  armed = true;
  const words = ring.words;
  const index = wakeWord.valueIndex;
  Atomics.add(words, index + 1, 1); // seq-cst: announce the waiter before the cursor is checked again
  const wake = (): void => {
    Atomics.sub(words, index + 1, 1);
    armed = false;
    pump();
  };
  const result = waitAsync(words, index, observed);
  if (!result.async) queueMicrotask(wake);
  else void result.value.then(wake);
}

let server: Server | null = null;

function finish(): void {
  if (stopped) return;
  stopped = true;
  for (const link of followers) link.socket.end();
  server?.close();
  post({ type: 'stopped' });
  // Sockets may still flush their last frames; the engine terminates this thread when all are stopped.
}

server = createServer(onConnection);
server.on('error', (error) => {
  throw new Error(`replicator: replication listener on ${options.host}:${options.port} failed: ${error.message}`);
});
server.listen(options.port, options.host, () => {
  post({ type: 'ready', lastSequence: data.firstSequence - 1 });
  pump();
});
