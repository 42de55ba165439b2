/**
 * Bounds-checked reads of untrusted FlatBuffers bytes. Every read validates what it touches before a
 * value is taken from it, so a caller that only reads through WireReader cannot misread a buffer:
 *
 *   - tables: the table lies in the buffer (4-aligned); its vtable lies in the buffer (2-aligned), is at
 *     least 4 bytes, even, and names an inline table size that lies in the buffer;
 *   - fields: a field's offset in the vtable plus its size lies inside the table's inline size and is
 *     aligned to its size (8 at most), relative to the buffer start;
 *   - references (tables, vectors, strings): a non-zero forward offset to a 4-aligned position inside
 *     the buffer; vectors and strings have lengths whose bytes lie in the buffer; strings are
 *     NUL-terminated inside the buffer;
 *   - uint64 values must be at most 2^53 - 1 (INTEGER_OUT_OF_RANGE), so they are exact as numbers.
 *
 * The schema has no recursive types (Request → command table → vectors of scalars/structs; Response →
 * result table → vectors of structs), so nesting is at most two tables deep by construction and no
 * reference can form a cycle that a reader of our schema would follow.
 *
 * Failures never throw: a read returns -1 (FAILED) and records the first failure (code + a static detail
 * naming the field); later reads keep the first failure. Nothing here allocates.
 */
import { ResultCode } from '../result_codes.ts';

/** Returned by reads that failed; the failure is in `code`/`detail`. */
export const FAILED = -1;
/** Returned by field lookups for an absent field (no valid field sits at position 0). */
export const ABSENT = 0;

/** Largest exact integer: uint64 values above it are rejected. */
const MAX_SAFE_HIGH_WORD = 0x1fffff; // (2^53 - 1) / 2^32, the high 32 bits of Number.MAX_SAFE_INTEGER
const TWO_POW_32 = 4294967296;

/** A validated table: where it is, its vtable, and their sizes. Reused; one per nesting level. */
export class TableView {
  pos = 0;
  vtable = 0;
  vtableBytes = 0;
  tableBytes = 0;
}

const EMPTY = new Uint8Array(0);

export class WireReader {
  bytes: Uint8Array = EMPTY;
  length = 0;
  code: ResultCode = ResultCode.OK;
  detail = '';

  reset(bytes: Uint8Array): void {
    this.bytes = bytes;
    this.length = bytes.length;
    this.code = ResultCode.OK;
    this.detail = '';
  }

  /** Records the first failure; returns FAILED so callers can `return reader.fail(...)`. */
  fail(code: ResultCode, detail: string): number {
    if (this.code === ResultCode.OK) {
      this.code = code;
      this.detail = detail;
    }
    return FAILED;
  }

  get ok(): boolean {
    return this.code === ResultCode.OK;
  }

  // ---- raw little-endian reads (callers have checked the bounds) ---------------------------------------
  u8(pos: number): number {
    return this.bytes[pos];
  }
  u16(pos: number): number {
    const b = this.bytes;
    return b[pos] | (b[pos + 1] << 8);
  }
  i32(pos: number): number {
    const b = this.bytes;
    return b[pos] | (b[pos + 1] << 8) | (b[pos + 2] << 16) | (b[pos + 3] << 24);
  }
  u32(pos: number): number {
    return this.i32(pos) >>> 0;
  }
  /** A uint64 as a number, or FAILED when it exceeds 2^53 - 1. */
  u64(pos: number, detail: string): number {
    const high = this.u32(pos + 4);
    if (high > MAX_SAFE_HIGH_WORD) return this.fail(ResultCode.INTEGER_OUT_OF_RANGE, detail);
    return high * TWO_POW_32 + this.u32(pos);
  }

  /**
   * Copies the uint64 at `pos` into out[word] as a number; false (failure recorded) beyond 2^53 - 1.
   * The hot path uses the copy forms: a non-inlined call that returned a double would box it (allocate).
   */
  copyU64(pos: number, out: Float64Array, word: number, detail: string): boolean {
    const b = this.bytes;
    const high = (b[pos + 4] | (b[pos + 5] << 8) | (b[pos + 6] << 16) | (b[pos + 7] << 24)) >>> 0;
    if (high > MAX_SAFE_HIGH_WORD) {
      this.fail(ResultCode.INTEGER_OUT_OF_RANGE, detail);
      return false;
    }
    out[word] = high * TWO_POW_32 + ((b[pos] | (b[pos + 1] << 8) | (b[pos + 2] << 16) | (b[pos + 3] << 24)) >>> 0);
    return true;
  }

  /** uint64 field → out[word] (the default when absent); false on failure. */
  copyU64Field(view: TableView, index: number, defaultValue: number, detail: string, out: Float64Array, word: number):
  boolean {
    const pos = this.fieldPos(view, index, 8, detail);
    if (pos === FAILED) return false;
    if (pos === ABSENT) {
      out[word] = defaultValue;
      return true;
    }
    return this.copyU64(pos, out, word, detail);
  }

  /** uint32 field → out[word] as a float64 (the default when absent); false on failure. */
  copyU32FieldToF64(view: TableView, index: number, defaultValue: number, detail: string, out: Float64Array,
    word: number): boolean {
    const pos = this.fieldPos(view, index, 4, detail);
    if (pos === FAILED) return false;
    out[word] = pos === ABSENT ? defaultValue : this.u32(pos);
    return true;
  }

