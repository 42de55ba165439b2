import { describe, it, expect } from 'vitest';
import * as flatbuffers from 'flatbuffers';
import { Response } from '../../codec/generated/ringline/wire/response.ts';
import { peekResponseCode, peekResponseCorrelationId, peekResponseSequence } from './response_peek.ts';
import { encodeRequest, patchableRequest, readU64, writeU64 } from './wire_requests.ts';
import { Request } from '../../codec/generated/ringline/wire/request.ts';
import { Command } from '../../codec/generated/ringline/wire/command.ts';
import { Buy } from '../../codec/generated/ringline/wire/buy.ts';

function response(correlationId: number, code: number, sequence: number, message?: string): Uint8Array {
  const b = new flatbuffers.Builder(64);
  const msg = message === undefined ? 0 : b.createString(message);
  Response.startResponse(b);
  Response.addCorrelationId(b, BigInt(correlationId));
  Response.addCode(b, code);
  if (msg !== 0) Response.addMessage(b, msg);
  Response.addSequence(b, BigInt(sequence));
  b.finish(Response.endResponse(b));
  return b.asUint8Array().slice();
}

describe('response peek', () => {
  it('reads code, correlation id and sequence the way the generated reader does', () => {
    for (const [corr, code, seq] of [[1, 0, 7], [2 ** 53 - 1, 304, 2 ** 40 + 3], [0, 0, 0], [123_456, 107, 0]] as const) {
      const bytes = response(corr, code, seq, code === 0 ? undefined : 'no');
      // Embed at an odd offset inside a bigger buffer, as frames sit inside a socket chunk.
      const chunk = new Uint8Array(bytes.length + 13);
      chunk.set(bytes, 5);
      const view = new DataView(chunk.buffer);
      expect(peekResponseCode(view, 5, bytes.length)).toBe(code);
      expect(peekResponseCorrelationId(view, 5, bytes.length)).toBe(corr);
      expect(peekResponseSequence(view, 5, bytes.length)).toBe(seq);
      const r = Response.getRootAsResponse(new flatbuffers.ByteBuffer(bytes));
      expect(Number(r.correlationId())).toBe(corr);
    }
  });

  it('answers -1 for bytes that cannot be a Response', () => {
    const view = new DataView(new Uint8Array([1, 2, 3]).buffer);
    expect(peekResponseCode(view, 0, 3)).toBe(-1);
    const junk = new DataView(new Uint8Array([200, 0, 0, 0, 0, 0, 0, 0, 0, 0]).buffer);
    expect(peekResponseCode(junk, 0, 10)).toBe(-1);
  });
});

describe('patchable requests', () => {
  it('patches correlation and idempotency ids in place so the decoded request carries them', () => {
    const p = patchableRequest({ kind: 'buy', itemId: 5, buyerAccountId: 9, quantity: 1, maxUnitPrice: 0 }, true);
    const bytes = p.payload.slice();
    const view = new DataView(bytes.buffer);
    writeU64(view, p.correlationOffset, 2 ** 53 - 2);
    writeU64(view, p.idempotencyOffset, 77);
    expect(readU64(view, p.correlationOffset)).toBe(2 ** 53 - 2);
    const r = Request.getRootAsRequest(new flatbuffers.ByteBuffer(bytes));
    expect(r.correlationId()).toBe(BigInt(2 ** 53 - 2));
    expect(r.idempotencyId()).toBe(77n);
    expect(r.commandType()).toBe(Command.Buy);
    const buy = r.command(new Buy()) as Buy;
    expect(buy.itemId()).toBe(5n);
    expect(buy.buyerAccountId()).toBe(9n);
  });

  it('leaves idempotency absent when not asked for', () => {
    const p = patchableRequest({ kind: 'transfer', fromAccountId: 1, toAccountId: 2, assetId: 1, amount: 1 }, false);
    expect(p.idempotencyOffset).toBe(-1);
    const r = Request.getRootAsRequest(new flatbuffers.ByteBuffer(encodeRequest({ kind: 'createAsset', assetId: 3 }, 9, 0)));
    expect(r.idempotencyId()).toBe(0n);
    expect(r.correlationId()).toBe(9n);
  });
});
