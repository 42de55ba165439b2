import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { FieldKind } from '../spec/field_spec.ts';
import { RESULT_SPECS } from '../spec/result_spec.ts';
import type { SideName, OrderTypeName, TimeInForceName } from '../types/command_json.ts';
import type { FillJson, LevelJson, OrderStatusName, ResultBodyJson } from '../types/response_json.ts';
import { upperSnake } from './record_layout.ts';
import { resultRowLayout } from './result_layout.ts';
import { RESULT_ROWS } from './result_registry.ts';

const read = (relative: string): string => readFileSync(fileURLToPath(new URL(relative, import.meta.url)), 'utf8');
const pascal = (json: string): string => json[0].toUpperCase() + json.slice(1);
const snake = (json: string): string => upperSnake(json).toLowerCase();
const WIRE_TYPE: Readonly<Record<number, string>> = { [FieldKind.U64]: 'uint64', [FieldKind.U32]: 'uint32' };

describe('result registry', () => {
  it('agrees with the schema: union member number = tag, table fields in row order, list structs', () => {
    const schema = read('../ringline.fbs');
    const union = /union Result \{([^}]*)\}/.exec(schema)?.[1] ?? '';
    const members = new Map([...union.matchAll(/(\w+) = (\d+)/g)].map((m) => [m[1], Number(m[2])]));
    expect(members.size).toBe(RESULT_ROWS.length);
    for (const row of RESULT_ROWS) {
      const table = `${pascal(row.json)}Result`;
      expect(members.get(table), row.json).toBe(row.tag);
      const body = new RegExp(`table ${table} \\{([^}]*)\\}`).exec(schema)?.[1] ?? '';
      const wireFields = [...body.matchAll(/(\w+): ([\w[\]]+)/g)].map((m) => `${m[1]}:${m[2]}`);
      const expected: string[] = row.fields.map((field) => `${snake(field.json)}:${
        WIRE_TYPE[field.kind] ?? pascal(field.json)}`);
      if (row.list !== null) {
        const struct = pascal(row.list.item.toLowerCase());
        for (const list of row.list.json) expected.push(`${list}:[${struct}]`);
        const structBody = new RegExp(`struct ${struct} \\{([^}]*)\\}`).exec(schema)?.[1] ?? '';
        expect([...structBody.matchAll(/(\w+): (\w+)/g)].map((m) => m[1]), struct)
          .toEqual(row.list.fields.map((field) => snake(field.json)));
      }
      expect(wireFields, row.json).toEqual(expected);
    }
  });

  it('lays out every field inside its fixed bytes, aligned to its size, without overlap', () => {
    for (const row of RESULT_ROWS) {
      const { fieldOffsets, countOffsets, fixedBytes } = resultRowLayout(row);
      const taken = new Set<number>();
      [...row.fields, ...(row.list?.counts ?? [])].forEach((field, i) => {
        const offset = [...fieldOffsets, ...countOffsets][i];
        const bytes = field.kind === FieldKind.ENUM_U8 ? 1 : field.kind === FieldKind.U64 ? 8 : 4;
        expect(offset % bytes, `${row.json}.${field.json}`).toBe(0);
        expect(offset + bytes).toBeLessThanOrEqual(fixedBytes);
        for (let b = offset; b < offset + bytes; b++) {
          expect(taken.has(b), `${row.json}.${field.json} overlaps`).toBe(false);
          taken.add(b);
        }
      });
      expect(fixedBytes % 8).toBe(0);
    }
    expect(RESULT_SPECS.map((spec) => spec.name)).toEqual(RESULT_ROWS.map((row) => row.json));
  });

  it('derives the JSON body types the hand-written ones had', () => {
    expectTypeOf<FillJson>().toEqualTypeOf<{ makerOrderId: number; price: number; quantity: number }>();
    expectTypeOf<LevelJson>().toEqualTypeOf<{ price: number; quantity: number }>();
    expectTypeOf<OrderStatusName>().toEqualTypeOf<'resting' | 'filled' | 'cancelled' | 'pending'>();
    type Pinned =
      | { type: 'balance'; available: number; reserved: number }
      | { type: 'amount'; amount: number }
      | { type: 'item'; stock: number; sold: number; unitPrice: number; totalPrice: number }
      | { type: 'price'; totalPrice: number }
      | { type: 'seat'; holderAccountId: number }
      | { type: 'order'; orderId: number; filledQuantity: number; restingQuantity: number; orderStatus: OrderStatusName;
        fillCount: number; fills: FillJson[] }
      | { type: 'cancel'; orderId: number; cancelledQuantity: number }
      | { type: 'orderInfo'; orderId: number; accountId: number; price: number; restingQuantity: number;
        filledQuantity: number; side: SideName; orderType: OrderTypeName; timeInForce: TimeInForceName;
        orderStatus: OrderStatusName }
      | { type: 'depth'; bids: LevelJson[]; asks: LevelJson[] }
      | { type: 'snapshot'; snapshotSequence: number }
      | { type: 'stateHash'; hashHigh: number; hashLow: number }
      | { type: 'cancelAll'; cancelledOrders: number }
      | { type: 'principal'; principalId: number }
      | { type: 'position'; shortQuantity: number; pendingShortQuantity: number; collateral: number; referencePrice: number;
        maintenanceRequirement: number };
    expectTypeOf<ResultBodyJson>().toEqualTypeOf<Pinned>();
    const sample: ResultBodyJson = { type: 'depth', bids: [{ price: 1, quantity: 2 }], asks: [] };
    expect(sample.type).toBe('depth');
  });
});
