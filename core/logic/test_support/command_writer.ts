/**
 * Builds input records from plain command descriptions: for tests, benches and tools (it takes plain
 * objects, so it is not for the gateway's hot path — the codec translates the wire format into records
 * itself). The description's type and the record layout are both derived from the registry
 * (codec/registry/command_registry.ts): `kind` is the command's JSON name, the fields are its JSON
 * fields, enums are given as their numbers (and written as given, so a test can write a bad one).
 *
 *   const buf = createRecordBuffer(new ArrayBuffer(1 << 16));
 *   const length = writeCommand(buf, 0, { sequence: 1, principalId: 7 }, { kind: 'transfer', ... });
 */
import type { RecordBuffer } from '../../../codec/records/record_buffer.ts';
import { CmdHeader, CMD_FLAG_ADMIN, CMD_MAX_RECORD_BYTES } from '../../../codec/records/command_descriptor.ts';
import { writeCommandBody } from '../../../codec/records/command_record_json.ts';
import type { AnyCommandRow } from '../../../codec/registry/command_registry.ts';
import { commandSpecByName } from '../../../codec/spec/command_spec.ts';

export interface CommandHeader {
  readonly sequence: number;
  readonly principalId: number;
  readonly admin?: boolean;
  readonly sessionId?: number;
  readonly correlationId?: number;
  readonly idempotencyId?: number;
  readonly timestampUs?: number;
}

export interface CheckoutLine {
  readonly itemId: number;
  readonly quantity: number;
}

type Simplify<T> = { [K in keyof T]: T[K] } & {};
type JsonOf<F, Optional extends boolean> =
  F extends { readonly optional: Optional; readonly json: infer J extends string } ? J : never;
type Numbers<Fs extends readonly unknown[]> =
  & { readonly [F in Fs[number] as JsonOf<F, false>]: number }
  & { readonly [F in Fs[number] as JsonOf<F, true>]?: number };
type AllNumbers<Fs extends readonly unknown[]> = { readonly [F in Fs[number] as JsonOf<F, boolean>]: number };
type Lists<L> = L extends 'seats' ? { readonly seats: readonly number[] }
  : L extends 'checkout' ? { readonly lines?: readonly CheckoutLine[]; readonly seats?: readonly number[] } : unknown;
type FullLists<L> = L extends 'seats' | 'checkout' ? Required<Lists<L>> : unknown;
type SpecOf<R extends AnyCommandRow> = Simplify<{ readonly kind: R['json'] } & Numbers<R['fields']> & Lists<R['list']>>;
type FullSpecOf<R extends AnyCommandRow> =
  Simplify<{ readonly kind: R['json'] } & AllNumbers<R['fields']> & FullLists<R['list']>>;

/** One member per registry row; optional fields as in JSON. */
export type CommandSpec = AnyCommandRow extends infer R ? R extends AnyCommandRow ? SpecOf<R> : never : never;
/** The same with every field present (optional ones at their defaults), as the logic reads the record. */
export type FullCommandSpec = AnyCommandRow extends infer R ? R extends AnyCommandRow ? FullSpecOf<R> : never : never;
export type PlaceOrderSpec = Extract<CommandSpec, { kind: 'placeOrder' }>;

type Values = Readonly<Record<string, unknown>>;

function specOf(kind: string): NonNullable<ReturnType<typeof commandSpecByName>> {
  const spec = commandSpecByName(kind);
  if (spec === undefined) throw new Error(`writeCommand: unknown command kind "${kind}"`);
  return spec;
}

/** Fills the optional fields with the registry's defaults (and absent lists with []). */
export function fullSpec(spec: CommandSpec): FullCommandSpec {
  const values = spec as unknown as Values;
  const full: Record<string, unknown> = { kind: spec.kind };
  const commandSpec = specOf(spec.kind);
  for (const field of commandSpec.fields) full[field.json] = values[field.json] ?? field.defaultValue;
  if (commandSpec.list !== 0) full.seats = values.seats ?? [];
  if ('lines' in values || spec.kind === 'checkout') full.lines = values.lines ?? [];
  return full as FullCommandSpec;
}

/** Writes one record at byte offset `base` (8-byte aligned) and returns its length in bytes. */
export function writeCommand(buf: RecordBuffer, base: number, header: CommandHeader, spec: CommandSpec): number {
  if (base % 8 !== 0) throw new RangeError(`writeCommand: base ${base} must be 8-byte aligned`);
  const values = spec as unknown as Values;
  const commandSpec = specOf(spec.kind);
  const length = writeCommandBody(commandSpec, buf, base, (field) => (values[field.json] as number | undefined) ?? field.defaultValue,
    (values.lines as readonly CheckoutLine[] | undefined) ?? [], (values.seats as readonly number[] | undefined) ?? []);
  if (length < 0) throw new RangeError(`writeCommand: ${spec.kind} needs more than ${CMD_MAX_RECORD_BYTES} bytes`);
  if (header.admin === true) buf.u16[(base + CmdHeader.FLAGS) >>> 1] |= CMD_FLAG_ADMIN;
  buf.f64[(base + CmdHeader.SEQUENCE) >>> 3] = header.sequence;
  buf.f64[(base + CmdHeader.TIMESTAMP_US) >>> 3] = header.timestampUs ?? 0;
  buf.u32[(base + CmdHeader.SESSION_ID) >>> 2] = header.sessionId ?? 0;
  buf.u32[(base + CmdHeader.PRINCIPAL_ID) >>> 2] = header.principalId;
  buf.f64[(base + CmdHeader.CORRELATION_ID) >>> 3] = header.correlationId ?? 0;
  buf.f64[(base + CmdHeader.IDEMPOTENCY_ID) >>> 3] = header.idempotencyId ?? 0;
  return length;
}
