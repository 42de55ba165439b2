/**
 * Client side: a typed request → FlatBuffers `Request` bytes, reusing one Builder.
 *
 *   const builder = new Builder(1024);
 *   const frame = encodeRequest({ type: 'transfer', fromAccountId: 1, toAccountId: 2, assetId: 1, amount: 100,
 *     idempotencyId: 7, correlationId: 1 }, builder);   // a view into the builder: send or copy before reuse
 *
 * Throws RangeError (with the result code's message and the field) for a request the gateway would
 * reject as malformed: unknown fields, non-integers, values beyond 2^53 - 1, bad enum names.
 */
import type { Builder } from 'flatbuffers';
import { Checkout } from '../records/command_descriptor.ts';
import { commandSpecByName, LOGIN_UNION_TYPE, ListKind } from '../spec/command_spec.ts';
import { enumValueOf } from '../spec/enum_spec.ts';
import { FieldKind } from '../spec/field_spec.ts';
import { validateRequest } from '../json/request_validator.ts';
import type { CheckoutLineJson, RequestJson } from '../types/command_json.ts';
import { addU64Field, createU32Vector, createU64StructVector } from './builder_fields.ts';
import { RequestField } from './translate_request.ts';
import { TranslateResult } from './translate_result.ts';

export interface RequestIds {
  correlationId: number;
  idempotencyId: number;
}

const check = new TranslateResult();
let currentLines: readonly CheckoutLineJson[] = [];
const lineField = (i: number, f: number): number => (f === 0 ? currentLines[i].itemId : currentLines[i].quantity);

/**
 * `ids`: correlation and idempotency ids that replace the request's own (a client that numbers its
 * commands passes them here instead of copying each command object to add them).
 */
export function encodeRequest(request: RequestJson, builder: Builder, ids?: RequestIds): Uint8Array {
  const full = validateRequest(request, check);
  if (full === null) throw new RangeError(`encodeRequest: ${check.message}`);
  builder.clear();
  let unionType: number;
  let commandOffset: number;
  if (full.type === 'login') {
    const key = builder.createString(full.apiKey);
    builder.startObject(2);
    builder.addFieldOffset(0, key, 0);
    builder.addFieldInt8(1, full.cancelOnDisconnect === true ? 1 : 0, 0);
    commandOffset = builder.endObject();
    builder.requiredField(commandOffset, 4);
    unionType = LOGIN_UNION_TYPE;
  } else {
    const spec = commandSpecByName(full.type);
    if (spec === undefined) throw new RangeError(`encodeRequest: unknown command ${full.type}`);
    const values = full as unknown as Record<string, unknown>;
    let linesOffset = 0;
    let seatsOffset = 0;
    if (spec.list === ListKind.CHECKOUT) {
      currentLines = values.lines as readonly CheckoutLineJson[];
      linesOffset = createU64StructVector(builder, currentLines.length, Checkout.LINE_BYTES / 8, lineField);
      currentLines = [];
    }
    if (spec.list !== ListKind.NONE) seatsOffset = createU32Vector(builder, values.seats as readonly number[]);
    const fieldCount = spec.fields.length + (spec.list === ListKind.CHECKOUT ? 2 : spec.list === ListKind.SEATS ? 1 : 0);
    builder.startObject(fieldCount);
    for (const field of spec.fields) {
      const value = values[field.json];
      if (field.kind === FieldKind.U64) {
        addU64Field(builder, field.index, value as number, field.defaultValue);
      } else if (field.kind === FieldKind.U32_AS_F64) {
        builder.addFieldInt32(field.index, value as number, field.defaultValue);
      } else if (field.enumSpec !== null) {
        builder.addFieldInt8(field.index, enumValueOf(field.enumSpec, value as string), field.defaultValue);
      }
    }
    if (spec.list === ListKind.SEATS) builder.addFieldOffset(2, seatsOffset, 0);
    if (spec.list === ListKind.CHECKOUT) {
      builder.addFieldOffset(2, linesOffset, 0);
      builder.addFieldOffset(3, seatsOffset, 0);
    }
    commandOffset = builder.endObject();
    unionType = spec.type;
  }
  builder.startObject(4);
  addU64Field(builder, RequestField.CORRELATION_ID, ids !== undefined ? ids.correlationId : full.correlationId ?? 0, 0);
  addU64Field(builder, RequestField.IDEMPOTENCY_ID,
    full.type === 'login' ? 0 : ids !== undefined ? ids.idempotencyId : full.idempotencyId ?? 0, 0);
  builder.addFieldOffset(RequestField.COMMAND, commandOffset, 0);
  builder.addFieldInt8(RequestField.COMMAND_TYPE, unionType, 0);
  const root = builder.endObject();
  builder.requiredField(root, 4 + 2 * RequestField.COMMAND);
  builder.finish(root);
  return builder.asUint8Array();
}

