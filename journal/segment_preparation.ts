/**
 * Journal segments prepared ahead: the next segment file is created at its full size and filled with
 * zeros by real writes, fdatasynced, and its directory entry fsynced, before the journaler needs it.
 * The journaler then only ever overwrites blocks that exist: an fdatasync commits the data alone, not
 * the file's size and extents (on ext4/xfs an append makes every fdatasync a journal transaction).
 * `fallocate` alone would not do: its unwritten extents still need a metadata commit at first write.
 *
 * Files (in the journal directory, never taken for journal: listSegments() matches only
 * `<20 digits>.journal`):
 *   next.journal-preparing   being written; a crash leaves it, and the next start deletes it
 *   next.journal-prepared    complete: zeros, synced, full size; renamed to `<firstSequence>.journal`
 *                            when the journaler rolls into it (a restart reuses one of the right size)
 *
 * The work runs on its own small worker (segment_preparer_worker.ts), never on the journaler thread:
 * the journaler's loop never returns to its event loop, so async fs callbacks would never run there.
 * The two share an Int32Array (PREP_* slots); the journaler's only steady-path cost is an Atomics.load.
 */
import { closeSync, fdatasyncSync, openSync, renameSync, statfsSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DATA_FILE_MODE } from '../core/data_file_modes.ts';
import { fsyncDirectory, namesInDir } from './segment_files.ts';

export const PREPARING_FILE_NAME = 'next.journal-preparing';
export const PREPARED_FILE_NAME = 'next.journal-prepared';

/** Shared state slots (Int32Array of PREP_SLOTS). */
export const PREP_STATE = 0;
/** Files prepared over the worker's life. */
export const PREP_DONE = 1;
/** Attempts that failed (a full disk, EIO, ...) or were skipped for want of free space. */
export const PREP_FAILED = 2;
/** Last preparation's duration in ms. */
export const PREP_LAST_MS = 3;
export const PREP_SLOTS = 4;

export const PrepState = {
  /** Nothing asked, nothing ready. */
  IDLE: 0,
  /** The journaler wants a prepared file: the worker is (or will be) writing one. */
  REQUESTED: 1,
  /** next.journal-prepared is complete and durable: the journaler may take it. */
  READY: 2,
  /** The worker is to exit. */
  STOP: 3,
} as const;

/** Bytes written per write() while zero-filling. */
export const ZERO_CHUNK_BYTES = 1024 * 1024;
/** fdatasync every this many bytes while zero-filling, so the writeback arrives in small steps, not one burst. */
export const ZERO_SYNC_EVERY_BYTES = 4 * 1024 * 1024;
/**
 * The zero-fill's pace. Unpaced, a 256 MiB fill took the device for ~1 s and the journaler's
 * fdatasyncs queued behind it (fsync-50k p50 1.2 -> 15 ms in `npm run bench -- journal`); at this pace
 * a default segment takes ~8 s, far less than it lasts at 50k commands/s (~50 s of ~100-byte frames).
 * Faster than this the journal outruns the preparer and appends (the fallback) until one is ready.
 * The first file after start is written unpaced (~0.2 s here): before the engine serves, or in its
 * first moments, it costs least, and the journaler rolls into it as soon as it is ready.
 */
export const ZERO_FILL_BYTES_PER_S = 32 * 1024 * 1024;

/**
 * Whether there is room to prepare a segment of `segmentBytes` and still leave as much free: a
 * preparer must never be what fills the disk (the journal would then fault on its own zeros).
 */
export function hasRoomToPrepare(dir: string, segmentBytes: number): boolean {
  const s = statfsSync(dir);
  return s.bavail * s.bsize >= 2 * segmentBytes;
}

/**
 * Writes a prepared segment file: zeros by real writes under PREPARING_FILE_NAME, fdatasync, rename
 * to PREPARED_FILE_NAME, directory fsync. On failure the half-written file is removed and the error
 * thrown. `zeros` is a reused buffer of zeros; `pause(ms)` waits to hold ZERO_FILL_BYTES_PER_S
 * and returns false to give up (the default does not wait: unpaced).
 */
export function prepareSegmentFile(dir: string, segmentBytes: number, zeros: Uint8Array, pause: (ms: number) => boolean = () => true): void {
  const temp = join(dir, PREPARING_FILE_NAME);
  const fd = openSync(temp, 'w', DATA_FILE_MODE);
  try {
    let sinceSync = 0;
    const started = performance.now();
    for (let offset = 0; offset < segmentBytes;) {
      const n = writeSync(fd, zeros, 0, Math.min(zeros.length, segmentBytes - offset), offset);
      offset += n;
      sinceSync += n;
      if (sinceSync >= ZERO_SYNC_EVERY_BYTES) {
        fdatasyncSync(fd);
        sinceSync = 0;
      }
      const aheadMs = (offset / ZERO_FILL_BYTES_PER_S) * 1000 - (performance.now() - started);
      if (aheadMs > 1 && !pause(aheadMs)) throw new Error('segment preparation stopped');
    }
    fdatasyncSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkQuietly(temp);
    throw error;
  }
  closeSync(fd);
  try {
    renameSync(temp, join(dir, PREPARED_FILE_NAME));
    fsyncDirectory(dir);
  } catch (error) {
    unlinkQuietly(temp);
    throw error;
  }
}

/**
 * At start: removes a half-prepared file, and a prepared one that does not have `segmentBytes` (the
 * option changed). Returns whether a usable prepared file is left.
 */
export function tidyPreparedFiles(dir: string, segmentBytes: number): boolean {
  const names = namesInDir(dir);
  if (names.includes(PREPARING_FILE_NAME)) unlinkQuietly(join(dir, PREPARING_FILE_NAME));
  if (!names.includes(PREPARED_FILE_NAME)) return false;
  const path = join(dir, PREPARED_FILE_NAME);
  if (statSync(path).size === segmentBytes) return true;
  unlinkQuietly(path);
  return false;
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // gone already, or the directory refuses: a leftover is removed at the next start
  }
}
