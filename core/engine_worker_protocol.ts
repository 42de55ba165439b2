/**
 * What the engine hands its worker threads (workerData) and what they report back (postMessage).
 * The engine (engine.ts) spawns each worker with spawnWorker(entry, data) and waits for `ready`.
 *
 * Input ring consumers, all in parallel behind the producer (the gateway on the main thread):
 *   0 logic (core/logic_worker.ts)  1 journaler (journal/journaler_worker.ts)  2 replicator (when configured)
 * Output ring: the logic worker is the producer, the main thread consumer 0.
 *
 * Journaler contract (its workerData: JournalerWorkerData in journal/journaler_worker_data.ts):
 * - Attach with `new Ring(data.inputRingMemory)` and consume with
 *   `new BatchConsumer(ring, data.consumerIndex, { waitStrategy: createWaitStrategy(data.waitStrategy),
 *   batchMax: data.batchMax })`. Its first record is `data.firstSequence` (= consumer.nextSequence).
 * - `release(count)` ONLY after the batch is durable under data.journal.durability: the engine treats the
 *   journaler's consumer sequence as the durable sequence and releases results up to it.
 * - Post `{ type: 'ready' }` once the journal is open and writable, before consuming.
 * - When waitFor returns HALTED everything published is in the ring's past: write and fdatasync the
 *   rest, release it, post `{ type: 'stopped' }` and let the thread end.
 * - Fail loudly: throw (the worker's 'error' event) with a message naming the file, and the engine
 *   stops with that message. Counters go to the JOURNALER line of metrics_descriptor.ts.
 */
import type { LogicConfig } from './logic/state_machine_api.ts';
import type { WaitStrategyName } from './ring/wait_strategy.ts';

export const INPUT_CONSUMER_LOGIC = 0;
export const INPUT_CONSUMER_JOURNALER = 1;
export const INPUT_CONSUMER_REPLICATOR = 2;
export const OUTPUT_CONSUMER_GATEWAY = 0;

/** What every parallel consumer of the input ring gets: the journaler's and the replicator's workerData extend it. */
export interface RingConsumerWorkerData {
  readonly inputRingMemory: SharedArrayBuffer;
  readonly consumerIndex: number;
  readonly metricsMemory: SharedArrayBuffer;
  /** The first sequence this run will publish (recovered last sequence + 1). */
  readonly firstSequence: number;
  readonly waitStrategy: WaitStrategyName;
  readonly batchMax: number;
  /** The stage stamp table (stage_stamps_descriptor.ts): the journaler and replicator stamp their column. */
  readonly stageStampsMemory?: SharedArrayBuffer;
}

/**
 * Replicator contract: the same as the journaler's (attach, consume from consumerIndex, post ready,
 * drain on HALTED, post stopped, throw on failure), except that it releases a batch once the follower
 * acknowledged it: its consumer sequence IS the replicated sequence. `options` comes untouched from
 * EngineOptions.replicator.options.
 */
export interface ReplicatorWorkerData extends RingConsumerWorkerData {
  readonly dataDir: string;
  readonly options: Readonly<Record<string, unknown>>;
}

export interface LogicWorkerData {
  readonly dataDir: string;
  readonly repair: boolean;
  readonly logic: LogicConfig;
  /** href of a module exporting createStateMachine(config): StateMachine. */
  readonly stateMachineModule: string;
  /** href of a module exporting recoverState(sm, { dataDir, repair }), or '' to start empty. */
  readonly recoveryModule: string;
  readonly metricsMemory: SharedArrayBuffer;
  readonly waitStrategy: WaitStrategyName;
  readonly batchMax: number;
  /** Take a snapshot every this many commands (0: only on SNAPSHOT commands). */
  readonly snapshotEveryCommands: number;
  /** Post a shadowCatchUp every this many commands (0: never; the shadow then catches up only at a snapshot). */
  readonly shadowCatchUpEveryCommands: number;
  /** The stage stamp table (stage_stamps_descriptor.ts): the logic stamps the applied column. */
  readonly stageStampsMemory?: SharedArrayBuffer;
  /** Events the recovery replay keeps for the retention window (the last this many; a power of two). */
  readonly eventRetentionEvents: number;
  /** Event emission (engine option events): false, the state machine writes no event record, recovery replay included. */
  readonly events: boolean;
  /** Recovery's reader thread from this many bytes of journal after the snapshot on (EngineOptions.recoveryReaderThreadMinBytes). */
  readonly recoveryReaderThreadMinBytes: number;
  /** Tests: hand the walk to the reader thread after exactly this many records (EngineOptions.recoveryReaderThreadHandOverAt). */
  readonly recoveryReaderThreadHandOverAt?: number;
}

