/**
 * Journal on-disk layout: append-only segment files, each a 64-byte segment header followed by
 * frames. A frame is an 8-byte frame header and then the input record exactly as it travelled through
 * the input ring (codec/records/command_descriptor.ts; its header carries the sequence). Records are
 * multiples of 8 bytes and the segment header is 64 bytes, so every record in a segment read into an
 * 8-aligned buffer starts on an 8-byte boundary and replay reads it in place, without copying.
 * Little-endian throughout.
 *
 * Segment header (64 bytes)
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                        magic (u32)                            |  0  SEGMENT_MAGIC ("RLJ1")
 *   |          version (u16)        |       headerBytes (u16)       |  4  SEGMENT_VERSION, 64
 *   |                 firstSequence (f64, 8 bytes)                  |  8  sequence of the first frame
 *   |                     epoch (f64, 8 bytes)                      | 16  primary's epoch (replication)
 *   |                    reserved (36 bytes, zero)                 ... 24
 *   |                      headerCrc (u32)                          | 60  CRC-32 of bytes 0..59
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Frame (8 + record lengthBytes; a multiple of 8)
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                     frameBytes (u32)                          |  0  8 + the record's lengthBytes
 *   |                       crc32 (u32)                             |  4  CRC-32 of the record bytes
 *   |              input record (lengthBytes, 8-aligned)           ... 8
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * The CRC covers the record, whose own first field is its length: a damaged frameBytes is caught by
 * frameBytes != 8 + lengthBytes, a damaged record by the CRC. Sequences are contiguous through a
 * segment and across segments: every record of the input ring is journaled, read-only ones included,
 * because applying a read-only command still moves the state's last-applied sequence (part of the
 * state hash), and because a gap can then only mean lost data.
 *
 * Files: `<dataDir>/journal/<firstSequence, 20 digits>.journal`, rolled when the next frame would
 * take the segment past JournalOptions.segmentBytes. A segment is created when its first frame is
 * written, so its name is always the sequence of that frame.
 */
import { CmdHeader, CMD_MAX_RECORD_BYTES } from '../codec/records/command_descriptor.ts';
import { layoutAssertion } from '../codec/layout_assertion.ts';
import { bytes, F64, fixedLayout, TAIL, U16, U32 } from '../codec/fixed_layout.ts';
import { parseSequenceFileName, sequenceFileName } from './sequence_file_name.ts';

// ---- segment header -------------------------------------------------------------------------------
export const SEGMENT_MAGIC = 0x314a4c52; // "RLJ1" read as little-endian bytes
export const SEGMENT_VERSION = 1;
export const SegmentHeader = fixedLayout('segment header', {
  MAGIC: U32, VERSION: U16, HEADER_BYTES: U16, FIRST_SEQUENCE: F64, EPOCH: F64, RESERVED: bytes(36), HEADER_CRC: U32,
});

// ---- frame ----------------------------------------------------------------------------------------
export const JournalFrame = fixedLayout('journal frame', { FRAME_BYTES: U32, CRC: U32, RECORD: TAIL });
export const FRAME_MIN_BYTES = JournalFrame.BYTES + CmdHeader.BYTES;
export const FRAME_MAX_BYTES = JournalFrame.BYTES + CMD_MAX_RECORD_BYTES;

// ---- files ------------------------------------------------------------------------------------------
export const JOURNAL_DIR_NAME = 'journal';
export const SEGMENT_FILE_SUFFIX = '.journal';
/** The smallest segment size accepted: a header and the largest frame must fit. */
export const SEGMENT_MIN_BYTES = 64 * 1024;

export function segmentFileName(firstSequence: number): string {
  return sequenceFileName(firstSequence, SEGMENT_FILE_SUFFIX);
}

/** The first sequence encoded in a segment file name, or -1 when the name is not a segment's. */
export function parseSegmentFileName(name: string): number {
  return parseSequenceFileName(name, SEGMENT_FILE_SUFFIX);
}

// ---- load-time checks ---------------------------------------------------------------------------------
const assertLayout = layoutAssertion('journal layout');
assertLayout(SegmentHeader.BYTES % 8 === 0, 'segment header must keep records 8-aligned');
assertLayout(JournalFrame.BYTES % 8 === 0, 'frame header must keep records 8-aligned');
assertLayout(SegmentHeader.BYTES === 64 && SegmentHeader.HEADER_CRC === 60 && SegmentHeader.EPOCH === 16, 'segment header as drawn, CRC last');
assertLayout(JournalFrame.BYTES === 8, 'frame header as drawn');
assertLayout(SEGMENT_MIN_BYTES >= SegmentHeader.BYTES + FRAME_MAX_BYTES, 'minimum segment must hold a frame');
assertLayout(parseSegmentFileName(segmentFileName(42)) === 42, 'segment names must round-trip');
