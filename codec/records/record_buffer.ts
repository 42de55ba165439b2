/**
 * Typed views over one block of memory holding internal records: the input ring, the output ring,
 * a journal segment read into memory or a snapshot. Every record reader and writer takes a
 * RecordBuffer and a byte offset (`base`) so the same code runs over the ring and over a file
 * without copying and without allocating per record.
 *
 * Records are little-endian (the platform order of typed arrays, asserted below) and every record
 * starts on an 8-byte boundary so float64 fields can be read through the Float64Array view.
 */
export interface RecordBuffer {
  readonly bytes: Uint8Array;
  readonly u16: Uint16Array;
  readonly i32: Int32Array;
  readonly u32: Uint32Array;
  readonly f64: Float64Array;
}

/** Records begin on this boundary so every float64 field is aligned for the Float64Array view. */
export const RECORD_ALIGNMENT_BYTES = 8;

export function createRecordBuffer(memory: ArrayBufferLike, byteOffset = 0, byteLength?: number): RecordBuffer {
  const length = byteLength ?? memory.byteLength - byteOffset;
  if (byteOffset % RECORD_ALIGNMENT_BYTES !== 0 || length % RECORD_ALIGNMENT_BYTES !== 0) {
    throw new RangeError(`record buffer must be 8-byte aligned: byteOffset=${byteOffset}, byteLength=${length}`);
  }
  return {
    bytes: new Uint8Array(memory, byteOffset, length),
    u16: new Uint16Array(memory, byteOffset, length >>> 1),
    i32: new Int32Array(memory, byteOffset, length >>> 2),
    u32: new Uint32Array(memory, byteOffset, length >>> 2),
    f64: new Float64Array(memory, byteOffset, length >>> 3),
  };
}

/** Rounds a record length up to the record alignment. */
export function alignRecordBytes(lengthBytes: number): number {
  return (lengthBytes + RECORD_ALIGNMENT_BYTES - 1) & ~(RECORD_ALIGNMENT_BYTES - 1);
}

// Typed arrays use the platform byte order; the journal and the wire both promise little-endian.
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error('ringline needs a little-endian platform: records are read through typed arrays');
}
