/**
 * Finding segment files and fsyncing directories: the small file-system helpers the writer, the
 * recovery and the retention policy share.
 */
import { chmodSync, closeSync, fdatasyncSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { JOURNAL_DIR_NAME, parseSegmentFileName } from './journal_descriptor.ts';
import { DATA_DIR_MODE } from '../core/data_file_modes.ts';

export interface SegmentFile {
  readonly path: string;
  readonly name: string;
  readonly firstSequence: number;
}

export function journalDir(dataDir: string): string {
  return join(dataDir, JOURNAL_DIR_NAME);
}

/** The names in `dir`; a directory that does not exist (yet) holds none. */
export function namesInDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Segment files of a data directory, oldest first; an absent journal directory has none. */
export function listSegments(dataDir: string): SegmentFile[] {
  const dir = journalDir(dataDir);
  const names = namesInDir(dir);
  const segments: SegmentFile[] = [];
  for (const name of names) {
    const firstSequence = parseSegmentFileName(name);
    if (firstSequence >= 0) segments.push({ path: join(dir, name), name, firstSequence });
  }
  return segments.sort((a, b) => a.firstSequence - b.firstSequence);
}

/** Cuts a file to `bytes` and makes the cut durable (ftruncate + fdatasync). */
export function truncateDurably(path: string, bytes: number): void {
  const fd = openSync(path, 'r+');
  try {
    ftruncateSync(fd, bytes);
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Makes a directory entry change (create, rename, unlink) durable. */
export function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Creates `dir` (and its parents) when missing, owner-only (DATA_DIR_MODE). With `durable`, a
 * directory it created is made durable too: its parent's entry is fsynced, so a machine crash cannot
 * lose the directory itself. With `tighten`, an existing `dir` is set to DATA_DIR_MODE too (the
 * journal and snapshot directories, which the engine owns; never a data directory the operator named).
 */
export function ensureDirectory(dir: string, durable = false, tighten = false): void {
  const created = mkdirSync(dir, { recursive: true, mode: DATA_DIR_MODE });
  if (created === undefined && tighten) chmodSync(dir, DATA_DIR_MODE);
  if (durable && created !== undefined) fsyncDirectory(dirname(dir));
}
