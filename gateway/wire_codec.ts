/**
 * The codec as the gateway uses it: verify-and-translate a client message into an input record,
 * encode a result record for the client, and the JSON forms for HTTP. codec_adapter.ts builds it
 * from codec/'s functions; the transports and the core see only this interface.
 */
import type { RecordBuffer } from '../codec/records/record_buffer.ts';
import type { ResponseJson } from '../codec/types/response_json.ts';
import type { TranslateResult } from '../codec/wire/translate_result.ts';

/** Union number of Login in codec/ringline.fbs; never an input record type. */
export const LOGIN_COMMAND_TYPE = 1;

export interface WireCodec {
  /**
   * Verifies one client message completely and, when it is a command, writes its input record at
   * `outBase` (length, type, read-only flag, correlation, idempotency and body; the gateway stamps the
   * rest). A Login sets result.isLogin and result.apiKey and writes no record.
   */
  translateRequest(bytes: Uint8Array, out: RecordBuffer, outBase: number, result: TranslateResult): number;
  /** The same for a parsed JSON request ({"type": ..., ...}). */
  translateJson(body: unknown, out: RecordBuffer, outBase: number, result: TranslateResult): number;
  /** A result record as the client's Response bytes (the caller's to keep). */
  encodeResponse(result: RecordBuffer, base: number): Uint8Array;
  /** The same bytes as a view into the codec's builder: valid only until the next encode (copy it now). */
  encodeResponseView(result: RecordBuffer, base: number): Uint8Array;
  /** A Response for a request that never reached the engine (sequence 0). */
  encodeError(correlationId: number, code: number, message: string | null, commandType: number): Uint8Array;
  /** A result record as the JSON an HTTP client receives. */
  resultToJson(result: RecordBuffer, base: number): ResponseJson;
  /** The JSON of a response that never reached the engine. */
  errorToJson(correlationId: number, code: number, message: string | null, commandType: number): ResponseJson;
}
