import { describe, it, expect } from 'vitest';
import { CMD_MAX_RECORD_BYTES } from '../codec/records/command_descriptor.ts';
import { readCommandRecord } from '../codec/records/command_record_json.ts';
import { createRecordBuffer } from '../codec/records/record_buffer.ts';
import { ResultCode } from '../codec/result_codes.ts';
import { translateRequest } from '../codec/wire/translate_request.ts';
import { TranslateResult } from '../codec/wire/translate_result.ts';
import { clientCodec } from './client_codec.ts';

const record = createRecordBuffer(new ArrayBuffer(CMD_MAX_RECORD_BYTES));
const result = new TranslateResult();

/** The gateway's reading of encoded bytes: the command record as JSON. */
function read(bytes: Uint8Array): Record<string, unknown> {
  expect(translateRequest(bytes, record, 0, result)).toBe(ResultCode.OK);
  return readCommandRecord(record, 0) as unknown as Record<string, unknown>;
}

describe('client codec', () => {
  it('keeps every encoded request intact while later ones fill and replace its slab', () => {
    // ~100 bytes each: 3000 of them span several 64 KiB slabs; each must still read back as itself.
    const encoded = Array.from({ length: 3000 }, (_, i) =>
      clientCodec.encodeRequest({ type: 'deposit', accountId: 1 + i, assetId: 2, amount: 1000 + i }, { correlationId: 5 + i, idempotencyId: 9 + i }));
    encoded.forEach((bytes, i) => {
      expect(read(bytes)).toMatchObject({ type: 'deposit', accountId: 1 + i, assetId: 2, amount: 1000 + i, correlationId: 5 + i, idempotencyId: 9 + i });
    });
    const buffers = new Set(encoded.map((b) => b.buffer));
    expect(buffers.size).toBeGreaterThan(1);
  });

  it('takes the ids given over the request\'s own, and still refuses a malformed request', () => {
    const bytes = clientCodec.encodeRequest({ type: 'withdraw', accountId: 3, assetId: 1, amount: 5, idempotencyId: 4, correlationId: 6 },
      { correlationId: 70, idempotencyId: 40 });
    expect(read(bytes)).toMatchObject({ correlationId: 70, idempotencyId: 40 });
    expect(read(clientCodec.encodeRequest({ type: 'withdraw', accountId: 3, assetId: 1, amount: 5, idempotencyId: 4, correlationId: 6 })))
      .toMatchObject({ correlationId: 6, idempotencyId: 4 });
    expect(() => clientCodec.encodeRequest({ type: 'withdraw', accountId: 3, assetId: 1, amount: -5 }, { correlationId: 1, idempotencyId: 1 }))
      .toThrow(RangeError);
  });
});
