import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CommandType, PlaceOrder } from '../records/command_descriptor.ts';
import { COMMAND_SPEC_BY_TYPE } from '../spec/command_spec.ts';
import { FieldKind } from '../spec/field_spec.ts';
import { RESULT_SPEC_BY_COMMAND } from '../spec/result_spec.ts';
import type { CommandBody } from '../types/command_json.ts';
import { COMMAND_ROWS } from './command_registry.ts';
import { COMMAND_TRAITS, isAdminCommand, isReadOnlyCommand, TRAIT_ADMIN, TRAIT_KNOWN, TRAIT_READ_ONLY } from './command_traits.ts';
import { renderCommandsDoc } from './commands_doc.ts';
import { rowLayout, upperSnake } from './record_layout.ts';

const read = (relative: string): string => readFileSync(fileURLToPath(new URL(relative, import.meta.url)), 'utf8');
const pascal = (json: string): string => json[0].toUpperCase() + json.slice(1);
const snake = (json: string): string => upperSnake(json).toLowerCase();

describe('command registry', () => {
  it('agrees with the schema: union member number = type, table fields in row order with their wire types', () => {
    const schema = read('../ringline.fbs');
    const union = /union Command \{([^}]*)\}/.exec(schema)?.[1] ?? '';
    const members = new Map([...union.matchAll(/(\w+) = (\d+)/g)].map((m) => [m[1], Number(m[2])]));
    expect(members.size).toBe(COMMAND_ROWS.length + 1); // + Login
    for (const row of COMMAND_ROWS) {
      expect(members.get(pascal(row.json)), row.json).toBe(row.type);
      const body = new RegExp(`table ${pascal(row.json)} \\{([^}]*)\\}`).exec(schema)?.[1] ?? '';
      const wireFields = [...body.matchAll(/(\w+): ([\w[\]]+)/g)].map((m) => `${m[1]}:${m[2]}`);
      const expected = row.fields.map((field) => `${snake(field.json)}:${
        field.kind === FieldKind.U64 ? 'uint64' : field.kind === FieldKind.U32_AS_F64 ? 'uint32' : wireFields.find((f) => f.startsWith(`${snake(field.json)}:`))?.split(':')[1]}`);
      if (row.list === 'seats') expected.push('seats:[uint32]');
      if (row.list === 'checkout') expected.push('lines:[CheckoutLine]', 'seats:[uint32]');
      expect(wireFields, row.json).toEqual(expected);
    }
  });

  it('derives the record layout by its rule: 8-byte fields from 48 in order, then 1-byte enums, padded to 8', () => {
    expect(PlaceOrder).toEqual({
      SYMBOL_ID: 48, ACCOUNT_ID: 56, PRICE: 64, QUANTITY: 72, SIDE_U8: 80, ORDER_TYPE_U8: 81, TIME_IN_FORCE_U8: 82,
      SELF_TRADE_U8: 83, BYTES: 88,
    });
    for (const row of COMMAND_ROWS) {
      const { fieldOffsets, fixedBytes } = rowLayout(row);
      expect(new Set(fieldOffsets).size, row.json).toBe(row.fields.length);
      expect(fixedBytes % 8).toBe(0);
      expect(COMMAND_SPEC_BY_TYPE[row.type]?.fixedBytes).toBe(fixedBytes);
    }
  });

  it('is the one source of type ids, names, traits and result bodies', () => {
    expect(new Set(COMMAND_ROWS.map((row) => row.type)).size).toBe(COMMAND_ROWS.length);
    expect(new Set(COMMAND_ROWS.map((row) => row.json)).size).toBe(COMMAND_ROWS.length);
    for (const row of COMMAND_ROWS) {
      expect(CommandType[row.name]).toBe(row.type);
      expect(COMMAND_TRAITS[row.type]).toBe(TRAIT_KNOWN | (row.readOnly ? TRAIT_READ_ONLY : 0) | (row.admin ? TRAIT_ADMIN : 0));
      expect(isReadOnlyCommand(row.json)).toBe(row.readOnly);
      expect(isAdminCommand(row.json)).toBe(row.admin);
      expect(RESULT_SPEC_BY_COMMAND[row.type]?.name ?? null).toBe(row.result);
    }
    expect(COMMAND_TRAITS.reduce((known, traits) => known + (traits & TRAIT_KNOWN ? 1 : 0), 0)).toBe(COMMAND_ROWS.length);
  });

  it('derives the JSON types (the compiler checks the lines marked @ts-expect-error)', () => {
    const order: Extract<CommandBody, { type: 'placeOrder' }> = { type: 'placeOrder', symbolId: 1, accountId: 2, quantity: 3, side: 'sell' };
    // @ts-expect-error side is required
    const noSide: Extract<CommandBody, { type: 'placeOrder' }> = { type: 'placeOrder', symbolId: 1, accountId: 2, quantity: 3 };
    // @ts-expect-error an enum takes its lower-case member names only
    const badSide: Extract<CommandBody, { type: 'placeOrder' }> = { type: 'placeOrder', symbolId: 1, accountId: 2, quantity: 3, side: 'up' };
    // @ts-expect-error a seat list is required
    const noSeats: Extract<CommandBody, { type: 'bookSeats' }> = { type: 'bookSeats', eventId: 1, buyerAccountId: 2 };
    expect([order, noSide, badSide, noSeats].map((c) => c.type)).toEqual(['placeOrder', 'placeOrder', 'placeOrder', 'bookSeats']);
  });

  it('docs/commands.md is the generated table (run `npm run docs:commands` after changing a row)', () => {
    expect(read('../../docs/commands.md')).toBe(renderCommandsDoc());
  });
});
