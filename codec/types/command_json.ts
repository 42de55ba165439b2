/**
 * The typed form of every command: what the TypeScript client passes to encodeRequest, what HTTP/JSON
 * bodies parse to, and what the replay CLI prints for a journal record. All integers are safe integers
 * (0 … 2^53 - 1). The types are derived from the registry rows (codec/registry/command_registry.ts);
 * the JSON shape is documented in docs/protocol.md ("JSON") and docs/commands.md.
 */
import type { AnyCommandRow } from '../registry/command_registry.ts';
import type { OrderType, SelfTradePrevention, Side, TimeInForce } from '../registry/enum_values.ts';
import type { EnumValues } from '../registry/enum_values.ts';

/** The JSON names of an enum: its member names in lower case. */
export type EnumNames<E extends EnumValues> = Lowercase<keyof E & string>;
export type SideName = EnumNames<typeof Side>;
export type OrderTypeName = EnumNames<typeof OrderType>;
export type TimeInForceName = EnumNames<typeof TimeInForce>;
export type SelfTradeName = EnumNames<typeof SelfTradePrevention>;

/** Carried by every command; both default to 0 (0 = no idempotency id). */
export interface RequestIds {
  correlationId?: number;
  idempotencyId?: number;
}

export interface CheckoutLineJson { itemId: number; quantity: number }

type Simplify<T> = { [K in keyof T]: T[K] } & {};
type FieldValue<F> = F extends { readonly values: infer E extends EnumValues } ? EnumNames<E> : number;
type Fields<Fs extends readonly unknown[]> =
  & { -readonly [F in Fs[number] as F extends { readonly optional: false; readonly json: infer J extends string } ? J : never]:
    FieldValue<F> }
  & { -readonly [F in Fs[number] as F extends { readonly optional: true; readonly json: infer J extends string } ? J : never]?:
    FieldValue<F> };
type Lists<L> = L extends 'seats' ? { seats: number[] }
  : L extends 'checkout' ? { lines?: CheckoutLineJson[]; seats?: number[] } : unknown;
type BodyOf<R extends AnyCommandRow> = Simplify<{ type: R['json'] } & Fields<R['fields']> & Lists<R['list']>>;

/** One member per registry row: `{ type: 'deposit'; accountId: number; assetId: number; amount: number }`. */
export type CommandBody = AnyCommandRow extends infer R ? R extends AnyCommandRow ? BodyOf<R> : never : never;

/** A command the engine runs. */
export type CommandJson = CommandBody & RequestIds;
export type CommandName = CommandBody['type'];

/** Authenticates a connection (the first frame); the gateway handles it. */
/** cancelOnDisconnect: when the session closes, the gateway cancels every order of the principal's accounts. */
export interface LoginJson { type: 'login'; apiKey: string; correlationId?: number; cancelOnDisconnect?: boolean }

/** Anything a client sends. */
export type RequestJson = CommandJson | LoginJson;
