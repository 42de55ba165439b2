/**
 * What a caller holds of a running engine (cli/, replication/'s follower, tests): the input publisher
 * the gateway writes to, the results it hears, the sequences and metrics, and the stop. The gateway's
 * narrower view is core/engine_api.ts; the wiring that builds an Engine is engine.ts.
 */
import type { EngineSequences, InputPublisher, ResultListener } from '../core/engine_api.ts';
import type { EngineHistograms, EngineMetrics } from './engine_metrics.ts';
import type { EngineEvents } from '../core/engine_api.ts';

export type { EngineEvents } from '../core/engine_api.ts';

export interface Engine {
  readonly input: InputPublisher;
  /** The sequence the recovered state ended at (-1 for an empty data directory). */
  readonly recoveredSequence: number;
  readonly recoveredStateHash: string;
  /** How the recovery's replay went (records, time, whether a reader thread ran ahead), for the start-up log; '' when none ran. */
  readonly recoveryReplay: string;
  /** Bytes the business logic preallocated per state region, for the start-up log. */
  readonly logicMemory: readonly { readonly name: string; readonly bytes: number }[];
  /** The logic's replicated principal table in shared memory (core/logic/principal_registry.ts), or null. */
  readonly principalTable: SharedArrayBuffer | null;
  /** False once stop() began or a worker died: tryClaim then returns -1 (answer SHUTTING_DOWN, not BUSY). */
  readonly accepting: boolean;
  /** Sets the one listener that receives every durable result, in sequence order. */
  onResult(listener: ResultListener): void;
  /** 0 while the journal takes writes, else the storage fault (journal/storage_fault.ts STORAGE_FAULT_CODES index + 1). */
  storageFault(): number;
  sequences(): EngineSequences;
  metrics(): EngineMetrics;
  /** Histograms read at scrape time: fsync time, journal batch sizes, command latency (log2 buckets). */
  histograms(): EngineHistograms;
  /**
   * A cluster follower's engine (replicator option dormant) becomes the leader's, without a restart:
   * the caller stopped feeding it and waited until every published record is durable (epochStart, the
   * last of them). The replicator listens and from epochStart + 1 releases by its followers'
   * acknowledgements; new commands get this node's timestamps. Resolves once the replicator listens.
   */
  lead(epoch: number, epochStart: number): Promise<void>;
  /** Drains: stops claims, lets logic and journal finish what was sequenced, delivers every result. */
  stop(): Promise<void>;
  /** Settles when the engine is down: resolves after stop(), rejects with the fatal error. */
  readonly done: Promise<void>;
  /** Events emitted by the logic, released once durable. */
  readonly events: EngineEvents;
}
