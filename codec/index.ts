/**
 * The codec's public surface: what the gateway, the client, the journal tools and the replay CLI use.
 * Wire: codec/ringline.fbs. Records: codec/records/*_descriptor.ts. JSON shape: .readme/codec.md.
 */
// gateway: untrusted bytes → input record, result record → bytes
export { translateRequest, MAX_REQUEST_BYTES } from './wire/translate_request.ts';
export { TranslateResult } from './wire/translate_result.ts';
export { encodeResponse, encodeErrorResponse } from './wire/response_encoder.ts';
export { writeResponse, writeErrorResponse, MAX_RESPONSE_BYTES } from './wire/response_writer.ts';
export { translateJsonRequest, translateJsonValue, MAX_JSON_REQUEST_BYTES } from './json/translate_json_request.ts';
// client: typed request → bytes, bytes → typed response
export { encodeRequest } from './wire/request_encoder.ts';
export { decodeResponse } from './wire/response_decoder.ts';
export { encodeResponseJson } from './wire/response_json_encoder.ts';
// records ↔ typed objects (HTTP answers, replay CLI, tests)
export { validateRequest } from './json/request_validator.ts';
export { readCommandRecord, readCommandHeader, writeCommandRecord, type CommandHeaderJson } from './records/command_record_json.ts';
export { readResultRecord, writeResultRecord } from './records/result_record_json.ts';
export type * from './types/command_json.ts';
export type * from './types/response_json.ts';
