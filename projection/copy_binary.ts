/**
 * Rows in PostgreSQL's binary COPY format (`COPY t (…) FROM STDIN (FORMAT binary)`), written straight
 * into one growing Buffer: no per-value strings, no array literals for the server to parse, no
 * to_timestamp(). The projection writer sends its event tables' rows this way (projection_writer.ts).
 *
 * Layout (PostgreSQL docs, "COPY … Binary Format"; every integer big-endian):
 *
 *   offset  bytes  field
 *   0       11     signature "PGCOPY\n\377\r\n\0"
 *   11      4      flags (0: no OIDs)
 *   15      4      header extension length (0)
 *   then per row: int16 field count, then per field int32 byte length (-1 = NULL) and the bytes:
 *     int8 (bigint)  8 bytes, two's complement
 *     int4 (integer) 4 bytes
 *     timestamptz    int64 microseconds since 2000-01-01 00:00:00 UTC
 *     text           UTF-8 bytes
 *   trailer: int16 -1
 *
 * Every engine quantity is an exact integer below 2^53, so an int64 is written as its two 32-bit
 * halves from the float64 without BigInt.
 */
export type CopyColumnType = 'bigint' | 'integer' | 'timestamptz_us' | 'text';

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
export const COPY_HEADER_BYTES = SIGNATURE.length + 8;
const TRAILER = -1;
const NULL_LENGTH = -1;
/** Microseconds from 1970-01-01 (Unix) to 2000-01-01 (PostgreSQL's epoch). */
export const POSTGRES_EPOCH_US = 946_684_800_000_000;
const TWO_32 = 4_294_967_296;

if (SIGNATURE.length !== 11 || COPY_HEADER_BYTES !== 19) throw new Error('copy_binary: header layout changed');

/** Values of one row, in the order of the writer's column types (null = SQL NULL). */
export type CopyValue = number | string | boolean | null;

export class CopyBinaryWriter {
  private buffer: Buffer;
  private offset: number;
  private rowCount = 0;

  constructor(private readonly types: readonly CopyColumnType[], initialBytes = 64 * 1024) {
    this.buffer = Buffer.allocUnsafe(Math.max(initialBytes, COPY_HEADER_BYTES + 2));
    SIGNATURE.copy(this.buffer, 0);
    this.buffer.writeInt32BE(0, SIGNATURE.length);
    this.buffer.writeInt32BE(0, SIGNATURE.length + 4);
    this.offset = COPY_HEADER_BYTES;
  }

  get rows(): number {
    return this.rowCount;
  }

  /** Appends a row from column arrays: row `i` of `columns` (one array per column type, same order). */
  rowFromColumns(columns: readonly (readonly CopyValue[])[], i: number): void {
    const types = this.types;
    // Fixed part at most: 2 + per field 4 + 8; text is reserved for separately.
    this.reserve(2 + types.length * 12);
    this.offset = this.buffer.writeInt16BE(types.length, this.offset);
    for (let c = 0; c < types.length; c++) {
      const value = columns[c][i];
      if (value === null || value === undefined) {
        this.offset = this.buffer.writeInt32BE(NULL_LENGTH, this.offset);
        continue;
      }
      switch (types[c]) {
        case 'bigint':
          this.int64(value as number);
          break;
        case 'integer':
          this.offset = this.buffer.writeInt32BE(4, this.offset);
          this.offset = this.buffer.writeInt32BE(value as number, this.offset);
          break;
        case 'timestamptz_us':
          this.int64((value as number) - POSTGRES_EPOCH_US);
          break;
        case 'text': {
          const text = String(value);
          this.reserve(4 + text.length * 3 + types.length * 12);
          const length = this.buffer.write(text, this.offset + 4, 'utf8');
          this.buffer.writeInt32BE(length, this.offset);
          this.offset += 4 + length;
          break;
        }
      }
    }
    this.rowCount++;
  }

  /** The COPY data: header, rows and trailer (the writer is done after this). */
  finish(): Buffer {
    this.reserve(2);
    this.offset = this.buffer.writeInt16BE(TRAILER, this.offset);
    return this.buffer.subarray(0, this.offset);
  }

  private int64(value: number): void {
    if (!Number.isSafeInteger(value)) throw new RangeError(`copy_binary: ${value} is not an exact integer for a bigint column`);
    this.offset = this.buffer.writeInt32BE(8, this.offset);
    this.offset = this.buffer.writeInt32BE(Math.floor(value / TWO_32), this.offset);
    this.offset = this.buffer.writeUInt32BE(value >>> 0, this.offset);
  }

  private reserve(bytes: number): void {
    if (this.offset + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.offset + bytes));
    this.buffer.copy(grown, 0, 0, this.offset);
    this.buffer = grown;
  }
}
