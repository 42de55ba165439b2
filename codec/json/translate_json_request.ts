/**
 * The HTTP/JSON gateway's counterpart of translateRequest: JSON text (or an already parsed value) → the
 * same input record, with the same result codes. Allocates (JSON.parse); not for the binary hot path.
 *
 *   const code = translateJsonRequest(body, ring, slotBase, result);   // result.isLogin / recordBytes as in translateRequest
 */
import type { RecordBuffer } from '../records/record_buffer.ts';
import { writeCommandRecord } from '../records/command_record_json.ts';
import { ResultCode } from '../result_codes.ts';
import type { TranslateResult } from '../wire/translate_result.ts';
import { validateRequest } from './request_validator.ts';

const utf8 = new TextDecoder();

/** Largest JSON body accepted. */
export const MAX_JSON_REQUEST_BYTES = 16384;

export function translateJsonRequest(json: string | Uint8Array, out: RecordBuffer, outBase: number,
  result: TranslateResult): ResultCode {
  result.reset();
  if (json.length > MAX_JSON_REQUEST_BYTES) return result.fail(ResultCode.FRAME_TOO_LARGE, 'request body');
  let value: unknown;
  try {
    value = JSON.parse(typeof json === 'string' ? json : utf8.decode(json));
  } catch (error) {
    return result.fail(ResultCode.MALFORMED_JSON, (error as Error).message);
  }
  return translateJsonValue(value, out, outBase, result);
}

/** Same as translateJsonRequest for a value already parsed. */
export function translateJsonValue(value: unknown, out: RecordBuffer, outBase: number, result: TranslateResult):
ResultCode {
  const request = validateRequest(value, result);
  if (request === null) return result.code;
  if (request.type === 'login') return ResultCode.OK;
  const recordBytes = writeCommandRecord(request, out, outBase);
  if (recordBytes < 0) {
    return result.fail(ResultCode.RECORD_TOO_LARGE, request.type === 'checkout' ? 'checkout.lines+seats' : `${request.type}.seats`);
  }
  result.recordBytes = recordBytes;
  return ResultCode.OK;
}
