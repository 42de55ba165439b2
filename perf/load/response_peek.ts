/**
 * Reads the two fields a load generator needs from a Response message — `code` and `correlation_id` —
 * straight from the FlatBuffers bytes, without a ByteBuffer object or a BigInt (zero allocation).
 *
 * FlatBuffers table access: the root u32 at 0 points to the table; the table's first i32 is the
 * distance back to its vtable; vtable entry k (at 4 + 2k) is the field's offset in the table, 0 when
 * absent (default value). Response fields: 0 correlation_id (u64), 1 code (u16), 3 sequence (u64).
 */
const FIELD_CORRELATION_ID = 0;
const FIELD_CODE = 1;
const FIELD_SEQUENCE = 3;

function fieldPosition(view: DataView, start: number, length: number, field: number): number {
  if (length < 8) return -1;
  const table = start + view.getUint32(start, true);
  if (table + 4 > start + length) return -1;
  const vtable = table - view.getInt32(table, true);
  if (vtable < start || vtable + 4 > start + length) return -1;
  const vtableBytes = view.getUint16(vtable, true);
  const entry = 4 + 2 * field;
  if (entry + 2 > vtableBytes) return 0;
  const fieldOffset = view.getUint16(vtable + entry, true);
  return fieldOffset === 0 ? 0 : table + fieldOffset;
}

/** The Response's result code, or -1 when the bytes are not a readable Response. */
export function peekResponseCode(view: DataView, start: number, length: number): number {
  const pos = fieldPosition(view, start, length, FIELD_CODE);
  if (pos < 0) return -1;
  return pos === 0 ? 0 : view.getUint16(pos, true);
}

/** The Response's correlation id (0 when absent), or -1 when unreadable. */
export function peekResponseCorrelationId(view: DataView, start: number, length: number): number {
  const pos = fieldPosition(view, start, length, FIELD_CORRELATION_ID);
  if (pos < 0) return -1;
  return pos === 0 ? 0 : view.getUint32(pos, true) + view.getUint32(pos + 4, true) * 0x1_0000_0000;
}

/** The Response's engine sequence (0 when absent), or -1 when unreadable. */
export function peekResponseSequence(view: DataView, start: number, length: number): number {
  const pos = fieldPosition(view, start, length, FIELD_SEQUENCE);
  if (pos < 0) return -1;
  return pos === 0 ? 0 : view.getUint32(pos, true) + view.getUint32(pos + 4, true) * 0x1_0000_0000;
}
