/**
 * The gateway's WireCodec, built from codec/: the one-pass verifier-translator, the Builder-free
 * response writer for binary replies (written straight into the transport's output buffer), the
 * Builder encoder only for error replies that carry a detailed message, and JSON validation + record
 * reading/writing for HTTP.
 */
import { Builder } from 'flatbuffers';
import { validateRequest } from '../codec/json/request_validator.ts';
import { writeCommandRecord } from '../codec/records/command_record_json.ts';
import type { RecordBuffer } from '../codec/records/record_buffer.ts';
import { ResultCode } from '../codec/result_codes.ts';
import type { CommandJson } from '../codec/types/command_json.ts';
import type { ResponseJson } from '../codec/types/response_json.ts';
import { readResultRecord } from '../codec/records/result_record_json.ts';
import { decodeResponse } from '../codec/wire/response_decoder.ts';
import { encodeErrorResponse } from '../codec/wire/response_encoder.ts';
import { MAX_RESPONSE_BYTES, writeErrorResponse, writeResponse } from '../codec/wire/response_writer.ts';
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
    maxResponseBytes: MAX_RESPONSE_BYTES,
    writeResponse,
    writeError: (out, outPos, correlationId, code, commandType) =>
      writeErrorResponse(out, outPos, correlationId, code, commandType),
    encodeError: (correlationId, code, message, commandType) =>
      encodeErrorResponse(builder, correlationId, code, message, commandType).slice(),
    // The codec's record reader: codec/wire/response_writer.test.ts proves it equals the binary reply decoded.
    resultToJson: (record, base): ResponseJson => readResultRecord(record, base),
    errorToJson: (correlationId, code, message, commandType): ResponseJson =>
      decodeResponse(encodeErrorResponse(builder, correlationId, code, message, commandType)),
  };
}
