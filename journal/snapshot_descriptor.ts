/**
 * Snapshot file layout: the business-logic state at one sequence boundary, as the named sections
 * StateMachine.exportState() returns, each with its own CRC-32. Little-endian throughout.
 *
 * Version 2 (the one written) stores each section sparsely: a chunk map and only
 * the chunks that hold a non-zero byte. At the default capacities most of the ~116 MB of preallocated
 * state is zero; a version-1 file stored all of it. Readers rebuild each section zero-filled, whole.
 * Version 1 files (every section stored whole) are still read.
 *
 * Header (128 bytes)
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                        magic (u32)                            |   0  SNAPSHOT_MAGIC ("RLS1")
 *   |          version (u16)        |       headerBytes (u16)       |   4  1 or 2 (SNAPSHOT_VERSION), 128
 *   |                    sequence (f64, 8 bytes)                    |   8  last sequence applied
 *   |                     sectionCount (u32)                        |  16
 *   |                   stateHashLength (u32)                       |  20  ASCII bytes of the hash
 *   |                    fileBytes (f64, 8 bytes)                   |  24  whole file, catches truncation
 *   |                 stateHash (64 bytes, ASCII hex)              ...  32
 *   |                      chunkBytes (u32)                         |  96  v2: bytes per chunk; v1: zero
 *   |                    reserved (24 bytes, zero)                 ... 100
 *   |                      headerCrc (u32)                          | 124  CRC-32 of bytes 0..123 + section table
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * Section table: sectionCount entries of 64 bytes, from byte 128
 *   |                  name (40 bytes, ASCII, zero padded)         ...  +0
 *   |                      nameLength (u32)                         | +40
 *   |                         crc32 (u32)                           | +44  CRC-32 of the section's stored bytes
 *   |                   dataOffset (f64, 8 bytes)                   | +48  from the file start, 8-aligned
 *   |                   lengthBytes (f64, 8 bytes)                  | +56  the section's length, zeros included
 * Section data follows the table, each section starting on an 8-byte boundary.
 *   v1: the section's bytes, whole; crc32 covers them.
 *   v2: the chunk map, then the stored chunks. The section is cut into ceil(lengthBytes / chunkBytes)
 *       chunks (the last one may be shorter); the map has two bits per chunk (chunk c: byte c >> 2,
 *       bits 2(c & 3)..; unused bits of its last byte zero), zero-padded to 8 bytes:
 *         0 ZERO       all zero, not stored
 *         1 STORED     its bytes follow
 *         2 CONTINUED  not stored: each u32 word w of chunk c is 2·w(c-1) − w(c-2) modulo 2^32, word
 *                      for word (chunk 1: equal to chunk 0); only a whole chunk, never chunk 0
 *         3            unassigned (a map holding it is damaged)
 *       The STORED chunks follow in ascending order, back to back. crc32 covers the map (unpadded)
 *       and the stored chunks, in file order. A reader places the stored chunks, then fills the
 *       CONTINUED ones in ascending order.
 *
 * Files: `<dataDir>/snapshots/<sequence, 20 digits>.snapshot`, written as `<name>.tmp`, fdatasynced,
 * renamed, and the directory fsynced: a snapshot file either is complete or does not exist.
 */
import { parseSequenceFileName, sequenceFileName } from './sequence_file_name.ts';
import { layoutAssertion } from '../codec/layout_assertion.ts';
import { bytes, F64, fixedLayout, U16, U32 } from '../codec/fixed_layout.ts';

export const SNAPSHOT_MAGIC = 0x31534c52; // "RLS1" read as little-endian bytes
/** The version written: sparse sections (chunk map + non-zero chunks). */
export const SNAPSHOT_VERSION = 2;
/** Every section stored whole; still read. */
export const SNAPSHOT_VERSION_DENSE = 1;
export const SnapHeader = fixedLayout('snapshot header', {
  MAGIC: U32, VERSION: U16, HEADER_BYTES: U16, SEQUENCE: F64, SECTION_COUNT: U32, STATE_HASH_LENGTH: U32,
  FILE_BYTES: F64, STATE_HASH: bytes(64), CHUNK_BYTES: U32, RESERVED: U32, RESERVED_REST: bytes(20), HEADER_CRC: U32, // 24 reserved bytes
});
/** The longest state hash the header holds (its STATE_HASH field). */
export const SNAP_STATE_HASH_MAX_BYTES = SnapHeader.CHUNK_BYTES - SnapHeader.STATE_HASH;

/** One entry of the section table (sectionCount of them, from SnapHeader.BYTES). */
export const SectionEntry = fixedLayout('snapshot section entry', {
  NAME: bytes(40), NAME_LENGTH: U32, CRC: U32, DATA: F64, LENGTH: F64,
});
export const SECTION_NAME_MAX_BYTES = SectionEntry.NAME_LENGTH - SectionEntry.NAME;
/** Bytes per chunk of a v2 section: zero runs shorter than this are stored. */
export const SNAPSHOT_CHUNK_BYTES = 64 * 1024;
/** The chunk sizes a reader accepts (powers of two). */
export const SNAPSHOT_CHUNK_MIN_BYTES = 512;
export const SNAPSHOT_CHUNK_MAX_BYTES = 16 * 1024 * 1024;
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
assertLayout(SnapHeader.BYTES === 128 && SnapHeader.STATE_HASH === 32 && SnapHeader.CHUNK_BYTES === 96, 'header as drawn');
assertLayout(SnapHeader.HEADER_CRC + 4 === SnapHeader.BYTES, 'header CRC must be the last header field');
assertLayout(SectionEntry.BYTES === 64 && SectionEntry.DATA === 48, 'section entry as drawn');
assertLayout(SnapHeader.BYTES % 8 === 0 && SectionEntry.BYTES % 8 === 0, 'table must keep data 8-aligned');
assertLayout(SNAPSHOT_CHUNK_BYTES % 8 === 0 && SNAPSHOT_CHUNK_BYTES >= SNAPSHOT_CHUNK_MIN_BYTES && SNAPSHOT_CHUNK_BYTES <= SNAPSHOT_CHUNK_MAX_BYTES, 'chunk size in range');
assertLayout(parseSnapshotFileName(snapshotFileName(7)) === 7, 'snapshot names must round-trip');