  /** Copies `count` uint32 values starting at `pos` into out[word…]. The caller has checked the bounds. */
  copyU32s(pos: number, count: number, out: Uint32Array, word: number): void {
    const b = this.bytes;
    for (let i = 0; i < count; i++, pos += 4) {
      out[word + i] = b[pos] | (b[pos + 1] << 8) | (b[pos + 2] << 16) | (b[pos + 3] << 24);
    }
  }

  // ---- structure --------------------------------------------------------------------------------------
  /** Validates the root table (the uoffset at byte 0) into `view`. */
  openRoot(view: TableView, detail: string): boolean {
    if (this.length < 12) return this.fail(ResultCode.VERIFY_FAILED, 'buffer shorter than a root table') !== FAILED;
    return this.openTable(this.u32(0), view, detail);
  }

  /** Validates the table at `pos` into `view`. */
  openTable(pos: number, view: TableView, detail: string): boolean {
    if (pos < 4 || (pos & 3) !== 0 || pos + 4 > this.length) {
      this.fail(ResultCode.VERIFY_FAILED, detail);
      return false;
    }
    const vtable = pos - this.i32(pos);
    if (vtable < 0 || (vtable & 1) !== 0 || vtable + 4 > this.length) {
      this.fail(ResultCode.VERIFY_FAILED, detail);
      return false;
    }
    const vtableBytes = this.u16(vtable);
    const tableBytes = this.u16(vtable + 2);
    if (vtableBytes < 4 || (vtableBytes & 1) !== 0 || vtable + vtableBytes > this.length ||
        tableBytes < 4 || pos + tableBytes > this.length) {
      this.fail(ResultCode.VERIFY_FAILED, detail);
      return false;
    }
    view.pos = pos;
    view.vtable = vtable;
    view.vtableBytes = vtableBytes;
    view.tableBytes = tableBytes;
    return true;
  }

  /** Absolute position of field `index` of `sizeBytes`, ABSENT, or FAILED. */
  fieldPos(view: TableView, index: number, sizeBytes: number, detail: string): number {
    const slot = 4 + 2 * index;
    if (slot + 2 > view.vtableBytes) return ABSENT;
    const offset = this.u16(view.vtable + slot);
    if (offset === 0) return ABSENT;
    const pos = view.pos + offset;
    const alignMask = (sizeBytes > 8 ? 8 : sizeBytes) - 1; // sizes are 1, 2, 4 or 8
    if (offset < 4 || offset + sizeBytes > view.tableBytes || (pos & alignMask) !== 0) {
      return this.fail(ResultCode.VERIFY_FAILED, detail);
    }
    return pos;
  }

  /** uint64 field as an exact number (default when absent), or FAILED. */
  u64Field(view: TableView, index: number, defaultValue: number, detail: string): number {
    const pos = this.fieldPos(view, index, 8, detail);
    if (pos === ABSENT) return defaultValue;
    if (pos === FAILED) return FAILED;
    return this.u64(pos, detail);
  }

  u32Field(view: TableView, index: number, defaultValue: number, detail: string): number {
    const pos = this.fieldPos(view, index, 4, detail);
    if (pos === ABSENT) return defaultValue;
    if (pos === FAILED) return FAILED;
    return this.u32(pos);
  }

  u16Field(view: TableView, index: number, defaultValue: number, detail: string): number {
    const pos = this.fieldPos(view, index, 2, detail);
    if (pos === ABSENT) return defaultValue;
    if (pos === FAILED) return FAILED;
    return this.u16(pos);
  }

  u8Field(view: TableView, index: number, defaultValue: number, detail: string): number {
    const pos = this.fieldPos(view, index, 1, detail);
    if (pos === ABSENT) return defaultValue;
    if (pos === FAILED) return FAILED;
    return this.u8(pos);
  }

  /** int32 field; a FAILED read is reported through `ok` (every int32 is a valid value). */
  i32Field(view: TableView, index: number, defaultValue: number, detail: string): number {
    const pos = this.fieldPos(view, index, 4, detail);
    if (pos === ABSENT) return defaultValue;
    if (pos === FAILED) return defaultValue;
    return this.i32(pos);
  }

  /** Target of a reference field (table, vector or string): a position, ABSENT or FAILED. */
  refField(view: TableView, index: number, detail: string): number {
    const pos = this.fieldPos(view, index, 4, detail);
    if (pos === ABSENT || pos === FAILED) return pos;
    const offset = this.u32(pos);
    const target = pos + offset;
    if (offset === 0 || (target & 3) !== 0 || target + 4 > this.length) {
      return this.fail(ResultCode.VERIFY_FAILED, detail);
    }
    return target;
  }

  /**
   * Element count of the vector at `pos` whose elements are `elementBytes` each, or FAILED.
   * Elements start at pos + 4, which must be aligned to `elementAlign`.
   */
  vectorLength(pos: number, elementBytes: number, elementAlign: number, detail: string): number {
    const count = this.u32(pos);
    if (pos + 4 + count * elementBytes > this.length || (pos + 4) % elementAlign !== 0) {
      return this.fail(ResultCode.VERIFY_FAILED, detail);
    }
    return count;
  }

  /** Byte length of the string at `pos` (bytes at pos + 4), NUL-terminated inside the buffer, or FAILED. */
  stringLength(pos: number, detail: string): number {
    const count = this.u32(pos);
    if (pos + 4 + count + 1 > this.length || this.bytes[pos + 4 + count] !== 0) {
      return this.fail(ResultCode.VERIFY_FAILED, detail);
    }
    return count;
  }
}
