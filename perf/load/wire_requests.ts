/**
 * Client Request messages for load generators, built once with the generated FlatBuffers builders
 * (codec/generated) and then re-sent with their ids patched in place: `patchableRequest` encodes a
 * command with sentinel correlation and idempotency ids and records where those 8 bytes landed, so a
 * generator writes fresh ids with two 32-bit stores instead of running a Builder per message.
 */
import * as flatbuffers from 'flatbuffers';
import { Buy } from '../../codec/generated/ringline/wire/buy.ts';
import { Command } from '../../codec/generated/ringline/wire/command.ts';
import { CreateAccount } from '../../codec/generated/ringline/wire/create-account.ts';
import { CreateAsset } from '../../codec/generated/ringline/wire/create-asset.ts';
import { CreateItem } from '../../codec/generated/ringline/wire/create-item.ts';
import { Deposit } from '../../codec/generated/ringline/wire/deposit.ts';
import { Login } from '../../codec/generated/ringline/wire/login.ts';
import { Request } from '../../codec/generated/ringline/wire/request.ts';
import { Transfer } from '../../codec/generated/ringline/wire/transfer.ts';

/** A command the bench sends (the subset the scenarios need). */
export type WireCommand =
  | { readonly kind: 'createAsset'; readonly assetId: number }
  | { readonly kind: 'createAccount'; readonly accountId: number }
  | { readonly kind: 'deposit'; readonly accountId: number; readonly assetId: number; readonly amount: number }
  | { readonly kind: 'createItem'; readonly itemId: number; readonly merchantAccountId: number; readonly priceAssetId: number; readonly unitPrice: number; readonly stock: number }
  | { readonly kind: 'buy'; readonly itemId: number; readonly buyerAccountId: number; readonly quantity: number; readonly maxUnitPrice: number }
  | { readonly kind: 'transfer'; readonly fromAccountId: number; readonly toAccountId: number; readonly assetId: number; readonly amount: number };

/**
 * An encoded request whose ids can be rewritten in place; offsets are -1 when the field is absent.
 * `idFormat` says how ids are written: u64le (FlatBuffers) or decimal15 (15 ASCII digits in JSON, so
 * ids must lie in [1e14, 1e15): see HTTP_ID_START).
 */
export interface PatchableRequest {
  readonly payload: Uint8Array;
  readonly correlationOffset: number;
  readonly idempotencyOffset: number;
  readonly idFormat?: 'u64le' | 'decimal15';
}

/** First id of HTTP loads: every id has 15 digits, so it can be patched in place in the JSON body. */
export const HTTP_ID_START = 100_000_000_000_000;
const HTTP_ID_END = 1_000_000_000_000_000;

// Sentinels: safe integers whose 8 little-endian bytes are unlikely to occur elsewhere in a message.
const CORRELATION_SENTINEL = 0x1f2e3d4c5b6a7;
const IDEMPOTENCY_SENTINEL = 0x17a6b5c4d3e2f;

const big = (n: number): bigint => BigInt(n);

export function encodeLogin(apiKey: string): Uint8Array {
  const b = new flatbuffers.Builder(128);
  const key = b.createString(apiKey);
  const login = Login.createLogin(b, key, false);
  return finishRequest(b, 0, 0, Command.Login, login);
}

/** Encodes `command` as a Request with the given ids (0 = absent). */
export function encodeRequest(command: WireCommand, correlationId: number, idempotencyId: number): Uint8Array {
  const b = new flatbuffers.Builder(256);
  let type: Command;
  let offset: flatbuffers.Offset;
  switch (command.kind) {
    case 'createAsset':
      type = Command.CreateAsset;
      offset = CreateAsset.createCreateAsset(b, big(command.assetId));
      break;
    case 'createAccount':
      type = Command.CreateAccount;
      offset = CreateAccount.createCreateAccount(b, big(command.accountId), 0n);
      break;
    case 'deposit':
      type = Command.Deposit;
      offset = Deposit.createDeposit(b, big(command.accountId), big(command.assetId), big(command.amount));
      break;
    case 'createItem':
      type = Command.CreateItem;
      offset = CreateItem.createCreateItem(b, big(command.itemId), big(command.merchantAccountId), big(command.priceAssetId), big(command.unitPrice), big(command.stock));
      break;
    case 'buy':
      type = Command.Buy;
      offset = Buy.createBuy(b, big(command.itemId), big(command.buyerAccountId), big(command.quantity), big(command.maxUnitPrice));
      break;
    case 'transfer':
      type = Command.Transfer;
      offset = Transfer.createTransfer(b, big(command.fromAccountId), big(command.toAccountId), big(command.assetId), big(command.amount));
      break;
  }
  return finishRequest(b, correlationId, idempotencyId, type, offset);
}

