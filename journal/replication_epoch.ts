/**
 * The epoch of a data directory: which primary term its journal belongs to. It is stored in
 * `<dataDir>/epoch` (a decimal number, written to a temp file, fsynced and renamed) and stamped in the
 * header of every journal segment the node writes (journal_descriptor.ts, SEG_EPOCH_OFFSET). The
 * epoch of a directory is the larger of the two, so a lost epoch file still leaves the journal's.
 * `ringline promote` raises it by one; a follower adopts its primary's; a node refuses a primary whose
 * epoch is older than its own (STALE_EPOCH).
 */
import { closeSync, fsyncSync, openSync, readFileSync, readSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32Bytes } from './crc32.ts';
import { SEGMENT_HEADER_BYTES, SEGMENT_MAGIC, SEG_EPOCH_OFFSET, SEG_HEADER_CRC_OFFSET, SEG_MAGIC_OFFSET } from './journal_descriptor.ts';
import { ensureDirectory, fsyncDirectory, listSegments } from './segment_files.ts';

export const EPOCH_FILE_NAME = 'epoch';

function fileEpoch(dataDir: string): number {
  let text: string;
  try {
    text = readFileSync(join(dataDir, EPOCH_FILE_NAME), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  const epoch = Number(text.trim());
  if (!Number.isSafeInteger(epoch) || epoch < 0) {
    throw new Error(`epoch file ${join(dataDir, EPOCH_FILE_NAME)} holds ${JSON.stringify(text.trim())}, not an epoch (an integer >= 0)`);
  }
  return epoch;
}

/** The epoch stamped in the newest segment's header (0 without segments or with a damaged header). */
function journalEpoch(dataDir: string): number {
  const segments = listSegments(dataDir);
  if (segments.length === 0) return 0;
  const header = Buffer.alloc(SEGMENT_HEADER_BYTES);
  const fd = openSync(segments[segments.length - 1].path, 'r');
  try {
    if (readSync(fd, header, 0, SEGMENT_HEADER_BYTES, 0) !== SEGMENT_HEADER_BYTES) return 0;
  } finally {
    closeSync(fd);
  }
  const valid = header.readUInt32LE(SEG_MAGIC_OFFSET) === SEGMENT_MAGIC &&
    header.readUInt32LE(SEG_HEADER_CRC_OFFSET) === crc32Bytes(header, 0, SEG_HEADER_CRC_OFFSET);
  return valid ? header.readDoubleLE(SEG_EPOCH_OFFSET) : 0;
}

export function readEpoch(dataDir: string): number {
  return Math.max(fileEpoch(dataDir), journalEpoch(dataDir));
}

/** Durably records `epoch` for `dataDir` (never lowers it: a smaller value than stored is refused). */
export function writeEpoch(dataDir: string, epoch: number): void {
  if (!Number.isSafeInteger(epoch) || epoch < 0) throw new RangeError(`epoch must be an integer >= 0; got ${epoch}`);
  const current = readEpoch(dataDir);
  if (epoch < current) throw new RangeError(`epoch ${epoch} is older than the data directory's epoch ${current}`);
  ensureDirectory(dataDir, true);
  const path = join(dataDir, EPOCH_FILE_NAME);
  const temp = `${path}.tmp`;
  const fd = openSync(temp, 'w');
  try {
    writeSync(fd, `${epoch}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
  fsyncDirectory(dataDir);
}
