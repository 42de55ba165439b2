/**
 * Renders docs/commands.md from the registry: the command table a user reads. `npm run docs:commands`
 * writes it; codec/registry/command_registry.test.ts fails when the file and the registry differ.
 */
import { FieldKind } from '../spec/field_spec.ts';
import { COMMAND_ROWS, type CommandRow } from './command_registry.ts';
import type { FieldRow } from './field_builders.ts';
import { rowLayout } from './record_layout.ts';

const LISTS = {
  none: '',
  seats: 'seats `[n, …]`',
  checkout: 'lines = `[{"itemId":…, "quantity":…}]`, seats = `[]`',
} as const;

function enumName(values: Readonly<Record<string, number>>, value: number): string {
  return (Object.entries(values).find(([, v]) => v === value)?.[0] ?? String(value)).toLowerCase();
}

function describeField(field: FieldRow): string {
  let text = field.json;
  if (field.values !== null) {
    const names = Object.keys(field.values).map((name) => `\`"${name.toLowerCase()}"\``).join(' / ');
    text += field.optional ? ` = \`"${enumName(field.values, field.defaultValue)}"\` (${names})` : ` ${names}`;
  } else if (field.optional) {
    text += ` = ${field.defaultValue}${field.doc === '' ? '' : ` (${field.doc})`}`;
  }
  if (field.kind === FieldKind.U32_AS_F64) text += ' (u32)';
  return text;
}

const LIST_BODIES = {
  none: [],
  seats: ['+0 seatCount u32', '+8 seats u32 × seatCount'],
  checkout: ['+0 lineCount u32', '+4 seatCount u32', '+8 lines {itemId, quantity} × lineCount', 'then seats u32 × seatCount'],
} as const;

/** "48 accountId · 56 assetId · 64 amount (72 B)": where each field sits in the input record. */
function describeBody(row: CommandRow): string {
  const { fieldOffsets, scalarBytes, fixedBytes } = rowLayout(row);
  const parts = row.fields.map((field, i) => `${fieldOffsets[i]} ${field.json}${field.kind === FieldKind.ENUM_U8 ? ' u8' : ''}`);
  const list = LIST_BODIES[row.list].map((text: string) => {
    const space = text.indexOf(' ');
    return text.startsWith('+') ? `${scalarBytes + Number(text.slice(1, space))}${text.slice(space)}` : text;
  });
  return parts.length + list.length === 0 ? `(${fixedBytes} B)` : `${[...parts, ...list].join(' · ')} (${fixedBytes} B${row.list === 'none' ? '' : ' + list'})`;
}

export function renderCommandsDoc(): string {
  const lines = [
    '# Commands',
    '',
    '<!-- Generated from codec/registry/command_registry.ts by `npm run docs:commands`; do not edit by hand. -->',
    '',
    'Every command the engine runs, as JSON (`POST /v1/commands/<type>` or `{"type": "<type>", …}`) and as the',
    'FlatBuffers union member of the same number (codec/ringline.fbs). Numbers are integers from 0 to 2^53 − 1,',
    'fields marked (u32) up to 2^32 − 1; optional fields show their default. Every command also takes',
    '`correlationId` and `idempotencyId` (default 0). Read-only commands change nothing and are never',
    'remembered for idempotency; admin commands need an admin principal (`ADMIN_REQUIRED` otherwise).',
    '',
    '| type id | type | fields | traits | result | what it does | record body (byte offsets; f64 unless marked) |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const row of COMMAND_ROWS) {
    const fields = [...row.fields.map(describeField), LISTS[row.list]].filter((text) => text !== '').join(', ') || '–';
    const traits = [row.readOnly ? 'read-only' : '', row.admin ? 'admin' : ''].filter((t) => t !== '').join(', ') || '–';
    const result = row.result === null ? '–' : `\`${row.result}\``;
    lines.push(`| ${row.type} | \`${row.json}\` | ${fields} | ${traits} | ${result} | ${row.doc} | ${describeBody(row)} |`);
  }
  lines.push('', 'The record body follows the 48-byte header (codec/records/command_descriptor.ts); the layout rule is in',
    'codec/registry/record_layout.ts. Result bodies and their fields: docs/protocol.md, "JSON". Adding a command:',
    'docs/adding_a_command.md.', '');
  return lines.join('\n');
}
