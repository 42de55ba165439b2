/**
 * A sparse section of a version-2 snapshot file (snapshot_descriptor.ts): each chunk of a section is
 *   ZERO       all zero: not stored;
 *   CONTINUED  each of its u32 words continues the two chunks before it linearly, word for word
 *              (2·previous − the one before, modulo 2^32; for chunk 1: equal to chunk 0): not stored.
 *              The pools' free lists are linked through `next = i + 1` fields and sentinel fills
 *              (-1), so an unused pool is all CONTINUED chunks after its first two;
 *   STORED     anything else: its bytes follow in the file.
 * Runs of consecutive STORED chunks lie back to back both in the section and in the file, so they are
 * written, checksummed and read as one. Zero chunks are found with Buffer.compare against a zero chunk
 * (memcmp), so a mostly empty 100 MB state is scanned in milliseconds and neither copied nor
 * checksummed.
 */
import { SNAPSHOT_CHUNK_MAX_BYTES, SNAPSHOT_CHUNK_MIN_BYTES } from './snapshot_descriptor.ts';

export const ChunkKind = { ZERO: 0, STORED: 1, CONTINUED: 2 } as const;
export type ChunkKind = (typeof ChunkKind)[keyof typeof ChunkKind];
/** Bits per chunk in a chunk map; chunk c's kind is bits 2(c & 3).. of byte c >> 2. */
const KIND_BITS = 2;
const CHUNKS_PER_BYTE = 8 / KIND_BITS;
/** Kind 3 is not assigned: a map holding it is damaged. */
export const CHUNK_KIND_UNASSIGNED = 3;

export function chunkCount(lengthBytes: number, chunkBytes: number): number {
  return Math.ceil(lengthBytes / chunkBytes);
}

/** Bytes of a section's chunk map, before its padding to 8. */
export function chunkMapBytes(lengthBytes: number, chunkBytes: number): number {
  return Math.ceil(chunkCount(lengthBytes, chunkBytes) / CHUNKS_PER_BYTE);
}

export function isValidChunkBytes(chunkBytes: number): boolean {
  return Number.isInteger(chunkBytes) && chunkBytes >= SNAPSHOT_CHUNK_MIN_BYTES && chunkBytes <= SNAPSHOT_CHUNK_MAX_BYTES
    && (chunkBytes & (chunkBytes - 1)) === 0;
}

export function chunkKind(map: Uint8Array, c: number): number {
  return (map[Math.floor(c / CHUNKS_PER_BYTE)] >>> (KIND_BITS * (c % CHUNKS_PER_BYTE))) & 3;
}

function setChunkKind(map: Uint8Array, c: number, kind: ChunkKind): void {
  map[Math.floor(c / CHUNKS_PER_BYTE)] |= kind << (KIND_BITS * (c % CHUNKS_PER_BYTE));
}

const zeroChunks = new Map<number, Buffer>();

function zeroChunk(chunkBytes: number): Buffer {
  let zero = zeroChunks.get(chunkBytes);
  if (zero === undefined) zeroChunks.set(chunkBytes, (zero = Buffer.alloc(chunkBytes)));
  return zero;
}

/** Whether chunk c (whole, c ≥ 1) of `words` continues the two before it (see CONTINUED). */
function continuesLinearly(words: Int32Array, c: number, chunkWords: number): boolean {
  const at = c * chunkWords;
  const back2 = c >= 2 ? 2 * chunkWords : chunkWords; // chunk 1: equal to chunk 0
  for (let k = at; k < at + chunkWords; k++) {
    if (words[k] !== ((2 * words[k - chunkWords] - words[k - back2]) | 0)) return false;
  }
  return true;
}

/** Whether chunk c of a section of `lengthBytes` may be CONTINUED: a whole chunk, not the first. */
function mayContinue(c: number, lengthBytes: number, chunkBytes: number): boolean {
  return c >= 1 && (c + 1) * chunkBytes <= lengthBytes;
}

