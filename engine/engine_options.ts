/**
 * Engine options, validated up front: every message names the option and the accepted range, so a bad
 * configuration fails at start-up, never later on a hot path.
 */
import { DEFAULT_JOURNAL_OPTIONS, validateJournalOptions, type JournalOptions } from '../journal/journal_options.ts';
import { DEFAULT_LOGIC_CONFIG, OPTIONAL_OPTIONS, validateLogicConfig } from '../core/logic/logic_config.ts';
import type { LogicConfig } from '../core/logic/state_machine_api.ts';
import { MAX_CAPACITY as RING_MAX_CAPACITY, isPowerOfTwo } from '../core/ring/ring_descriptor.ts';
import { WAIT_STRATEGY_NAMES, isWaitStrategyName, type WaitStrategyName } from '../core/ring/wait_strategy.ts';

/** Where the engine's few lines go (start-up, recovery warnings, snapshots); the CLI passes its logger. */
export type EngineLog = (line: string, level?: 'info' | 'warn' | 'error') => void;

export interface EngineOptions {
  /** Directory of the journal and snapshots (created when missing). */
  readonly dataDir: string;
  /** Input ring slots (512 bytes each): a power of two, 64 … 2^24. Default 16384 (8 MiB). */
  readonly ringCapacity?: number;
  /** Output ring slots: a power of two, 64 … 2^24. Default: ringCapacity. */
  readonly outputRingCapacity?: number;
  /** How the worker threads wait for work: busy_spin, spin_yield or spin_park (default; see docs/engine_core.md). */
  readonly waitStrategy?: WaitStrategyName;
  /** Most records a worker takes in one batch: 1 … the smaller ring capacity. Default 1024. */
  readonly batchMax?: number;
  /** Business-logic capacities (core/logic/logic_config.ts); unset ones take the defaults. */
  readonly logic?: Partial<LogicConfig>;
  /** Journal options except dataDir (journal/journal_options.ts): durability, segment size, … */
  readonly journal?: Partial<Omit<JournalOptions, 'dataDir'>>;
  /** Take a snapshot every this many commands (0 = only on SNAPSHOT commands). Default 2,000,000: a restart then replays at most that many commands after the snapshot. */
  readonly snapshotEveryCommands?: number;
  /** Snapshots kept by the retention policy, 1 … 1000. Default 2. */
  readonly snapshotsKept?: number;
  /**
   * Keep every journal segment, also those before the oldest kept snapshot (which the retention
   * otherwise deletes): event subscribers and `ringline project` can then resume from any position,
   * rebuilt from the journal. Costs disk: the journal grows without bound. Default false.
   */
  readonly keepJournal?: boolean;
  /** Truncate a corrupt journal at the corruption instead of refusing to start. Default false. */
  readonly repair?: boolean;
  /**
   * stop(): how long the workers get to drain before they are terminated anyway (results not released
   * by then are never acknowledged). A stuck worker cannot keep the process alive. Default 15,000.
   */
  readonly stopTimeoutMs?: number;
  /** Called once when a worker dies: the engine is already down. Default: print and exit(1). */
  readonly onFatal?: (error: Error) => void;
  /** Start-up and snapshot lines. Default: console.error. */
  readonly log?: EngineLog;
  /** Module exporting createStateMachine(config). Default core/logic/state_machine.ts (tests swap it). */
  readonly stateMachineModule?: URL;
  /** Module exporting recoverState(sm, options), or null to start empty. Default replay/recovery.ts. */
  readonly recoveryModule?: URL | null;
  /** Journaler worker entry. Default journal/journaler_worker.ts (tests swap it). */
  readonly journalerEntry?: URL;
  /**
   * Replication: a third parallel consumer of the input ring (ReplicatorWorkerData). With mode 'sync'
   * (default) a result is released only once replicated as well as durable. Default: none.
   */
  readonly replicator?: ReplicatorOptions | null;
  /**
   * Stamp the sequencer timestamp on publish (default true). A follower (replication/follower.ts) publishes
   * records its primary already stamped and turns this off, so its journal holds the primary's bytes.
   */
  readonly stampTimestamps?: boolean;
  /** Events ring slots (EVT_RECORD_BYTES = 128 bytes each): a power of two, 64 … 2^24. Default 16384 (2 MiB). */
  readonly eventsRingCapacity?: number;
  /** Event records the main thread keeps for subscribers to resume from: a power of two, 64 … 2^24. Default 131072 (16 MiB). */
  readonly eventRetentionEvents?: number;
  /**
   * Event emission (docs/events.md). Default true. false: the business logic writes no event records
   * (the logic bench's figures without their cost); event subscriptions, history routes and the
   * projector are refused with EVENTS_DISABLED (240). Events are rebuilt from the journal, so turning
   * them on again later serves the commands applied while off as well.
   */
  readonly events?: boolean;
  /**
   * Recovery replays the journal with a reader thread ahead of the logic (walk, CRC checks, idempotency
   * look-ups: replay/pipelined_replay.ts) when at least this many bytes of journal follow the snapshot;
   * 0 = whenever there is any. 0 … 2^53. Default 64 MiB: below it, starting the thread costs about what
   * it saves.
   */
  readonly recoveryReaderThreadMinBytes?: number;
  /** Tests: with the reader thread, hand the walk over after exactly this many records (waiting for it to start). Default: as soon as it has started. */
  readonly recoveryReaderThreadHandOverAt?: number;
}

