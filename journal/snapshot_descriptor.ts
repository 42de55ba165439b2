/**
 * Snapshot file layout: the business-logic state at one sequence boundary, as the named sections
 * StateMachine.exportState() returns, each with its own CRC-32. Little-endian throughout.
 *
 * Header (128 bytes)
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                        magic (u32)                            |   0  SNAPSHOT_MAGIC ("RLS1")
 *   |          version (u16)        |       headerBytes (u16)       |   4  SNAPSHOT_VERSION, 128
 *   |                    sequence (f64, 8 bytes)                    |   8  last sequence applied
 *   |                     sectionCount (u32)                        |  16
 *   |                   stateHashLength (u32)                       |  20  ASCII bytes of the hash
 *   |                    fileBytes (f64, 8 bytes)                   |  24  whole file, catches truncation
 *   |                 stateHash (64 bytes, ASCII hex)              ...  32
 *   |                    reserved (28 bytes, zero)                 ...  96
 *   |                      headerCrc (u32)                          | 124  CRC-32 of bytes 0..123 + section table
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * Section table: sectionCount entries of 64 bytes, from byte 128
 *   |                  name (40 bytes, ASCII, zero padded)         ...  +0
 *   |                      nameLength (u32)                         | +40
 *   |                         crc32 (u32)                           | +44  CRC-32 of the section bytes
 *   |                   dataOffset (f64, 8 bytes)                   | +48  from the file start, 8-aligned
 *   |                   lengthBytes (f64, 8 bytes)                  | +56
 * Section data follows the table, each section starting on an 8-byte boundary.
 *
 * Files: `<dataDir>/snapshots/<sequence, 20 digits>.snapshot`, written as `<name>.tmp`, fdatasynced,
 * renamed, and the directory fsynced: a snapshot file either is complete or does not exist.
 */
import { parseSequenceFileName, sequenceFileName } from './sequence_file_name.ts';
import { layoutAssertion } from '../codec/layout_assertion.ts';

export const SNAPSHOT_MAGIC = 0x31534c52; // "RLS1" read as little-endian bytes
export const SNAPSHOT_VERSION = 1;
export const SNAP_MAGIC_OFFSET = 0; // u32
export const SNAP_VERSION_OFFSET = 4; // u16
export const SNAP_HEADER_BYTES_OFFSET = 6; // u16
export const SNAP_SEQUENCE_OFFSET = 8; // f64
export const SNAP_SECTION_COUNT_OFFSET = 16; // u32
export const SNAP_STATE_HASH_LENGTH_OFFSET = 20; // u32
export const SNAP_FILE_BYTES_OFFSET = 24; // f64
export const SNAP_STATE_HASH_OFFSET = 32; // 64 bytes
export const SNAP_STATE_HASH_MAX_BYTES = 64;
export const SNAP_HEADER_CRC_OFFSET = 124; // u32
export const SNAPSHOT_HEADER_BYTES = 128;

export const SECTION_ENTRY_BYTES = 64;
export const SECTION_NAME_OFFSET = 0;
export const SECTION_NAME_MAX_BYTES = 40;
export const SECTION_NAME_LENGTH_OFFSET = 40; // u32
export const SECTION_CRC_OFFSET = 44; // u32
export const SECTION_DATA_OFFSET = 48; // f64
export const SECTION_LENGTH_OFFSET = 56; // f64
/** A bound on the table so a damaged count cannot make the reader allocate without limit. */
export const SNAPSHOT_MAX_SECTIONS = 4096;

export const SNAPSHOT_DIR_NAME = 'snapshots';
export const SNAPSHOT_FILE_SUFFIX = '.snapshot';
export const SNAPSHOT_TEMP_SUFFIX = '.tmp';

export function snapshotFileName(sequence: number): string {
  return sequenceFileName(sequence, SNAPSHOT_FILE_SUFFIX);
}

/** The sequence in a snapshot file name, or -1 when the name is not a snapshot's. */
export function parseSnapshotFileName(name: string): number {
  return parseSequenceFileName(name, SNAPSHOT_FILE_SUFFIX);
}

const assertLayout = layoutAssertion('snapshot layout');
assertLayout(SNAP_STATE_HASH_OFFSET + SNAP_STATE_HASH_MAX_BYTES <= SNAP_HEADER_CRC_OFFSET, 'hash must not overlap the CRC');
assertLayout(SNAP_HEADER_CRC_OFFSET + 4 === SNAPSHOT_HEADER_BYTES, 'header CRC must be the last header field');
assertLayout(SNAPSHOT_HEADER_BYTES % 8 === 0 && SECTION_ENTRY_BYTES % 8 === 0, 'table must keep data 8-aligned');
assertLayout(SECTION_NAME_MAX_BYTES <= SECTION_NAME_LENGTH_OFFSET, 'section name must not overlap its length');
assertLayout(parseSnapshotFileName(snapshotFileName(7)) === 7, 'snapshot names must round-trip');
