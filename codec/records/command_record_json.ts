/**
 * Input record ↔ typed command (CommandJson). The HTTP/JSON path writes records from validated commands
 * (writeCommandRecord); the replay CLI and tests read them back (readCommandRecord, readCommandHeader).
 * These allocate (they build objects); the ring's hot paths use translateRequest and the offsets directly.
 */
import { COMMAND_SPEC_BY_TYPE, commandSpecByName, ListKind, type CommandSpec } from '../spec/command_spec.ts';
import { enumName, enumValueOf } from '../spec/enum_spec.ts';
import { FieldKind, type FieldSpec } from '../spec/field_spec.ts';
import type { CheckoutLineJson, CommandJson } from '../types/command_json.ts';
import {
  CmdHeader, CMD_FLAG_READ_ONLY, CMD_MAX_RECORD_BYTES, Checkout, MAX_SEATS_PER_COMMAND, SeatList,
  checkoutRecordBytes, seatListRecordBytes,
} from './command_descriptor.ts';
import type { RecordBuffer } from './record_buffer.ts';

type Fields = Record<string, unknown>;

/**
 * Writes a validated full-form command (validateRequest's output) as an input record at `base`.
 * Returns the record's bytes, or -1 when it does not fit one record (answer RECORD_TOO_LARGE).
 * Header fields other than type, flags (read-only), length and the two ids are written as 0.
 */
export function writeCommandRecord(command: CommandJson, out: RecordBuffer, base: number): number {
  const values = command as unknown as Fields;
  const recordBytes = writeCommandBody(specOf(command.type), out, base, (field) => {
    const value = values[field.json];
    if (value === undefined) return field.defaultValue;
    return field.enumSpec !== null ? enumValueOf(field.enumSpec, value as string) : value as number;
  }, (values.lines as readonly CheckoutLineJson[] | undefined) ?? [], (values.seats as readonly number[] | undefined) ?? []);
  if (recordBytes < 0) return recordBytes;
  out.f64[(base + CmdHeader.CORRELATION_ID) >>> 3] = command.correlationId ?? 0;
  out.f64[(base + CmdHeader.IDEMPOTENCY_ID) >>> 3] = command.idempotencyId ?? 0;
  return recordBytes;
}

/**
 * Writes a command's record at `base` from its spec: zeroes it, stamps length, type and the read-only
 * flag, writes each scalar field's number (an enum as its value, written as given) and the lists.
 * Returns the record's bytes, or -1 when the lists do not fit one record. Shared by the JSON path and
 * the logic's test record writer.
 */
export function writeCommandBody(spec: CommandSpec, out: RecordBuffer, base: number, numberOf: (field: FieldSpec) => number,
  lines: readonly CheckoutLineJson[], seats: readonly number[]): number {
  let recordBytes = spec.fixedBytes;
  if (spec.list === ListKind.SEATS) {
    if (seats.length > MAX_SEATS_PER_COMMAND) return -1;
    recordBytes = seatListRecordBytes(seats.length);
  } else if (spec.list === ListKind.CHECKOUT) {
    recordBytes = checkoutRecordBytes(lines.length, seats.length);
    if (recordBytes > CMD_MAX_RECORD_BYTES) return -1;
  }
  if ((base & 7) !== 0 || base + recordBytes > out.bytes.length) {
    throw new RangeError(`writeCommandRecord: base=${base} cannot hold ${recordBytes} bytes`);
  }
  out.bytes.fill(0, base, base + recordBytes);
  out.u32[(base + CmdHeader.LENGTH) >>> 2] = recordBytes;
  out.u16[(base + CmdHeader.TYPE) >>> 1] = spec.type;
  out.u16[(base + CmdHeader.FLAGS) >>> 1] = spec.readOnly ? CMD_FLAG_READ_ONLY : 0;
  for (const field of spec.fields) {
    const at = base + field.recordOffset;
    if (field.kind === FieldKind.ENUM_U8) out.bytes[at] = numberOf(field);
    else out.f64[at >>> 3] = numberOf(field);
  }
  let seatsAt = base + SeatList.SEATS_U32;
  if (spec.list === ListKind.SEATS) {
    out.u32[(base + SeatList.SEAT_COUNT_U32) >>> 2] = seats.length;
  } else if (spec.list === ListKind.CHECKOUT) {
    out.u32[(base + Checkout.LINE_COUNT_U32) >>> 2] = lines.length;
    out.u32[(base + Checkout.SEAT_COUNT_U32) >>> 2] = seats.length;
    let at = base + Checkout.LINES;
    for (const line of lines) {
      out.f64[(at + Checkout.LINE_ITEM_ID) >>> 3] = line.itemId;
      out.f64[(at + Checkout.LINE_QUANTITY) >>> 3] = line.quantity;
      at += Checkout.LINE_BYTES;
    }
    seatsAt = at;
  }
  if (spec.list !== ListKind.NONE) out.u32.set(seats, seatsAt >>> 2);
  return recordBytes;
}

