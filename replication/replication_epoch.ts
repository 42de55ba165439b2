/**
 * The epoch of a data directory: which primary term its journal belongs to. It is stored in
 * `<dataDir>/epoch` (a decimal number, written to a temp file, fsynced and renamed) and stamped in the
 * header of every journal segment the node writes (journal_descriptor.ts, SegmentHeader.EPOCH). The
 * epoch of a directory is the larger of the two, so a lost epoch file still leaves the journal's.
 * `ringline promote` raises it by one; a follower adopts its primary's; a node refuses a primary whose
 * epoch is older than its own (STALE_EPOCH).
 *
 * The file also records where the epoch began: `<epoch> <startSequence>`, the last sequence the node
 * held when it was promoted (every later sequence was written under this epoch). A primary refuses a
 * follower of an older epoch that holds records past that point: they were written under the old
 * epoch and may differ from the new primary's (an old primary's unreplicated tail).
 */
import { closeSync, fsyncSync, openSync, readFileSync, readSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32Bytes } from '../journal/crc32.ts';
import { SegmentHeader, SEGMENT_MAGIC } from '../journal/journal_descriptor.ts';
import { ensureDirectory, fsyncDirectory, listSegments } from '../journal/segment_files.ts';
import { DATA_FILE_MODE } from '../core/data_file_modes.ts';

export const EPOCH_FILE_NAME = 'epoch';

/** Epoch and start sequence from the epoch file: { 0, -1 } when there is none; start -1 when unknown. */
function fileEpoch(dataDir: string): { epoch: number; startSequence: number } {
  let text: string;
  try {
    text = readFileSync(join(dataDir, EPOCH_FILE_NAME), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { epoch: 0, startSequence: -1 };
    throw error;
  }
  const fields = text.trim().split(/\s+/);
  const epoch = Number(fields[0]);
  const startSequence = fields.length > 1 ? Number(fields[1]) : -1;
  if (fields.length > 2 || !Number.isSafeInteger(epoch) || epoch < 0 || !Number.isSafeInteger(startSequence) || startSequence < -1) {
    throw new Error(`epoch file ${join(dataDir, EPOCH_FILE_NAME)} holds ${JSON.stringify(text.trim())}, not "<epoch> [<startSequence>]" (integers)`);
  }
  return { epoch, startSequence };
}

/** The epoch stamped in the newest segment's header (0 without segments or with a damaged header). */
function journalEpoch(dataDir: string): number {
  const segments = listSegments(dataDir);
  if (segments.length === 0) return 0;
  const header = Buffer.alloc(SegmentHeader.BYTES);
  const fd = openSync(segments[segments.length - 1].path, 'r');
  try {
    if (readSync(fd, header, 0, SegmentHeader.BYTES, 0) !== SegmentHeader.BYTES) return 0;
  } finally {
    closeSync(fd);
  }
  const valid = header.readUInt32LE(SegmentHeader.MAGIC) === SEGMENT_MAGIC &&
    header.readUInt32LE(SegmentHeader.HEADER_CRC) === crc32Bytes(header, 0, SegmentHeader.HEADER_CRC);
  return valid ? header.readDoubleLE(SegmentHeader.EPOCH) : 0;
}

export function readEpoch(dataDir: string): number {
  return Math.max(fileEpoch(dataDir).epoch, journalEpoch(dataDir));
}

/** The last sequence before the directory's epoch began, or -1 when not recorded (epoch 0, older files). */
export function readEpochStart(dataDir: string): number {
  const file = fileEpoch(dataDir);
  return file.epoch === readEpoch(dataDir) ? file.startSequence : -1;
}

/**
 * Durably records `epoch` for `dataDir`, begun after `startSequence` (-1: not recorded). Never lowers
 * the epoch: a smaller value than stored is refused.
 */
export function writeEpoch(dataDir: string, epoch: number, startSequence = -1): void {
  if (!Number.isSafeInteger(epoch) || epoch < 0) throw new RangeError(`epoch must be an integer >= 0; got ${epoch}`);
  const current = readEpoch(dataDir);
  if (epoch < current) throw new RangeError(`epoch ${epoch} is older than the data directory's epoch ${current}`);
  ensureDirectory(dataDir, true);
  const path = join(dataDir, EPOCH_FILE_NAME);
  const temp = `${path}.tmp`;
  const fd = openSync(temp, 'w', DATA_FILE_MODE);
  try {
    writeSync(fd, startSequence >= 0 ? `${epoch} ${startSequence}\n` : `${epoch}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
  fsyncDirectory(dataDir);
}