export interface ReplicatorOptions {
  /** The replicator worker entry. */
  readonly entry: URL;
  readonly mode?: 'sync' | 'async';
  /** Passed through to the worker untouched (follower address, epoch...): the replicator validates it. */
  readonly options?: Readonly<Record<string, unknown>>;
}

export interface ResolvedEngineOptions {
  readonly dataDir: string;
  readonly ringCapacity: number;
  readonly outputRingCapacity: number;
  readonly waitStrategy: WaitStrategyName;
  readonly batchMax: number;
  readonly logic: LogicConfig;
  readonly journal: JournalOptions;
  readonly snapshotEveryCommands: number;
  readonly snapshotsKept: number;
  readonly keepJournal: boolean;
  readonly repair: boolean;
  readonly stopTimeoutMs: number;
  readonly onFatal: (error: Error) => void;
  readonly log: EngineLog;
  readonly stateMachineModule: URL;
  readonly recoveryModule: URL | null;
  readonly journalerEntry: URL;
  readonly replicator: { readonly entry: URL; readonly mode: 'sync' | 'async'; readonly options: Readonly<Record<string, unknown>> } | null;
  readonly stampTimestamps: boolean;
  readonly eventsRingCapacity: number;
  readonly eventRetentionEvents: number;
  readonly events: boolean;
  readonly recoveryReaderThreadMinBytes: number;
  readonly recoveryReaderThreadHandOverAt: number | undefined;
}

export const DEFAULT_RING_CAPACITY = 16384;
export const MIN_RING_CAPACITY = 64;
/**
 * spin_park: on 2 cores the logic and journaler threads share the cores with the main thread; parking
 * gives the cores back when idle, and its throughput with batching matches spinning (docs/engine_core.md figures).
 */
export const DEFAULT_WAIT_STRATEGY: WaitStrategyName = 'spin_park';
export const DEFAULT_BATCH_MAX = 1024;
export const DEFAULT_SNAPSHOTS_KEPT = 2;
export const DEFAULT_SNAPSHOT_EVERY_COMMANDS = 2_000_000;
export const DEFAULT_STOP_TIMEOUT_MS = 15_000;
export const DEFAULT_EVENTS_RING_CAPACITY = 16384;
export const DEFAULT_EVENT_RETENTION_EVENTS = 131072;
export const DEFAULT_RECOVERY_READER_THREAD_MIN_BYTES = 64 * 1024 * 1024;

const OPTION_NAMES: ReadonlySet<string> = new Set([
  'dataDir', 'ringCapacity', 'outputRingCapacity', 'waitStrategy', 'batchMax', 'logic', 'journal',
  'snapshotEveryCommands', 'snapshotsKept', 'keepJournal', 'repair', 'stopTimeoutMs', 'onFatal', 'log', 'stateMachineModule', 'recoveryModule',
  'journalerEntry', 'replicator', 'stampTimestamps', 'eventsRingCapacity', 'eventRetentionEvents', 'events', 'recoveryReaderThreadMinBytes', 'recoveryReaderThreadHandOverAt',
]);