/** Reads an input record as a full-form command (every field, ids included). Throws on an unknown type. */
export function readCommandRecord(record: RecordBuffer, base: number): CommandJson {
  const type = record.u16[(base + CmdHeader.TYPE) >>> 1];
  const spec = COMMAND_SPEC_BY_TYPE[type];
  if (spec === undefined) throw new Error(`readCommandRecord: unknown command type ${type} at ${base}`);
  const command: Fields = { type: spec.name };
  for (const field of spec.fields) {
    const at = base + field.recordOffset;
    command[field.json] = field.kind === FieldKind.ENUM_U8 && field.enumSpec !== null
      ? enumName(field.enumSpec, record.bytes[at])
      : record.f64[at >>> 3];
  }
  if (spec.list === ListKind.SEATS) {
    const count = record.u32[(base + SeatList.SEAT_COUNT_U32) >>> 2];
    command.seats = Array.from(record.u32.subarray((base + SeatList.SEATS_U32) >>> 2, ((base + SeatList.SEATS_U32) >>> 2) + count));
  } else if (spec.list === ListKind.CHECKOUT) {
    const lineCount = record.u32[(base + Checkout.LINE_COUNT_U32) >>> 2];
    const seatCount = record.u32[(base + Checkout.SEAT_COUNT_U32) >>> 2];
    const lines: CheckoutLineJson[] = [];
    let at = base + Checkout.LINES;
    for (let i = 0; i < lineCount; i++, at += Checkout.LINE_BYTES) {
      lines.push({
        itemId: record.f64[(at + Checkout.LINE_ITEM_ID) >>> 3], quantity: record.f64[(at + Checkout.LINE_QUANTITY) >>> 3],
      });
    }
    command.lines = lines;
    command.seats = Array.from(record.u32.subarray(at >>> 2, (at >>> 2) + seatCount));
  }
  command.correlationId = record.f64[(base + CmdHeader.CORRELATION_ID) >>> 3];
  command.idempotencyId = record.f64[(base + CmdHeader.IDEMPOTENCY_ID) >>> 3];
  return command as unknown as CommandJson;
}

/** The header fields the gateway and sequencer stamp, for printing journal records. */
export interface CommandHeaderJson {
  lengthBytes: number;
  sequence: number;
  timestampUs: number;
  sessionId: number;
  principalId: number;
  flags: number;
}

export function readCommandHeader(record: RecordBuffer, base: number): CommandHeaderJson {
  return {
    lengthBytes: record.u32[(base + CmdHeader.LENGTH) >>> 2],
    sequence: record.f64[(base + CmdHeader.SEQUENCE) >>> 3],
    timestampUs: record.f64[(base + CmdHeader.TIMESTAMP_US) >>> 3],
    sessionId: record.u32[(base + CmdHeader.SESSION_ID) >>> 2],
    principalId: record.u32[(base + CmdHeader.PRINCIPAL_ID) >>> 2],
    flags: record.u16[(base + CmdHeader.FLAGS) >>> 1],
  };
}

function specOf(name: string): CommandSpec {
  const spec = commandSpecByName(name);
  if (spec === undefined) throw new Error(`writeCommandRecord: unknown command type "${name}"`);
  return spec;
}
