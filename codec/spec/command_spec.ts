/**
 * The verifier-translator's, encoders' and JSON mapping's view of every command, derived at load from
 * the registry (codec/registry/command_registry.ts): its wire table (codec/ringline.fbs), its JSON name
 * and fields, and where each field lands in the input record. The union member number of a command on
 * the wire is its record command type.
 */
import { CommandType } from '../records/command_descriptor.ts';
import { COMMAND_ROWS, type CommandRow, type ListName } from '../registry/command_registry.ts';
import { rowLayout } from '../registry/record_layout.ts';
import { FieldKind, fieldsOfRow, tableByNumber, type FieldSpec } from './field_spec.ts';

/** Union member of Login: handled by the gateway, never a record. */
export const LOGIN_UNION_TYPE = 1;

/** Repeated parts of a command after its scalar fields. */
export const ListKind = {
  NONE: 0,
  /** BOOK_SEATS / RELEASE_SEATS: `seats: [uint32]` at wire index 2. */
  SEATS: 1,
  /** CHECKOUT: `lines: [CheckoutLine]` at wire index 2, `seats: [uint32]` at wire index 3. */
  CHECKOUT: 2,
} as const;
export type ListKind = (typeof ListKind)[keyof typeof ListKind];

export interface CommandSpec {
  readonly type: CommandType;
  /** JSON `type` (camelCase), e.g. "transferReserve". */
  readonly name: string;
  readonly fields: readonly FieldSpec[];
  readonly list: ListKind;
  /** Record bytes without lists (aligned); lists add to it. */
  readonly fixedBytes: number;
  readonly readOnly: boolean;
  /** "bookSeats.seats": names the seat list in messages without building a string per record. */
  readonly seatsPath: string;
}

const LIST_KIND: Readonly<Record<ListName, ListKind>> = { none: ListKind.NONE, seats: ListKind.SEATS, checkout: ListKind.CHECKOUT };

function specOf(row: CommandRow): CommandSpec {
  const { fieldOffsets, fixedBytes } = rowLayout(row);
  return {
    type: row.type as CommandType,
    name: row.json,
    fields: fieldsOfRow(row.json, row.fields, fieldOffsets),
    list: LIST_KIND[row.list],
    fixedBytes,
    readOnly: row.readOnly,
    seatsPath: `${row.json}.seats`,
  };
}

/** Every command, in registry order (codec/registry/command_registry.ts). */
export const COMMAND_SPECS: readonly CommandSpec[] = COMMAND_ROWS.map(specOf);

/** Spec by union member / command type (0–255); undefined for numbers that are not commands. */
export const COMMAND_SPEC_BY_TYPE: ReadonlyArray<CommandSpec | undefined> = tableByNumber(COMMAND_SPECS, (spec) => spec.type);

const BY_NAME = new Map(COMMAND_SPECS.map((spec) => [spec.name, spec]));
export function commandSpecByName(name: string): CommandSpec | undefined {
  return BY_NAME.get(name);
}

// ---- load-time checks: every command type has exactly one spec, fields fit the record ------------------
for (const type of Object.values(CommandType)) {
  const spec = COMMAND_SPEC_BY_TYPE[type];
  if (spec === undefined || spec.type !== type) throw new Error(`command spec: type ${type} has no spec`);
  if ((type as number) === LOGIN_UNION_TYPE || type > 255) throw new Error(`command spec: type ${type} cannot be a union member`);
  for (const field of spec.fields) {
    const bytes = field.kind === FieldKind.ENUM_U8 ? 1 : 8;
    if (field.recordOffset + bytes > spec.fixedBytes) throw new Error(`command spec: ${field.path} outside the record`);
    if (bytes === 8 && field.recordOffset % 8 !== 0) throw new Error(`command spec: ${field.path} misaligned`);
  }
}
if (COMMAND_SPECS.length !== Object.keys(CommandType).length) throw new Error('command spec: duplicate command types');
if (BY_NAME.size !== COMMAND_SPECS.length) throw new Error('command spec: duplicate JSON names');
