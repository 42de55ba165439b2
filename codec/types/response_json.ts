/**
 * The typed form of every response: what decodeResponse returns to the TypeScript client, what
 * HTTP/JSON answers with, and what the replay CLI prints for a result record. Integers are safe
 * integers; enums are lower-case names.
 */
import type { OrderStatus } from '../registry/enum_values.ts';
import type { AnyResultRow } from '../registry/result_registry.ts';
import type { CommandName, EnumNames } from './command_json.ts';

export type OrderStatusName = EnumNames<typeof OrderStatus>;

type Simplify<T> = { [K in keyof T]: T[K] } & {};
type FieldValue<F> = F extends { readonly values: infer E extends Readonly<Record<string, number>> } ? EnumNames<E> : number;
type Fields<Fs extends readonly unknown[]> =
  { -readonly [F in Fs[number] as F extends { readonly json: infer J extends string } ? J : never]: FieldValue<F> };
type ItemOf<R extends AnyResultRow, K extends string> = R extends { readonly list: { readonly kind: K; readonly fields: infer E extends readonly unknown[] } }
  ? Simplify<Fields<E>> : never;
type Lists<L> = L extends { readonly json: infer Js extends readonly string[]; readonly fields: infer E extends readonly unknown[] }
  ? { -readonly [J in Js[number]]: Simplify<Fields<E>>[] } : unknown;
type BodyOf<R extends AnyResultRow> = Simplify<{ type: R['json'] } & Fields<R['fields']> & Lists<R['list']>>;

/** One fill of an order result: `{ makerOrderId, price, quantity }` (codec/registry/result_registry.ts). */
export type FillJson = ItemOf<AnyResultRow, 'fills'>;
/** One price level of a depth result: `{ price, quantity }`. */
export type LevelJson = ItemOf<AnyResultRow, 'levels'>;

/** One member per result row: `{ type: 'balance'; available: number; reserved: number }`. */
export type ResultBodyJson = AnyResultRow extends infer R ? R extends AnyResultRow ? BodyOf<R> : never : never;
export type ResultBodyName = ResultBodyJson['type'];

export interface ResponseJson {
  correlationId: number;
  /** The command's sequence in the engine's total order; 0 when it never reached the engine. */
  sequence: number;
  /** The command answered; 'none' when the request was not understood. */
  command: CommandName | 'login' | 'none';
  /** Result code (codec/result_codes.ts) and its symbolic name, e.g. 304 / "INSUFFICIENT_FUNDS". */
  code: number;
  status: string;
  /** Set when code != 0: what went wrong, for a person. */
  message?: string;
  /** RESULT_FLAG_* bits: 1 = duplicate (the stored first result), 2 = fills truncated. */
  flags: number;
  /** The checkout leg that failed, -1 = none. */
  failedLegIndex: number;
  result?: ResultBodyJson;
}