/** Encodes `command` once with sentinel ids and locates them, for patching per message. */
export function patchableRequest(command: WireCommand, withIdempotency: boolean): PatchableRequest {
  const payload = encodeRequest(command, CORRELATION_SENTINEL, withIdempotency ? IDEMPOTENCY_SENTINEL : 0);
  const correlationOffset = findU64(payload, CORRELATION_SENTINEL);
  const idempotencyOffset = withIdempotency ? findU64(payload, IDEMPOTENCY_SENTINEL) : -1;
  if (correlationOffset < 0 || (withIdempotency && idempotencyOffset < 0)) {
    throw new Error(`patchableRequest: sentinel ids not found once in the encoded ${command.kind}`);
  }
  return { payload, correlationOffset, idempotencyOffset };
}

/** Writes a safe integer as a little-endian u64 at `offset` without allocating. */
export function writeU64(view: DataView, offset: number, value: number): void {
  view.setUint32(offset, value % 0x1_0000_0000, true);
  view.setUint32(offset + 4, Math.floor(value / 0x1_0000_0000), true);
}

/** Reads a little-endian u64 (up to 2^53) at `offset` without allocating. */
export function readU64(view: DataView, offset: number): number {
  return view.getUint32(offset, true) + view.getUint32(offset + 4, true) * 0x1_0000_0000;
}

function finishRequest(b: flatbuffers.Builder, correlationId: number, idempotencyId: number, type: Command, command: flatbuffers.Offset): Uint8Array {
  Request.startRequest(b);
  Request.addCorrelationId(b, big(correlationId));
  Request.addIdempotencyId(b, big(idempotencyId));
  Request.addCommandType(b, type);
  Request.addCommand(b, command);
  b.finish(Request.endRequest(b));
  return b.asUint8Array().slice();
}

function findU64(bytes: Uint8Array, value: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let found = -1;
  for (let i = 0; i + 8 <= bytes.length; i++) {
    if (readU64(view, i) === value) {
      if (found >= 0) return -1; // ambiguous
      found = i;
    }
  }
  return found;
}

/** The JSON body of `command` (the shape of codec/types/command_json.ts), without its type. */
function jsonFields(command: WireCommand): Record<string, number> {
  const { kind: _kind, ...fields } = command;
  return fields;
}

/**
 * A whole HTTP/1.1 request (`POST /v1/commands/<type>`, keep-alive, bearer key) whose JSON body
 * carries 15-digit correlation and idempotency ids patched in place per request.
 */
export function patchableHttpRequest(command: WireCommand, host: string, apiKey: string, withIdempotency: boolean): PatchableRequest {
  const correlation = String(HTTP_ID_START);
  const body = JSON.stringify({ correlationId: 0, ...(withIdempotency ? { idempotencyId: 0 } : {}), ...jsonFields(command) })
    .replace('"correlationId":0', `"correlationId":${correlation}`)
    .replace('"idempotencyId":0', `"idempotencyId":${correlation}`);
  const head = `POST /v1/commands/${command.kind} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${apiKey}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
  const text = head + body;
  const correlationOffset = text.indexOf(`"correlationId":${correlation}`) + '"correlationId":'.length;
  const idempotencyOffset = withIdempotency ? text.indexOf(`"idempotencyId":${correlation}`) + '"idempotencyId":'.length : -1;
  return { payload: new Uint8Array(Buffer.from(text, 'latin1')), correlationOffset, idempotencyOffset, idFormat: 'decimal15' };
}

/** Writes `value` (in [1e14, 1e15)) as 15 ASCII digits at `offset`, without allocating. */
export function writeDecimal15(bytes: Uint8Array, offset: number, value: number): void {
  if (!(value >= HTTP_ID_START && value < HTTP_ID_END)) throw new RangeError(`decimal15 id out of range: ${value}`);
  let v = value;
  for (let i = 14; i >= 0; i--) {
    bytes[offset + i] = 48 + (v % 10);
    v = Math.floor(v / 10);
  }
}
