/**
 * Reads a Request with the flatc-generated TypeScript (the reference reader) into the same full-form
 * object readCommandRecord gives. Tests use it to prove that what the verifier accepts, the reference
 * reader reads the same way (no buffer the verifier accepts can be misread).
 */
import { ByteBuffer } from 'flatbuffers';
import * as wire from '../generated/ringline/wire.ts';
import { COMMAND_SPEC_BY_TYPE, LOGIN_UNION_TYPE, ListKind } from '../spec/command_spec.ts';
import { enumName } from '../spec/enum_spec.ts';

type Accessors = Record<string, (index?: number) => unknown>;
type TableClass = new () => object;

function toNumber(value: unknown): unknown {
  return typeof value === 'bigint' ? Number(value) : value;
}

export function readRequestWithGeneratedCode(bytes: Uint8Array): Record<string, unknown> {
  const request = wire.Request.getRootAsRequest(new ByteBuffer(bytes));
  const type = request.commandType() as number;
  if (type === LOGIN_UNION_TYPE) {
    const login = request.command(new wire.Login()) as wire.Login;
    return { type: 'login', apiKey: login.apiKey(), correlationId: Number(request.correlationId()) };
  }
  const spec = COMMAND_SPEC_BY_TYPE[type];
  if (spec === undefined) throw new Error(`generated reader: unknown command ${type}`);
  const className = spec.name[0].toUpperCase() + spec.name.slice(1);
  const Table = (wire as unknown as Record<string, TableClass>)[className];
  const table = request.command(new Table() as never) as unknown as Accessors;
  const out: Record<string, unknown> = { type: spec.name };
  for (const field of spec.fields) {
    const value = toNumber(table[field.json].call(table));
    out[field.json] = field.enumSpec !== null ? enumName(field.enumSpec, value as number) : value;
  }
  if (spec.list === ListKind.CHECKOUT) {
    const count = table.linesLength.call(table) as number;
    const lines = [];
    for (let i = 0; i < count; i++) {
      const line = table.lines.call(table, i) as wire.CheckoutLine;
      lines.push({ itemId: Number(line.itemId()), quantity: Number(line.quantity()) });
    }
    out.lines = lines;
  }
  if (spec.list !== ListKind.NONE) {
    const count = table.seatsLength.call(table) as number;
    const seats = [];
    for (let i = 0; i < count; i++) seats.push(table.seats.call(table, i) as number);
    out.seats = seats;
  }
  out.correlationId = Number(request.correlationId());
  out.idempotencyId = Number(request.idempotencyId());
  return out;
}
