/**
 * A sparse section of a version-2 snapshot file (snapshot_descriptor.ts): which chunks of a section
 * hold a non-zero byte (the chunk map), the bytes those chunks take, and the runs of consecutive stored
 * chunks, which lie back to back both in the section and in the file. Zero chunks are found with
 * Buffer.compare against a zero chunk (memcmp), so a mostly empty 100 MB state is scanned in
 * milliseconds and neither copied nor checksummed.
 */
import { SNAPSHOT_CHUNK_MAX_BYTES, SNAPSHOT_CHUNK_MIN_BYTES } from './snapshot_descriptor.ts';

export function chunkCount(lengthBytes: number, chunkBytes: number): number {
  return Math.ceil(lengthBytes / chunkBytes);
}

/** Bytes of a section's chunk map, before its padding to 8. */
export function chunkMapBytes(lengthBytes: number, chunkBytes: number): number {
  return (chunkCount(lengthBytes, chunkBytes) + 7) >>> 3;
}

export function isValidChunkBytes(chunkBytes: number): boolean {
  return Number.isInteger(chunkBytes) && chunkBytes >= SNAPSHOT_CHUNK_MIN_BYTES && chunkBytes <= SNAPSHOT_CHUNK_MAX_BYTES
    && (chunkBytes & (chunkBytes - 1)) === 0;
}

const zeroChunks = new Map<number, Buffer>();

function zeroChunk(chunkBytes: number): Buffer {
  let zero = zeroChunks.get(chunkBytes);
  if (zero === undefined) zeroChunks.set(chunkBytes, (zero = Buffer.alloc(chunkBytes)));
  return zero;
}

/**
 * Sets the map bit of every chunk of `section` with a non-zero byte (`map` must be zeroed, at least
 * chunkMapBytes long); returns the bytes the stored chunks take.
 */
export function mapNonZeroChunks(section: Uint8Array, chunkBytes: number, map: Uint8Array): number {
  const bytes = Buffer.from(section.buffer, section.byteOffset, section.byteLength);
  const zero = zeroChunk(chunkBytes);
  let storedBytes = 0;
  for (let c = 0, start = 0; start < bytes.length; c++, start += chunkBytes) {
    const end = Math.min(start + chunkBytes, bytes.length);
    if (zero.compare(bytes, start, end, 0, end - start) !== 0) {
      map[c >>> 3] |= 1 << (c & 7);
      storedBytes += end - start;
    }
  }
  return storedBytes;
}

/** The bytes the chunks a map marks take in a section of `lengthBytes`. */
export function storedChunkBytes(map: Uint8Array, lengthBytes: number, chunkBytes: number): number {
  let storedBytes = 0;
  forEachStoredRun(map, lengthBytes, chunkBytes, (start, end) => {
    storedBytes += end - start;
  });
  return storedBytes;
}

/** Whether the map marks no chunk past the section's last (the unused bits of its last byte are zero). */
export function chunkMapFits(map: Uint8Array, lengthBytes: number, chunkBytes: number): boolean {
  const count = chunkCount(lengthBytes, chunkBytes);
  return (count & 7) === 0 || (map[count >>> 3] >>> (count & 7)) === 0;
}

/** Calls `run(start, end)` for each run of consecutive stored chunks, as byte offsets in the section, in order. */
export function forEachStoredRun(
  map: Uint8Array, lengthBytes: number, chunkBytes: number, run: (start: number, end: number) => void,
): void {
  const count = chunkCount(lengthBytes, chunkBytes);
  let c = 0;
  while (c < count) {
    if ((map[c >>> 3] & (1 << (c & 7))) === 0) {
      c++;
      continue;
    }
    const first = c;
    while (c < count && (map[c >>> 3] & (1 << (c & 7))) !== 0) c++;
    run(first * chunkBytes, Math.min(c * chunkBytes, lengthBytes));
  }
}
