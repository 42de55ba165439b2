/**
 * The gateway's WireCodec, built from codec/: the one-pass verifier-translator, the response encoder
 * (one Builder reused; every result is copied out of it because the Builder is cleared on the next
 * encode), and JSON validation + record writing for HTTP.
 */
import { Builder } from 'flatbuffers';
import { validateRequest } from '../codec/json/request_validator.ts';
import { writeCommandRecord } from '../codec/records/command_record_json.ts';
import type { RecordBuffer } from '../codec/records/record_buffer.ts';
import { ResultCode } from '../codec/result_codes.ts';
import type { CommandJson } from '../codec/types/command_json.ts';
import type { ResponseJson } from '../codec/types/response_json.ts';
import { decodeResponse } from '../codec/wire/response_decoder.ts';
import { encodeErrorResponse, encodeResponse } from '../codec/wire/response_encoder.ts';
import { translateRequest } from '../codec/wire/translate_request.ts';
import type { TranslateResult } from '../codec/wire/translate_result.ts';
import type { WireCodec } from './wire_codec.ts';

export function createWireCodec(): WireCodec {
  const builder = new Builder(1024);
  return {
    translateRequest: (bytes, out, outBase, result) => translateRequest(bytes, out, outBase, result),
    translateJson(body: unknown, out: RecordBuffer, outBase: number, result: TranslateResult): number {
      const request = validateRequest(body, result);
      if (request === null) return result.code;
      if (request.type === 'login') return ResultCode.OK;
      const bytes = writeCommandRecord(request as CommandJson, out, outBase);
      if (bytes < 0) return result.fail(ResultCode.RECORD_TOO_LARGE, request.type);
      result.commandType = out.u16[(outBase + 4) >>> 1];
      result.recordBytes = bytes;
      return ResultCode.OK;
    },
    encodeResponse: (record, base) => encodeResponse(record, base, builder).slice(),
    encodeResponseView: (record, base) => encodeResponse(record, base, builder),
    encodeError: (correlationId, code, message, commandType) =>
      encodeErrorResponse(builder, correlationId, code, message, commandType).slice(),
    // HTTP is not the hot path: the JSON form is the binary form decoded, so the two can never disagree.
    resultToJson: (record, base): ResponseJson => decodeResponse(encodeResponse(record, base, builder)),
    errorToJson: (correlationId, code, message, commandType): ResponseJson =>
      decodeResponse(encodeErrorResponse(builder, correlationId, code, message, commandType)),
  };
}