/**
 * Sets the kind of every chunk of `section` in `map` (zeroed, at least chunkMapBytes long); returns
 * the bytes the STORED chunks take.
 */
export function classifyChunks(section: Uint8Array, chunkBytes: number, map: Uint8Array): number {
  const bytes = Buffer.from(section.buffer, section.byteOffset, section.byteLength);
  const words = section.byteOffset % 4 === 0 ? new Int32Array(section.buffer, section.byteOffset, section.byteLength >>> 2) : null;
  const zero = zeroChunk(chunkBytes);
  let storedBytes = 0;
  for (let c = 0, start = 0; start < bytes.length; c++, start += chunkBytes) {
    const end = Math.min(start + chunkBytes, bytes.length);
    if (zero.compare(bytes, start, end, 0, end - start) === 0) continue;
    if (words !== null && mayContinue(c, bytes.length, chunkBytes) && continuesLinearly(words, c, chunkBytes >>> 2)) {
      setChunkKind(map, c, ChunkKind.CONTINUED);
    } else {
      setChunkKind(map, c, ChunkKind.STORED);
      storedBytes += end - start;
    }
  }
  return storedBytes;
}

/** What is wrong with a chunk map read from a file, or null: an unassigned kind, a kind past the section's end, a misplaced CONTINUED. */
export function chunkMapFault(map: Uint8Array, lengthBytes: number, chunkBytes: number): string | null {
  const count = chunkCount(lengthBytes, chunkBytes);
  for (let c = 0; c < map.length * CHUNKS_PER_BYTE; c++) {
    const kind = chunkKind(map, c);
    if (c >= count && kind !== ChunkKind.ZERO) return `its chunk map marks chunk ${c}, past the section's ${lengthBytes} bytes`;
    if (kind === CHUNK_KIND_UNASSIGNED) return `its chunk map gives chunk ${c} the unassigned kind 3`;
    if (kind === ChunkKind.CONTINUED && !mayContinue(c, lengthBytes, chunkBytes)) return `its chunk map marks chunk ${c} CONTINUED, which it cannot be`;
  }
  return null;
}

/** Calls `run(start, end)` for each run of consecutive STORED chunks, as byte offsets in the section, in order. */
export function forEachStoredRun(
  map: Uint8Array, lengthBytes: number, chunkBytes: number, run: (start: number, end: number) => void,
): void {
  const count = chunkCount(lengthBytes, chunkBytes);
  let c = 0;
  while (c < count) {
    if (chunkKind(map, c) !== ChunkKind.STORED) {
      c++;
      continue;
    }
    const first = c;
    while (c < count && chunkKind(map, c) === ChunkKind.STORED) c++;
    run(first * chunkBytes, Math.min(c * chunkBytes, lengthBytes));
  }
}

/** The bytes the STORED chunks of a map take in a section of `lengthBytes`. */
export function storedChunkBytes(map: Uint8Array, lengthBytes: number, chunkBytes: number): number {
  let storedBytes = 0;
  forEachStoredRun(map, lengthBytes, chunkBytes, (start, end) => {
    storedBytes += end - start;
  });
  return storedBytes;
}

/** Rebuilds the CONTINUED chunks of `section` (8-aligned; its STORED chunks already in place, the rest zero), in ascending order. */
export function rebuildContinuedChunks(section: Uint8Array, map: Uint8Array, chunkBytes: number): void {
  const words = new Int32Array(section.buffer, section.byteOffset, section.byteLength >>> 2);
  const chunkWords = chunkBytes >>> 2;
  const count = chunkCount(section.byteLength, chunkBytes);
  for (let c = 1; c < count; c++) {
    if (chunkKind(map, c) !== ChunkKind.CONTINUED) continue;
    const at = c * chunkWords;
    const back2 = c >= 2 ? 2 * chunkWords : chunkWords;
    for (let k = at; k < at + chunkWords; k++) words[k] = (2 * words[k - chunkWords] - words[k - back2]) | 0;
  }
}
