/**
 * The gateway's WireCodec, built from codec/: the one-pass verifier-translator, the Builder-free
 * response writer for binary replies (written straight into the transport's output buffer), the
 * Builder encoder only for error replies that carry a detailed message, and the codec's JSON translator
 * (codec/json/translate_json_request.ts, the one JSON → record path) and record reader for HTTP.
 */
import { Builder } from 'flatbuffers';
import { translateJsonValue } from '../codec/json/translate_json_request.ts';
import type { ResponseJson } from '../codec/types/response_json.ts';
import { readResultRecord } from '../codec/records/result_record_json.ts';
import { decodeResponse } from '../codec/wire/response_decoder.ts';
import { encodeErrorResponse } from '../codec/wire/response_encoder.ts';
import { MAX_RESPONSE_BYTES, writeErrorResponse, writeResponse } from '../codec/wire/response_writer.ts';
import { translateRequest } from '../codec/wire/translate_request.ts';
import type { WireCodec } from './wire_codec.ts';

export function createWireCodec(): WireCodec {
  const builder = new Builder(1024);
  return {
    translateRequest: (bytes, out, outBase, result) => translateRequest(bytes, out, outBase, result),
    translateJson: (body, out, outBase, result) => translateJsonValue(body, out, outBase, result),
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