/** The events the recovery replay emitted (the newest of them), ready for the retention window. */
export interface RecoveredEvents {
  /** `count` event records in order. */
  readonly records: ArrayBuffer;
  readonly count: number;
  /** Every event after this position is in `records` (the snapshot recovery started from, or the last one dropped). */
  readonly boundarySequence: number;
  readonly boundaryIndex: number;
}

/** Sent to the logic worker after it reported ready: the rings, starting at lastSequence + 1. */
export interface LogicStartMessage {
  readonly type: 'start';
  readonly inputRingMemory: SharedArrayBuffer;
  readonly outputRingMemory: SharedArrayBuffer;
  /** The events ring (core/events_ring_sink.ts): EVT_RECORD_BYTES slots, the main thread its one consumer. */
  readonly eventsRingMemory: SharedArrayBuffer;
}

export type WorkerReport =
  | { readonly type: 'ready'; readonly lastSequence: number; readonly stateHash?: string;
      /** Logic worker only: bytes preallocated per state region (StateMachine.memoryReport()). */
      readonly memory?: readonly { readonly name: string; readonly bytes: number }[];
      /** Logic worker only: recovery warnings (a torn tail truncated...), logged by the main thread. */
      readonly warnings?: readonly string[];
      /** Logic worker only: how the recovery's replay went (records, time, reader thread), for the start-up log; '' when none ran. */
      readonly replaySummary?: string;
      /** Logic worker only: the replicated principal table the gateway reads (StateMachine.principalTable). */
      readonly principalTable?: SharedArrayBuffer | null;
      /** Logic worker only: the events of the commands replayed after the snapshot (the newest of them). */
      readonly recoveredEvents?: RecoveredEvents }
  /** Logic worker: take a snapshot at `sequence` (the snapshot shadow writes it once durable). */
  | { readonly type: 'snapshot'; readonly sequence: number }
  /** Logic worker, every SHADOW_CATCH_UP_EVERY commands: the snapshot shadow may replay up to `sequence` once durable. */
  | { readonly type: 'shadowCatchUp'; readonly sequence: number }
  /** Replicator, every FOLLOWER_REPORT_MS while it has (or just lost) followers: each one's progress. */
  | { readonly type: 'followers'; readonly followers: readonly FollowerProgress[] }
  | { readonly type: 'stopped' }
  /** Replicator in standby, told to lead (EngineCommand 'lead'): it now listens for followers and counts their acknowledgements. */
  | { readonly type: 'leading'; readonly epoch: number };

/** What the main thread tells a running worker. */
export type EngineCommand =
  /**
   * Replicator only (started with the replication option standby): this engine now leads `epoch`, which
   * began after `epochStart`. Everything up to epochStart was released in standby; from epochStart + 1 on a
   * record is released once ackFollowers followers acknowledged it.
   */
  { readonly type: 'lead'; readonly epoch: number; readonly epochStart: number };

/** One follower of a primary's replicator as the replicator sees it. */
export interface FollowerProgress {
  /** Its address as the primary sees it (host:port of its connection). */
  readonly name: string;
  /** Highest sequence it acknowledged as durable in its journal (-1: none since it connected). */
  readonly ackedSequence: number;
  /** Following live (false: catching up from the primary's journal files). */
  readonly live: boolean;
}

/** What the event replay worker (replay/event_replay_worker.ts) posts back. */
export type EventReplayMessage =
  | { readonly type: 'events'; readonly records: Uint8Array }
  | { readonly type: 'done'; readonly count: number }
  /** `retired`: the journal the range needs was retired (HISTORY_RETIRED), not a failure of the replay. */
  | { readonly type: 'error'; readonly message: string; readonly retired: boolean };
