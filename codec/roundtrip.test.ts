import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Builder } from 'flatbuffers';
import { CMD_MAX_RECORD_BYTES } from './records/command_descriptor.ts';
import { createRecordBuffer } from './records/record_buffer.ts';
import { readCommandRecord } from './records/command_record_json.ts';
import { readResultRecord, writeResultRecord } from './records/result_record_json.ts';
import { ResultCode } from './result_codes.ts';
import { COMMAND_SPECS } from './spec/command_spec.ts';
import { anyResponse, commandArbitrary } from './test_support/arbitraries.ts';
import { readRequestWithGeneratedCode } from './test_support/generated_reader.ts';
import { translateJsonRequest } from './json/translate_json_request.ts';
import { encodeRequest } from './wire/request_encoder.ts';
import { encodeResponse, encodeErrorResponse } from './wire/response_encoder.ts';
import { decodeResponse } from './wire/response_decoder.ts';
import { encodeResponseJson } from './wire/response_json_encoder.ts';
import { translateRequest } from './wire/translate_request.ts';
import { TranslateResult } from './wire/translate_result.ts';

const RUNS = 150;
const builder = new Builder(1024);
const wireRecord = createRecordBuffer(new ArrayBuffer(CMD_MAX_RECORD_BYTES * 2));
const jsonRecord = createRecordBuffer(new ArrayBuffer(CMD_MAX_RECORD_BYTES * 2));
const result = new TranslateResult();
const BASE = CMD_MAX_RECORD_BYTES / 2; // not at 0, so base arithmetic is exercised

describe('commands round-trip exactly', () => {
  for (const spec of COMMAND_SPECS) {
    it(`${spec.name}: wire → verify → record → wire (the generated reader agrees), and JSON → record gives the same record`, () => {
      fc.assert(fc.property(commandArbitrary(spec), (command) => {
        const wire = encodeRequest(command, builder).slice();
        expect(translateRequest(wire, wireRecord, BASE, result)).toBe(ResultCode.OK);
        expect(result.commandType).toBe(spec.type);
        const recordBytes = result.recordBytes;
        const back = readCommandRecord(wireRecord, BASE);
        expect(back).toStrictEqual(command);
        expect(readRequestWithGeneratedCode(wire)).toStrictEqual(command);
        expect(encodeRequest(back, builder)).toEqual(wire);

        const text = JSON.stringify(command);
        expect(translateJsonRequest(text, jsonRecord, BASE, result)).toBe(ResultCode.OK);
        expect(result.recordBytes).toBe(recordBytes);
        expect(jsonRecord.bytes.subarray(BASE, BASE + recordBytes)).toEqual(wireRecord.bytes.subarray(BASE, BASE + recordBytes));
        // JSON → wire → JSON is exact, key order included.
        const viaWire = encodeRequest(JSON.parse(text), builder);
        expect(translateRequest(viaWire, wireRecord, BASE, result)).toBe(ResultCode.OK);
        expect(JSON.stringify(readCommandRecord(wireRecord, BASE))).toBe(text);
      }), { numRuns: RUNS });
    });
  }
});

describe('responses round-trip exactly', () => {
  const record = createRecordBuffer(new ArrayBuffer(1024));
  it('record → JSON, record → wire → JSON, and JSON → wire → JSON for every command and result body', () => {
    fc.assert(fc.property(anyResponse, (response) => {
      writeResultRecord(response, record, 8, 3, 4);
      expect(readResultRecord(record, 8)).toStrictEqual(response);
      const wire = encodeResponse(record, 8, builder).slice();
      const decoded = decodeResponse(wire);
      expect(decoded).toStrictEqual(response);
      expect(JSON.stringify(decoded)).toBe(JSON.stringify(response));
      expect(encodeResponseJson(JSON.parse(JSON.stringify(response)), builder)).toEqual(wire);
    }), { numRuns: RUNS * 10 });
  });

  it('error responses carry the correlation id, the code and the detailed message', () => {
    const wire = encodeErrorResponse(builder, 2 ** 53 - 1, ResultCode.INTEGER_OUT_OF_RANGE, 'too big (transfer.amount)', 14);
    expect(decodeResponse(wire)).toStrictEqual({
      correlationId: 2 ** 53 - 1, sequence: 0, command: 'transfer', code: 104, status: 'INTEGER_OUT_OF_RANGE',
      flags: 0, failedLegIndex: -1, message: 'too big (transfer.amount)',
    });
    expect(decodeResponse(encodeErrorResponse(builder, 5, ResultCode.BUSY))).toMatchObject({
      correlationId: 5, code: ResultCode.BUSY, message: 'the engine is busy (input ring full): retry later', command: 'none',
    });
  });

  it('lists only the fills the record holds when more happened (flag FILLS_TRUNCATED)', () => {
    const fills = Array.from({ length: 18 }, (_, i) => ({ makerOrderId: i + 1, price: 100 + i, quantity: 1 }));
    const response = {
      correlationId: 1, sequence: 9, command: 'placeOrder', code: 0, status: 'OK', flags: 2, failedLegIndex: -1,
      result: { type: 'order', orderId: 9, filledQuantity: 500, restingQuantity: 0, orderStatus: 'filled', fillCount: 500, fills },
    } as const;
    writeResultRecord(structuredClone(response) as never, record, 0);
    const decoded = decodeResponse(encodeResponse(record, 0, builder));
    expect(decoded.result).toMatchObject({ type: 'order', fillCount: 500 });
    expect(decoded.result?.type === 'order' && decoded.result.fills.length).toBe(18);
  });
});
