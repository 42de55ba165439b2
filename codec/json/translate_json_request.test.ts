import { describe, it, expect } from 'vitest';
import { CMD_MAX_RECORD_BYTES, CmdHeader, CommandType } from '../records/command_descriptor.ts';
import { createRecordBuffer } from '../records/record_buffer.ts';
import { readCommandRecord } from '../records/command_record_json.ts';
import { ResultCode } from '../result_codes.ts';
import { TranslateResult } from '../wire/translate_result.ts';
import { translateJsonRequest } from './translate_json_request.ts';

const record = createRecordBuffer(new ArrayBuffer(CMD_MAX_RECORD_BYTES));
const result = new TranslateResult();
const translate = (json: string): ResultCode => translateJsonRequest(json, record, 0, result);

describe('translateJsonRequest', () => {
  it('writes the documented example and fills defaults', () => {
    expect(translate('{"type":"transfer","fromAccountId":1,"toAccountId":2,"assetId":1,"amount":100,"idempotencyId":7}'))
      .toBe(ResultCode.OK);
    expect(record.u16[CmdHeader.TYPE >>> 1]).toBe(CommandType.TRANSFER);
    expect(readCommandRecord(record, 0)).toStrictEqual({
      type: 'transfer', fromAccountId: 1, toAccountId: 2, assetId: 1, amount: 100, correlationId: 0, idempotencyId: 7,
    });
    expect(translate('{"type":"placeOrder","symbolId":1,"accountId":2,"price":50,"quantity":3,"side":"sell"}'))
      .toBe(ResultCode.OK);
    expect(readCommandRecord(record, 0)).toMatchObject({ side: 'sell', orderType: 'limit', timeInForce: 'gtc', selfTrade: 'none' });
  });

  it('handles login without writing a record', () => {
    expect(translate('{"type":"login","apiKey":"abc","correlationId":4}')).toBe(ResultCode.OK);
    expect(result).toMatchObject({ isLogin: true, apiKey: 'abc', correlationId: 4, recordBytes: 0 });
  });

  const rejections: [name: string, json: string, code: ResultCode, detail: RegExp][] = [
    ['malformed JSON', '{"type":"transfer",', ResultCode.MALFORMED_JSON, /JSON/],
    ['not an object', '[1,2]', ResultCode.MALFORMED_JSON, /object/],
    ['no type', '{"amount":1}', ResultCode.MISSING_FIELD, /^type$/],
    ['unknown type', '{"type":"steal"}', ResultCode.UNKNOWN_COMMAND, /steal/],
    ['unknown field', '{"type":"getItem","itemId":1,"color":"red"}', ResultCode.INVALID_FIELD_VALUE, /unknown field "color"/],
    ['missing field', '{"type":"transfer","fromAccountId":1,"toAccountId":2,"assetId":1}', ResultCode.MISSING_FIELD,
      /transfer\.amount/],
    ['fraction', '{"type":"getItem","itemId":1.5}', ResultCode.INVALID_FIELD_VALUE, /getItem\.itemId must be an integer/],
    ['string number', '{"type":"getItem","itemId":"1"}', ResultCode.INVALID_FIELD_VALUE, /integer/],
    ['negative', '{"type":"getItem","itemId":-1}', ResultCode.INTEGER_OUT_OF_RANGE, /between 0 and/],
    ['beyond 2^53 - 1', '{"type":"getItem","itemId":9007199254740992}', ResultCode.INTEGER_OUT_OF_RANGE, /getItem\.itemId/],
    ['seat beyond u32', '{"type":"getSeat","eventId":1,"seat":4294967296}', ResultCode.INTEGER_OUT_OF_RANGE, /4294967295/],
    ['bad enum name', '{"type":"placeOrder","symbolId":1,"accountId":2,"quantity":3,"side":"up"}',
      ResultCode.INVALID_FIELD_VALUE, /"buy", "sell"/],
    ['correlation id not an integer', '{"type":"snapshot","correlationId":true}', ResultCode.INVALID_FIELD_VALUE,
      /correlationId/],
    ['seats not an array', '{"type":"bookSeats","eventId":1,"buyerAccountId":2,"seats":5}', ResultCode.INVALID_FIELD_VALUE,
      /bookSeats\.seats/],
    ['too many seats', `{"type":"bookSeats","eventId":1,"buyerAccountId":2,"seats":[${Array(111).fill(1).join(',')}]}`,
      ResultCode.RECORD_TOO_LARGE, /bookSeats\.seats/],
    ['checkout line with an extra field', '{"type":"checkout","buyerAccountId":1,"lines":[{"itemId":1,"quantity":1,"x":0}]}',
      ResultCode.INVALID_FIELD_VALUE, /unknown field "x"/],
    ['login without a key', '{"type":"login"}', ResultCode.MISSING_FIELD, /login\.apiKey/],
  ];
  for (const [name, json, code, detail] of rejections) {
    it(`rejects ${name}`, () => {
      expect(translate(json)).toBe(code);
      expect(result.detail).toMatch(detail);
      expect(result.message).toContain(result.detail);
    });
  }

  it('keeps the correlation id for the error response', () => {
    expect(translate('{"type":"getItem","correlationId":77,"itemId":-5}')).toBe(ResultCode.INTEGER_OUT_OF_RANGE);
    expect(result.correlationId).toBe(77);
  });

  it('keeps the command type for the error response once the type is known', () => {
    expect(translate('{"type":"deposit","accountId":1,"assetId":1,"amount":-5}')).toBe(ResultCode.INTEGER_OUT_OF_RANGE);
    expect(result.commandType).toBe(CommandType.DEPOSIT);
    expect(translate('{"type":"steal"}')).toBe(ResultCode.UNKNOWN_COMMAND);
    expect(result.commandType).toBe(0);
  });
});
