/**
 * The encoders', decoders' and JSON mapping's view of every result body, derived at load from its row
 * (codec/registry/result_registry.ts): its wire table and union member (codec/ringline.fbs `Result`),
 * its JSON name and fields, and where each field sits in the output record (result_layout.ts).
 * Which body a command's result carries is its registry row's `result` (RESULT_SPEC_BY_COMMAND).
 */
import { COMMAND_ROWS } from '../registry/command_registry.ts';
import { resultRowLayout } from '../registry/result_layout.ts';
import { RESULT_ROWS, type ResultListName, type ResultRow } from '../registry/result_registry.ts';
import { fieldsOfRow, tableByNumber, type FieldSpec } from './field_spec.ts';

export const ResultListKind = {
  NONE: 0,
  /** OrderResult: `fill_count: uint32` then `fills: [Fill]` at wire indexes 4 and 5. */
  FILLS: 1,
  /** DepthResult: `bids: [Level]`, `asks: [Level]` at wire indexes 0 and 1. */
  LEVELS: 2,
} as const;
export type ResultListKind = (typeof ResultListKind)[keyof typeof ResultListKind];

export interface ResultSpec {
  /** Union member number in the schema's `Result`. */
  readonly tag: number;
  /** JSON `type` of the body, e.g. "balance". */
  readonly name: string;
  readonly fields: readonly FieldSpec[];
  readonly list: ResultListKind;
  /** Record bytes without lists. */
  readonly fixedBytes: number;
}

const LIST_KIND: Readonly<Record<ResultListName, ResultListKind>> = { fills: ResultListKind.FILLS, levels: ResultListKind.LEVELS };

function specOf(row: ResultRow): ResultSpec {
  const { fieldOffsets, fixedBytes } = resultRowLayout(row);
  return {
    tag: row.tag, name: row.json, fields: fieldsOfRow(row.json, row.fields, fieldOffsets),
    list: row.list === null ? ResultListKind.NONE : LIST_KIND[row.list.kind], fixedBytes,
  };
}

/** Every result body, in registry order (codec/registry/result_registry.ts). */
export const RESULT_SPECS: readonly ResultSpec[] = RESULT_ROWS.map(specOf);

/** Spec by union tag (0 = no body). */
export const RESULT_SPEC_BY_TAG: ReadonlyArray<ResultSpec | undefined> = tableByNumber(RESULT_SPECS, (spec) => spec.tag);

const BY_NAME = new Map(RESULT_SPECS.map((spec) => [spec.name, spec]));
export function resultSpecByName(name: string): ResultSpec | undefined {
  return BY_NAME.get(name);
}

function named(name: string): ResultSpec {
  const spec = resultSpecByName(name);
  if (spec === undefined) throw new Error(`result spec: no body "${name}"`);
  return spec;
}
export const BALANCE_RESULT = named('balance');
export const AMOUNT_RESULT = named('amount');
export const ITEM_RESULT = named('item');
export const PRICE_RESULT = named('price');
export const SEAT_RESULT = named('seat');
export const ORDER_RESULT = named('order');
export const CANCEL_RESULT = named('cancel');
export const ORDER_INFO_RESULT = named('orderInfo');
export const DEPTH_RESULT = named('depth');
export const SNAPSHOT_RESULT = named('snapshot');
export const STATE_HASH_RESULT = named('stateHash');

/** The body a successful command's result carries (by command type, from the registry's `result`); undefined = no body. */
export const RESULT_SPEC_BY_COMMAND: ReadonlyArray<ResultSpec | undefined> = (() => {
  const table = new Array<ResultSpec | undefined>(256).fill(undefined);
  for (const row of COMMAND_ROWS) {
    if (row.result === null) continue;
    const spec = resultSpecByName(row.result);
    if (spec === undefined) throw new Error(`result spec: ${row.json} answers with unknown result "${row.result}"`);
    table[row.type] = spec;
  }
  return table;
})();

for (const spec of RESULT_SPECS) {
  if (RESULT_SPEC_BY_TAG[spec.tag] !== spec) throw new Error(`result spec: tag ${spec.tag} used twice`);
}
