import { describe, it, expect } from 'vitest';
import { Builder } from 'flatbuffers';
import * as wire from '../generated/ringline/wire.ts';
import { CMD_FLAG_READ_ONLY, CmdHeader, CMD_MAX_RECORD_BYTES, MAX_SEATS_PER_COMMAND } from '../records/command_descriptor.ts';
import { createRecordBuffer } from '../records/record_buffer.ts';
import { readCommandRecord } from '../records/command_record_json.ts';
import { ResultCode } from '../result_codes.ts';
import { readRequestWithGeneratedCode } from '../test_support/generated_reader.ts';
import type { RequestJson } from '../types/command_json.ts';
import { encodeRequest } from './request_encoder.ts';
import { MAX_REQUEST_BYTES, translateRequest } from './translate_request.ts';
import { TranslateResult } from './translate_result.ts';

const record = createRecordBuffer(new ArrayBuffer(CMD_MAX_RECORD_BYTES * 2));
const result = new TranslateResult();
const builder = new Builder(256);

function translate(bytes: Uint8Array): ResultCode {
  return translateRequest(bytes, record, 0, result);
}
function encode(request: RequestJson): Uint8Array {
  return encodeRequest(request, builder).slice();
}

/** A Request around a command table built by `build` with the generated code. */
function request(type: number, build: (b: Builder) => number, correlationId = 9n): Uint8Array {
  const b = new Builder(256);
  const command = build(b);
  wire.Request.startRequest(b);
  wire.Request.addCorrelationId(b, correlationId);
  wire.Request.addCommandType(b, type);
  wire.Request.addCommand(b, command);
  b.finish(wire.Request.endRequest(b));
  return b.asUint8Array().slice();
}
const transfer = (amount: bigint, correlationId = 9n): Uint8Array =>
  request(wire.Command.Transfer, (b) => wire.Transfer.createTransfer(b, 1n, 2n, 3n, amount), correlationId);
const bookSeats = (seats: number[]): Uint8Array => request(wire.Command.BookSeats, (b) => {
  const vector = wire.BookSeats.createSeatsVector(b, seats);
  return wire.BookSeats.createBookSeats(b, 4n, 5n, vector);
});

function u32At(bytes: Uint8Array, pos: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset).getUint32(pos, true);
}
function setU32(bytes: Uint8Array, pos: number, value: number): void {
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(pos, value, true);
}
function setI32(bytes: Uint8Array, pos: number, value: number): void {
  new DataView(bytes.buffer, bytes.byteOffset).setInt32(pos, value, true);
}

describe('translateRequest accepts what the generated code writes', () => {
  it('reads uint64 up to 2^53 - 1 exactly and agrees with the generated reader', () => {
    const bytes = transfer(2n ** 53n - 1n);
    expect(translate(bytes)).toBe(ResultCode.OK);
    expect(readCommandRecord(record, 0)).toStrictEqual(readRequestWithGeneratedCode(bytes));
    expect(readCommandRecord(record, 0)).toMatchObject({ type: 'transfer', amount: 2 ** 53 - 1, correlationId: 9 });
  });

  it('fills a seat list up to the record limit', () => {
    const seats = Array.from({ length: MAX_SEATS_PER_COMMAND }, (_, i) => i * 3);
    expect(translate(bookSeats(seats))).toBe(ResultCode.OK);
    expect(result.recordBytes).toBeLessThanOrEqual(CMD_MAX_RECORD_BYTES);
    expect(readCommandRecord(record, 0)).toMatchObject({ type: 'bookSeats', eventId: 4, buyerAccountId: 5, seats });
  });

  it('ignores fields a newer schema appended (forward compatibility)', () => {
    const bytes = request(wire.Command.TransferVoid, (b) => {
      b.startObject(4);
      b.addFieldInt64(0, 77n, 0n);
      b.addFieldInt64(3, 2n ** 63n, 0n); // unknown to us, never read
      return b.endObject();
    });
    expect(translate(bytes)).toBe(ResultCode.OK);
    expect(readCommandRecord(record, 0)).toMatchObject({ type: 'transferVoid', transferId: 77 });
  });

  it('marks queries read-only and leaves admin to the gateway', () => {
    expect(translate(encode({ type: 'getBalance', accountId: 1, assetId: 2 }))).toBe(ResultCode.OK);
    expect(record.u16[CmdHeader.FLAGS >>> 1]).toBe(CMD_FLAG_READ_ONLY);
    expect(translate(encode({ type: 'deposit', accountId: 1, assetId: 2, amount: 3 }))).toBe(ResultCode.OK);
    expect(record.u16[CmdHeader.FLAGS >>> 1]).toBe(0);
  });

  it('writes the same record bytes over a dirty slot (padding and tails zeroed)', () => {
    const order = encode({ type: 'placeOrder', symbolId: 1, accountId: 2, price: 10, quantity: 5, side: 'buy' });
    record.bytes.fill(0); translate(order);
    const clean = record.bytes.slice(0, result.recordBytes);
    record.bytes.fill(0xff); translate(order);
    expect(record.bytes.slice(0, result.recordBytes)).toEqual(clean);
  });

  it('parses Login without writing a record', () => {
    expect(translate(encode({ type: 'login', apiKey: 'k€y', correlationId: 3 }))).toBe(ResultCode.OK);
    expect(result).toMatchObject({ isLogin: true, apiKey: 'k€y', correlationId: 3, recordBytes: 0 });
  });
});