/**
 * The engine options a JSON config file may set ("engine": {...}), nested objects by their keys:
 * functions, module URLs and the data directory are set by the program, never by a file.
 */
const CONFIG_FILE_KEYS: ConfigKeys = {
  ringCapacity: null, outputRingCapacity: null, waitStrategy: null, batchMax: null,
  // maxPrincipals and maxIdRanges have no entry in DEFAULT_LOGIC_CONFIG (their defaults apply when unset) but are capacities like the others.
  logic: Object.fromEntries([...Object.keys(DEFAULT_LOGIC_CONFIG), ...OPTIONAL_OPTIONS].map((k) => [k, null])),
  journal: { ...Object.fromEntries(Object.keys(DEFAULT_JOURNAL_OPTIONS).filter((k) => k !== 'durability' && k !== 'epoch').map((k) => [k, null])), waitStrategy: null },
  snapshotEveryCommands: null, snapshotsKept: null, keepJournal: null, stampTimestamps: null, repair: null, eventsRingCapacity: null, eventRetentionEvents: null, events: null,
};

/** A key → null (a value) or → the keys of a nested object. */
interface ConfigKeys { readonly [key: string]: ConfigKeys | null }

/**
 * Checks a config file's "engine" object for keys the engine does not know, at any depth; throws a
 * RangeError naming the key's path (engine.logic.maxAcounts) and the keys known there.
 */
export function checkEngineConfigKeys(engine: Readonly<Record<string, unknown>>, path = 'engine', known: ConfigKeys = CONFIG_FILE_KEYS): void {
  for (const [key, value] of Object.entries(engine)) {
    if (!Object.hasOwn(known, key)) {
      throw new RangeError(`unknown key ${path}.${key}; known in ${path}: ${Object.keys(known).join(', ')}`);
    }
    const nested = known[key];
    if (nested === null) continue;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new TypeError(`${path}.${key} must be an object`);
    checkEngineConfigKeys(value as Record<string, unknown>, `${path}.${key}`, nested);
  }
}

function integer(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`engine option ${name} must be an integer from ${min} to ${max}; got ${String(value)}`);
  }
  return value;
}

function ringCapacity(name: string, value: unknown): number {
  const n = integer(name, value, MIN_RING_CAPACITY, RING_MAX_CAPACITY);
  if (!isPowerOfTwo(n)) throw new RangeError(`engine option ${name} must be a power of two from ${MIN_RING_CAPACITY} to ${RING_MAX_CAPACITY}; got ${n}`);
  return n;
}

function url(name: string, value: unknown, fallback: URL): URL {
  if (value === undefined) return fallback;
  if (!(value instanceof URL)) throw new TypeError(`engine option ${name} must be a URL; got ${String(value)}`);
  return value;
}

function defaultOnFatal(error: Error): void {
  console.error(`ringline: engine stopped: ${error.message}`);
  process.exit(1);
}

