import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Builder } from 'flatbuffers';
import { createRecordBuffer } from '../records/record_buffer.ts';
import { readResultRecord, writeResultRecord } from '../records/result_record_json.ts';
import { anyResponse } from '../test_support/arbitraries.ts';
import { decodeResponse } from './response_decoder.ts';
import { encodeResponse } from './response_encoder.ts';
import { MAX_RESPONSE_BYTES, writeErrorResponse, writeResponse } from './response_writer.ts';
import * as wire from '../generated/ringline/wire.ts';
import { ByteBuffer } from 'flatbuffers';

const record = createRecordBuffer(new ArrayBuffer(1024));
const out = new Uint8Array(MAX_RESPONSE_BYTES * 2);
const builder = new Builder(1024);

describe('writeResponse (the Builder-free reply path)', () => {
  it('writes what the Builder path writes, value for value, at any output position', () => {
    fc.assert(fc.property(anyResponse, fc.integer({ min: 0, max: 64 }), (response, shift) => {
      writeResultRecord(response, record, 16);
      out.fill(0x11);
      const first = out.slice(shift, shift + writeResponse(record, 16, out, shift));
      out.fill(0xee); // stale bytes must not survive into the message: same bytes over any old content
      const written = writeResponse(record, 16, out, shift);
      expect(written % 4).toBe(0);
      const bytes = out.slice(shift, shift + written);
      expect(decodeResponse(bytes)).toStrictEqual(readResultRecord(record, 16));
      expect(decodeResponse(bytes)).toStrictEqual(decodeResponse(encodeResponse(record, 16, builder)));
      expect(bytes).toEqual(first);
    }), { numRuns: 1500 });
  });

  it('is read by the flatc-generated reader', () => {
    writeResultRecord({
      correlationId: 2 ** 40, sequence: 77, command: 'getDepth', code: 0, status: 'OK', flags: 0, failedLegIndex: -1,
      result: { type: 'depth', bids: [{ price: 10, quantity: 2 }], asks: [{ price: 11, quantity: 3 }, { price: 12, quantity: 1 }] },
    }, record, 0);
    const written = writeResponse(record, 0, out, 4);
    const response = wire.Response.getRootAsResponse(new ByteBuffer(out.slice(4, 4 + written)));
    expect(response.correlationId()).toBe(2n ** 40n);
    expect(response.sequence()).toBe(77n);
    expect(response.resultType()).toBe(wire.Result.DepthResult);
    const depth = response.result(new wire.DepthResult()) as wire.DepthResult;
    expect(depth.asksLength()).toBe(2);
    expect(depth.asks(1)!.price()).toBe(12n);
    expect(depth.bids(0)!.quantity()).toBe(2n);
    expect(response.message()).toBeNull();
  });

  it('writes error responses for requests that never reached the engine', () => {
    const written = writeErrorResponse(out, 4, 123, 107, 22);
    expect(decodeResponse(out.slice(4, 4 + written))).toStrictEqual({
      correlationId: 123, sequence: 0, command: 'buy', code: 107, status: 'BUSY', flags: 0, failedLegIndex: -1,
      message: 'the engine is busy (input ring full): retry later',
    });
  });

  it('refuses an output buffer without room for the largest response', () => {
    expect(() => writeResponse(record, 0, new Uint8Array(100), 0)).toThrow(RangeError);
  });
});
