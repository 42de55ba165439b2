/**
 * Journal configuration, validated up front: every message names the option and its accepted range.
 */
import { SEGMENT_MIN_BYTES } from './journal_descriptor.ts';
import { isWaitStrategyName, WAIT_STRATEGY_NAMES, type WaitStrategyName } from '../core/ring/wait_strategy.ts';

export type Durability = 'fsync' | 'batch' | 'none';
export const DURABILITY_MODES: readonly Durability[] = ['fsync', 'batch', 'none'];

export interface JournalOptions {
  /** Directory holding journal/ and snapshots/; created when missing. */
  readonly dataDir: string;
  /**
   * fsync (default): a command is durable (and acknowledged) only after the fdatasync of its batch.
   * batch: written at once, fdatasync at most every batchIntervalMs; a crash of the machine (not of the
   * process) can lose up to that interval. none: never fsync; the OS decides.
   */
  readonly durability: Durability;
  /**
   * batch mode: the longest time written data waits for its fdatasync while commands keep coming; when
   * the ring goes idle the sync happens at the journaler's next wake-up (within the wait strategy's
   * park time, e.g. 20 ms for spin_park).
   */
  readonly batchIntervalMs: number;
  /** A segment is rolled when the next frame would take it past this size. */
  readonly segmentBytes: number;
  /** Preallocated write buffer: one write() per batch as long as the batch fits (8192 records of 512 B do). */
  readonly writeBufferBytes: number;
  /** The primary's epoch, stamped in every segment header (replication). */
  readonly epoch: number;
  /**
   * How the journaler waits for records; unset = the engine's wait strategy. On a VM a thread that
   * sleeps can take milliseconds to get its core back, and every acknowledgement waits on the
   * journaler: `busy_spin` buys the lowest durable latency for a whole core (docs/journal.md, "Durability modes").
   */
  readonly waitStrategy?: WaitStrategyName;
  /**
   * After a storage fault (ENOSPC, EDQUOT, EIO, EROFS, EFBIG on write or fdatasync; EMFILE, ENFILE on
   * opening a segment) the journaler keeps the batch, refuses nothing itself, and tries the batch
   * again this often until it succeeds (journal/storage_fault.ts).
   */
  readonly storageRetryMs: number;
  /**
   * fsync and batch durability: prepare the next segment ahead (full size, zero-filled by real writes,
   * synced) on a small worker, so the journaler only overwrites and an fdatasync commits data only
   * (journal/segment_preparation.ts). Costs a second segment's worth of disk. Ignored with none.
   */
  readonly prepareSegments: boolean;
}

export const DEFAULT_JOURNAL_OPTIONS: Omit<JournalOptions, 'dataDir'> = {
  durability: 'fsync',
  batchIntervalMs: 5,
  segmentBytes: 256 * 1024 * 1024,
  writeBufferBytes: 8 * 1024 * 1024,
  epoch: 0,
  storageRetryMs: 250,
  // Off: measured quiet, prepared segments cut the journaler's fdatasync p50 (84 against 108 µs) but
  // raised the durable latency's p99 at 50k/s about threefold while a zero-fill ran (docs/journal.md).
  prepareSegments: false,
};

export const SEGMENT_MAX_BYTES = 2 ** 31;
export const WRITE_BUFFER_MIN_BYTES = 64 * 1024;
export const WRITE_BUFFER_MAX_BYTES = 256 * 1024 * 1024;
export const BATCH_INTERVAL_MAX_MS = 60_000;

function checkInteger(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`journal option ${name} must be an integer from ${min} to ${max}; got ${String(value)}`);
  }
  return value;
}

function checkBoolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new RangeError(`journal option ${name} must be true or false; got ${String(value)}`);
  return value;
}

/** Fills defaults and checks every field; throws a RangeError naming the option and its range. */
export function validateJournalOptions(options: Partial<JournalOptions> & { dataDir: string }): JournalOptions {
  if (typeof options.dataDir !== 'string' || options.dataDir.length === 0) {
    throw new RangeError(`journal option dataDir must be a non-empty directory path; got ${String(options.dataDir)}`);
  }
  const merged = { ...DEFAULT_JOURNAL_OPTIONS, ...options };
  if (!DURABILITY_MODES.includes(merged.durability)) {
    throw new RangeError(
      `journal option durability must be one of ${DURABILITY_MODES.join(', ')}; got ${String(merged.durability)}`,
    );
  }
  if (merged.waitStrategy !== undefined && !isWaitStrategyName(merged.waitStrategy)) {
    throw new RangeError(
      `journal option waitStrategy must be one of ${WAIT_STRATEGY_NAMES.join(', ')}; got ${String(merged.waitStrategy)}`,
    );
  }
  return {
    dataDir: merged.dataDir,
    durability: merged.durability,
    batchIntervalMs: checkInteger('batchIntervalMs', merged.batchIntervalMs, 1, BATCH_INTERVAL_MAX_MS),
    segmentBytes: checkInteger('segmentBytes', merged.segmentBytes, SEGMENT_MIN_BYTES, SEGMENT_MAX_BYTES),
    writeBufferBytes: checkInteger(
      'writeBufferBytes', merged.writeBufferBytes, WRITE_BUFFER_MIN_BYTES, WRITE_BUFFER_MAX_BYTES,
    ),
    epoch: checkInteger('epoch', merged.epoch, 0, Number.MAX_SAFE_INTEGER),
    storageRetryMs: checkInteger('storageRetryMs', merged.storageRetryMs, 10, 60_000),
    prepareSegments: checkBoolean('prepareSegments', merged.prepareSegments),
    ...(merged.waitStrategy === undefined ? {} : { waitStrategy: merged.waitStrategy }),
  };
}
