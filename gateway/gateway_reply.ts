/**
 * Replies the gateway decides itself (login, rejections before the ring) are encoded through the
 * same path as engine results: a result record with an empty body and sequence 0 is written into a
 * module scratch buffer and handed to the codec's response encoder.
 */
import { createRecordBuffer } from '../codec/records/record_buffer.ts';
import {
  RES_CODE_OFFSET, RES_COMMAND_TYPE_OFFSET, RES_CORRELATION_ID_OFFSET, RES_FAILED_LEG_INDEX_OFFSET,
  RES_FLAGS_OFFSET, RES_HEADER_BYTES, RES_INPUT_SEQUENCE_OFFSET, RES_LENGTH_OFFSET, RES_PRINCIPAL_ID_OFFSET,
  RES_SESSION_ID_OFFSET,
} from '../codec/records/result_descriptor.ts';
import type { RecordBuffer } from '../codec/records/record_buffer.ts';
import type { WireCodec } from './wire_codec.ts';

const scratch = createRecordBuffer(new ArrayBuffer(RES_HEADER_BYTES));

/** Writes a header-only result record into `scratch` and returns it (valid until the next call). */
export function gatewayResultRecord(code: number, correlationId: number, commandType: number, sessionId = 0): RecordBuffer {
  scratch.u32[RES_LENGTH_OFFSET >>> 2] = RES_HEADER_BYTES;
  scratch.u16[RES_COMMAND_TYPE_OFFSET >>> 1] = commandType;
  scratch.u16[RES_CODE_OFFSET >>> 1] = code;
  scratch.f64[RES_INPUT_SEQUENCE_OFFSET >>> 3] = 0;
  scratch.u32[RES_SESSION_ID_OFFSET >>> 2] = sessionId;
  scratch.u32[RES_PRINCIPAL_ID_OFFSET >>> 2] = 0;
  scratch.f64[RES_CORRELATION_ID_OFFSET >>> 3] = correlationId;
  scratch.u32[RES_FLAGS_OFFSET >>> 2] = 0;
  scratch.i32[RES_FAILED_LEG_INDEX_OFFSET >>> 2] = -1;
  return scratch;
}

/** The client-facing bytes of a gateway reply. */
export function encodeGatewayReply(codec: WireCodec, code: number, correlationId: number, commandType: number): Uint8Array {
  return codec.encodeResponse(gatewayResultRecord(code, correlationId, commandType), 0);
}
