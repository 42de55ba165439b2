/**
 * A typed response → FlatBuffers `Response` bytes (through a scratch result record, so the bytes are
 * exactly what the gateway sends for the same record). The message is the one given, else the code's.
 * Throws when the response cannot be a record (a body the command does not carry, too many levels).
 */
import type { Builder } from 'flatbuffers';
import { RES_MAX_RECORD_BYTES } from '../records/result_descriptor.ts';
import { createRecordBuffer } from '../records/record_buffer.ts';
import { writeResultRecord } from '../records/result_record_json.ts';
import type { ResponseJson } from '../types/response_json.ts';
import { encodeResponse } from './response_encoder.ts';

const scratch = createRecordBuffer(new ArrayBuffer(RES_MAX_RECORD_BYTES));

export function encodeResponseJson(response: ResponseJson, builder: Builder): Uint8Array {
  writeResultRecord(response, scratch, 0);
  return encodeResponse(scratch, 0, builder, response.message ?? null);
}
