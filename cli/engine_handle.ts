/**
 * The engine as the CLI and the end-to-end tests start it: engine/engine.ts's startEngine with the
 * data directory, the durability mode and the config file's "engine" options.
 */
import { startEngine, type Engine } from '../engine/engine.ts';
import type { EngineOptions } from '../engine/engine_options.ts';
import type { EngineHistograms, EngineMetrics } from '../engine/engine_metrics.ts';
import type { EngineLog } from '../engine/engine_options.ts';
import type { GatewayEngine } from '../gateway/gateway_core.ts';
import type { DurabilityMode, StartReplicationOptions } from './start_options.ts';

export interface EngineHandle extends GatewayEngine {
  stop(): Promise<void>;
  /** A cluster follower's engine becomes the leader's (Engine.lead). */
  lead(epoch: number, epochStart: number): Promise<void>;
  /** Sequences, lag, fsync latency, GC counts...: rendered as-is on GET /metrics. */
  metrics(): EngineMetrics;
  /** fsync time, journal batch sizes, command latency: GET /metrics histograms. */
  histograms(): EngineHistograms;
  /** Why the engine does not accept commands now ('' when it does): GET /readyz. */
  notReadyReason(): string;
  /** One line per preallocated region, for the start-up log. */
  memoryReport(): string[];
}

export interface EngineStartOptions {
  readonly dataDir: string;
  readonly durability: DurabilityMode;
  readonly engine?: Readonly<Record<string, unknown>>;
  readonly log?: EngineLog;
  /** Ship the journal to followers (replication/replicator_worker.ts); null or absent: no replication. */
  readonly replication?: StartReplicationOptions | null;
  /** The data directory's epoch (replication/replication_epoch.ts), stamped in new journal segments. */
  readonly epoch?: number;
  /** The last sequence before that epoch began, -1 when unknown (replication_epoch.ts readEpochStart). */
  readonly epochStart?: number;
}

const RING_SLOT_BYTES = 512;

/**
 * The engine option `replicator` for `replication` (the worker entry and its options, validated by the
 * worker). `dormant`: a cluster follower's engine that may later lead without a restart (Engine.lead).
 */
export function replicatorEngineOption(replication: StartReplicationOptions, epoch: number, epochStart: number, dormant = false): EngineOptions['replicator'] {
  return {
    entry: new URL('../replication/replicator_worker.ts', import.meta.url),
    mode: replication.mode,
    options: { mode: replication.mode, host: replication.host, port: replication.port, noFollower: replication.noFollower,
      ...(replication.ackFollowers === undefined ? {} : { ackFollowers: replication.ackFollowers }),
      epoch, epochStart, ...(dormant ? { dormant } : {}),
      ...(replication.membership === undefined ? {} : {
        membershipSecretHex: replication.membership.secret.toString('hex'), clusterName: replication.membership.clusterName,
      }) },
  };
}

export async function startRinglineEngine(options: EngineStartOptions): Promise<EngineHandle> {
  const fromFile = options.engine ?? {};
  const journal = typeof fromFile.journal === 'object' && fromFile.journal !== null ? fromFile.journal : {};
  // The config file's engine options are passed through; startEngine validates every one by name.
  const engine = await startEngine({
    ...(fromFile as object),
    dataDir: options.dataDir,
    journal: { ...journal, durability: options.durability, ...(options.epoch === undefined ? {} : { epoch: options.epoch }) },
    ...(options.log === undefined ? {} : { log: options.log }),
    ...(options.replication === undefined || options.replication === null ? {} : {
      replicator: replicatorEngineOption(options.replication, options.epoch ?? 0, options.epochStart ?? -1),
    }),
  });
  return engineHandle(engine);
}

/** The CLI's handle of a running engine (also of a cluster follower's engine once it leads). */
export function engineHandle(engine: Engine): EngineHandle {
  const principalTable = engine.principalTable === null ? null : new Uint32Array(engine.principalTable);
  return {
    input: engine.input,
    events: engine.events,
    onResult: (listener) => engine.onResult(listener),
    storageFault: () => engine.storageFault(),
    principalTable: () => principalTable,
    stop: () => engine.stop(),
    lead: (epoch, epochStart) => engine.lead(epoch, epochStart),
    metrics: () => engine.metrics(),
    histograms: () => engine.histograms(),
    notReadyReason: () => (engine.accepting ? '' : 'engine stopping or stopped'),
    memoryReport: () => {
      const slots = engine.metrics().ringCapacity;
      const ringMiB = ((slots * RING_SLOT_BYTES) / 1048576).toFixed(1);
      return [
        `input ring ${ringMiB} MiB and output ring ${ringMiB} MiB (${slots} slots × ${RING_SLOT_BYTES} B, shared memory)`,
        `recovered to sequence ${engine.recoveredSequence}, state hash ${engine.recoveredStateHash}` +
          (engine.recoveryReplay === '' ? '' : `; ${engine.recoveryReplay}`),
      ];
    },
  };
}
