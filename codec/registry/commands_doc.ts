/**
 * Renders docs/commands.md from the registry: the command table a user reads. `npm run docs:commands`
 * writes it; codec/registry/command_registry.test.ts fails when the file and the registry differ.
 */
import { FieldKind } from '../spec/field_spec.ts';
import { COMMAND_ROWS } from './command_registry.ts';
import type { FieldRow } from './field_builders.ts';

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
    '| type id | type | fields | traits | result | what it does |',
    '|---|---|---|---|---|---|',
  ];
  for (const row of COMMAND_ROWS) {
    const fields = [...row.fields.map(describeField), LISTS[row.list]].filter((text) => text !== '').join(', ') || '–';
    const traits = [row.readOnly ? 'read-only' : '', row.admin ? 'admin' : ''].filter((t) => t !== '').join(', ') || '–';
    const result = row.result === null ? '–' : `\`${row.result}\``;
    lines.push(`| ${row.type} | \`${row.json}\` | ${fields} | ${traits} | ${result} | ${row.doc} |`);
  }
  lines.push('', 'Result bodies and their fields: README.md, "JSON". Adding a command: docs/adding_a_command.md.', '');
  return lines.join('\n');
}