describe('translateRequest rejects with a code and a message naming the field', () => {
  const cases: { name: string; bytes: () => Uint8Array; code: ResultCode; detail?: string }[] = [
    { name: 'amount of 2^53', bytes: () => transfer(2n ** 53n), code: ResultCode.INTEGER_OUT_OF_RANGE, detail: 'transfer.amount' },
    { name: 'correlation id of 2^64 - 1', bytes: () => transfer(1n, 2n ** 64n - 1n), code: ResultCode.INTEGER_OUT_OF_RANGE,
      detail: 'request.correlationId' },
    { name: 'one seat too many', bytes: () => bookSeats(Array.from({ length: MAX_SEATS_PER_COMMAND + 1 }, (_, i) => i)),
      code: ResultCode.RECORD_TOO_LARGE, detail: 'bookSeats.seats' },
    { name: 'a checkout too large for one record', code: ResultCode.RECORD_TOO_LARGE, detail: 'checkout.lines+seats',
      bytes: () => request(wire.Command.Checkout, (b) => {
        wire.Checkout.startLinesVector(b, 28);
        for (let i = 0; i < 28; i++) wire.CheckoutLine.createCheckoutLine(b, BigInt(i + 1), 1n);
        const lines = b.endVector();
        return wire.Checkout.createCheckout(b, 1n, 0n, lines, 0);
      }) },
    { name: 'a line item id beyond 2^53', code: ResultCode.INTEGER_OUT_OF_RANGE, detail: 'checkout.lines.itemId',
      bytes: () => request(wire.Command.Checkout, (b) => {
        wire.Checkout.startLinesVector(b, 1);
        wire.CheckoutLine.createCheckoutLine(b, 2n ** 60n, 1n);
        return wire.Checkout.createCheckout(b, 1n, 0n, b.endVector(), 0);
      }) },
    { name: 'an order without a side', code: ResultCode.INVALID_FIELD_VALUE, detail: 'placeOrder.side',
      bytes: () => request(wire.Command.PlaceOrder, (b) => {
        wire.PlaceOrder.startPlaceOrder(b);
        wire.PlaceOrder.addQuantity(b, 5n);
        return wire.PlaceOrder.endPlaceOrder(b);
      }) },
    { name: 'a time in force outside the enum', code: ResultCode.INVALID_FIELD_VALUE, detail: 'placeOrder.timeInForce',
      bytes: () => request(wire.Command.PlaceOrder, (b) => {
        wire.PlaceOrder.startPlaceOrder(b);
        wire.PlaceOrder.addSide(b, wire.Side.Buy);
        wire.PlaceOrder.addTimeInForce(b, 9 as wire.TimeInForce);
        return wire.PlaceOrder.endPlaceOrder(b);
      }) },
    { name: 'a command type no one knows', code: ResultCode.UNKNOWN_COMMAND,
      bytes: () => request(99, (b) => wire.TransferVoid.createTransferVoid(b, 1n)) },
    { name: 'no command', code: ResultCode.MISSING_FIELD, detail: 'request.command', bytes: () => {
      const b = new Builder(64);
      b.startObject(4);
      b.addFieldInt64(0, 5n, 0n);
      b.finish(b.endObject());
      return b.asUint8Array().slice();
    } },
    { name: 'a Login without a key', code: ResultCode.MISSING_FIELD, detail: 'login.apiKey',
      bytes: () => request(wire.Command.Login, (b) => { b.startObject(1); return b.endObject(); }) },
    { name: 'a Login key that is not UTF-8', code: ResultCode.VERIFY_FAILED, bytes: () => {
      const bytes = encode({ type: 'login', apiKey: 'abcd' });
      bytes[bytes.indexOf(0x61)] = 0xff;
      return bytes;
    } },
    { name: 'an empty buffer', code: ResultCode.VERIFY_FAILED, bytes: () => new Uint8Array(0) },
    { name: 'a buffer larger than MAX_REQUEST_BYTES', code: ResultCode.FRAME_TOO_LARGE,
      bytes: () => new Uint8Array(MAX_REQUEST_BYTES + 1) },
    { name: 'a root offset past the end', code: ResultCode.VERIFY_FAILED, bytes: () => {
      const bytes = transfer(1n);
      setU32(bytes, 0, bytes.length);
      return bytes;
    } },
    { name: 'a vtable outside the buffer', code: ResultCode.VERIFY_FAILED, bytes: () => {
      const bytes = transfer(1n);
      setI32(bytes, u32At(bytes, 0), -100_000);
      return bytes;
    } },
    { name: 'a field offset past the table', code: ResultCode.VERIFY_FAILED, detail: 'request.correlationId', bytes: () => {
      const bytes = transfer(1n);
      const table = u32At(bytes, 0);
      const vtable = table - new DataView(bytes.buffer).getInt32(table, true);
      new DataView(bytes.buffer).setUint16(vtable + 4, 0x7000, true);
      return bytes;
    } },
    { name: 'a vector length past the end', code: ResultCode.VERIFY_FAILED, detail: 'bookSeats.seats', bytes: () => {
      const bytes = bookSeats([7, 7, 7]);
      for (let pos = 0; pos + 8 <= bytes.length; pos += 4) {
        if (u32At(bytes, pos) === 3 && u32At(bytes, pos + 4) === 7) setU32(bytes, pos, 0x40000000);
      }
      return bytes;
    } },
    { name: 'a string without its terminating NUL', code: ResultCode.VERIFY_FAILED, detail: 'login.apiKey', bytes: () => {
      const bytes = encode({ type: 'login', apiKey: 'abc' });
      bytes[bytes.indexOf(0x63) + 1] = 0x64;
      return bytes;
    } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const code = translate(c.bytes());
      expect(code).toBe(c.code);
      expect(result.code).toBe(c.code);
      if (c.detail !== undefined) {
        expect(result.detail).toBe(c.detail);
        expect(result.message).toContain(c.detail);
      }
    });
  }

  it('keeps the correlation id it read before the failure, for the error response', () => {
    expect(translate(transfer(2n ** 60n, 42n))).toBe(ResultCode.INTEGER_OUT_OF_RANGE);
    expect(result.correlationId).toBe(42);
    expect(result.commandType).toBe(wire.Command.Transfer);
  });

  it('throws only for a slot that cannot hold a record (a programming error)', () => {
    expect(() => translateRequest(transfer(1n), record, 4, result)).toThrow(RangeError);
    expect(() => translateRequest(transfer(1n), record, CMD_MAX_RECORD_BYTES + 8, result)).toThrow(RangeError);
  });
});