export function validateEngineOptions(options: EngineOptions): ResolvedEngineOptions {
  if (options === null || typeof options !== 'object') throw new TypeError('engine options must be an object');
  for (const key of Object.keys(options)) {
    if (!OPTION_NAMES.has(key)) throw new RangeError(`unknown engine option ${key}; known: ${[...OPTION_NAMES].join(', ')}`);
  }
  if (typeof options.dataDir !== 'string' || options.dataDir.length === 0) {
    throw new RangeError(`engine option dataDir must be a non-empty directory path; got ${String(options.dataDir)}`);
  }
  const input = ringCapacity('ringCapacity', options.ringCapacity ?? DEFAULT_RING_CAPACITY);
  const output = ringCapacity('outputRingCapacity', options.outputRingCapacity ?? input);
  const waitStrategy = options.waitStrategy ?? DEFAULT_WAIT_STRATEGY;
  if (!isWaitStrategyName(waitStrategy)) {
    throw new RangeError(`engine option waitStrategy must be one of ${WAIT_STRATEGY_NAMES.join(', ')}; got ${String(waitStrategy)}`);
  }
  const batchMax = integer('batchMax', options.batchMax ?? DEFAULT_BATCH_MAX, 1, Math.min(input, output));
  if (options.logic !== undefined && (options.logic === null || typeof options.logic !== 'object')) {
    throw new TypeError('engine option logic must be an object of capacities');
  }
  const logic = validateLogicConfig({ ...DEFAULT_LOGIC_CONFIG, ...options.logic });
  const journal = validateJournalOptions({ ...DEFAULT_JOURNAL_OPTIONS, ...options.journal, dataDir: options.dataDir });
  const snapshotEveryCommands = integer('snapshotEveryCommands', options.snapshotEveryCommands ?? DEFAULT_SNAPSHOT_EVERY_COMMANDS, 0, Number.MAX_SAFE_INTEGER);
  const snapshotsKept = integer('snapshotsKept', options.snapshotsKept ?? DEFAULT_SNAPSHOTS_KEPT, 1, 1000);
  if (options.keepJournal !== undefined && typeof options.keepJournal !== 'boolean') {
    throw new TypeError(`engine option keepJournal must be a boolean; got ${String(options.keepJournal)}`);
  }
  if (options.repair !== undefined && typeof options.repair !== 'boolean') {
    throw new TypeError(`engine option repair must be a boolean; got ${String(options.repair)}`);
  }
  for (const name of ['onFatal', 'log'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      throw new TypeError(`engine option ${name} must be a function`);
    }
  }
  let replicator: ResolvedEngineOptions['replicator'] = null;
  if (options.replicator !== undefined && options.replicator !== null) {
    const r = options.replicator;
    const mode = r.mode ?? 'sync';
    if (mode !== 'sync' && mode !== 'async') throw new RangeError(`engine option replicator.mode must be sync or async; got ${String(mode)}`);
    if (!(r.entry instanceof URL)) throw new TypeError(`engine option replicator.entry must be a URL; got ${String(r.entry)}`);
    replicator = { entry: r.entry, mode, options: r.options ?? {} };
  }
  if (options.events !== undefined && typeof options.events !== 'boolean') {
    throw new TypeError(`engine option events must be a boolean (true: emit event records, false: off); got ${String(options.events)}`);
  }
  if (options.stampTimestamps !== undefined && typeof options.stampTimestamps !== 'boolean') {
    throw new TypeError(`engine option stampTimestamps must be a boolean; got ${String(options.stampTimestamps)}`);
  }
  const recoveryModule = options.recoveryModule === null ? null
    : url('recoveryModule', options.recoveryModule, new URL('../replay/recovery.ts', import.meta.url));
  return {
    dataDir: options.dataDir,
    ringCapacity: input,
    outputRingCapacity: output,
    waitStrategy,
    batchMax,
    logic,
    journal,
    snapshotEveryCommands,
    snapshotsKept,
    keepJournal: options.keepJournal ?? false,
    repair: options.repair ?? false,
    stopTimeoutMs: integer('stopTimeoutMs', options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS, 100, 3_600_000),
    onFatal: options.onFatal ?? defaultOnFatal,
    log: options.log ?? ((line: string) => console.error(line)),
    stateMachineModule: url('stateMachineModule', options.stateMachineModule, new URL('../core/logic/state_machine.ts', import.meta.url)),
    recoveryModule,
    journalerEntry: url('journalerEntry', options.journalerEntry, new URL('../journal/journaler_worker.ts', import.meta.url)),
    replicator,
    stampTimestamps: options.stampTimestamps ?? true,
    eventsRingCapacity: ringCapacity('eventsRingCapacity', options.eventsRingCapacity ?? DEFAULT_EVENTS_RING_CAPACITY),
    eventRetentionEvents: ringCapacity('eventRetentionEvents', options.eventRetentionEvents ?? DEFAULT_EVENT_RETENTION_EVENTS),
    events: options.events ?? true,
    recoveryReaderThreadMinBytes: integer('recoveryReaderThreadMinBytes',
      options.recoveryReaderThreadMinBytes ?? DEFAULT_RECOVERY_READER_THREAD_MIN_BYTES, 0, Number.MAX_SAFE_INTEGER),
    recoveryReaderThreadHandOverAt: options.recoveryReaderThreadHandOverAt === undefined ? undefined
      : integer('recoveryReaderThreadHandOverAt', options.recoveryReaderThreadHandOverAt, 0, Number.MAX_SAFE_INTEGER),
  };
}
