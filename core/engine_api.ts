/**
 * What the gateway sees of the engine. The gateway is the single producer of the input ring: it
 * claims slots, writes verified records into them, has the publisher stamp the header fields only it
 * knows (stampHeader) and publishes them in batches; it hears each result once the command is durable.
 * The engine's publisher is core/input_publisher.ts.
 *
 * Nothing here blocks and nothing throws on an expected condition: a full ring is -1 from tryClaim,
 * which the gateway answers with ResultCode.BUSY (or by pausing reads).
 */
import type { RecordBuffer } from '../codec/records/record_buffer.ts';
import type { EventFeed } from './event_feed.ts';
import type { LogicConfig } from './logic/state_machine_api.ts';

/** The event stream of a running engine, for subscriptions (gateway/event_hub.ts) and tools. */
export interface EngineEvents {
  /** False when the engine runs with events off (engine option events): subscriptions are refused with EVENTS_DISABLED. */
  readonly enabled: boolean;
  /** Released events in (sequence, index) order, and a listener for each release. */
  readonly feed: EventFeed;
  /** What a journal replay needs to rebuild events older than the retention (replay/event_replay.ts). */
  readonly dataDir: string;
  readonly logic: LogicConfig;
  /** The replay worker's entry (replay/event_replay_worker.ts; its messages: EventReplayMessage). */
  readonly replayWorkerEntry: URL;
}

export interface InputPublisher {
  /** Views over the input ring's memory; a claimed slot's record starts at the byte base tryClaim returned. */
  readonly buffer: RecordBuffer;
  /**
   * Claims the next slot and returns its byte base, or -1 when the ring is full. The caller writes the
   * record (length, type, correlation, idempotency, body), then stampHeader — or, replaying another
   * engine's records (a follower), copies the whole record including its header.
   */
  tryClaim(): number;
  /**
   * Stamps the header fields of the record at `base` (the slot claimed last) that only the producer
   * knows: its sequence, the session, the principal and the flags (CMD_FLAG_ADMIN, CMD_FLAG_READ_ONLY).
   */
  stampHeader(base: number, sessionId: number, principalId: number, flags: number): void;
  /** The full sequence number of the slot claimed last (valid after a successful tryClaim). */
  readonly lastClaimedSequence: number;
  /**
   * An input chunk (socket data, a WebSocket message, an HTTP body) arrived: commands claimed until the
   * next publish count their latency from now (stage stamps). Optional: publishers without stamps skip it.
   */
  received?(): void;
  /**
   * Publishes every slot claimed since the last publish: stamps one sequencer timestamp on all of
   * them (one clock read per batch) and wakes the consumers.
   */
  publish(): void;
}

/**
 * Called on the main thread for every result whose command is durable (and, with synchronous
 * replication, replicated), in sequence order. `base` is the byte offset of the result record in
 * `buffer`; the record is only valid during the call (the slot is reused afterwards).
 */
export type ResultListener = (buffer: RecordBuffer, base: number) => void;

export interface EngineSequences {
  /** Last sequence published into the input ring. */
  readonly published: number;
  /** Last sequence applied by the business logic. */
  readonly applied: number;
  /** Last sequence made durable by the journaler. */
  readonly durable: number;
  /** Last sequence acknowledged by a follower, or -1 without replication. */
  readonly replicated: number;
  /** Last result handed to the gateway. */
  readonly released: number;
}
