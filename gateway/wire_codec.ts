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
  /** Room writeResponse and writeError need at `outPos`: the largest Response they write. */
  readonly maxResponseBytes: number;
  /**
   * Writes a result record as the client's Response bytes at out[outPos…] without allocating; returns
   * the bytes written. `out` must have maxResponseBytes of room from outPos.
   */
  writeResponse(result: RecordBuffer, base: number, out: Uint8Array, outPos: number): number;
  /** The same for a request that never reached the engine (sequence 0), with the code's own message. */
  writeError(out: Uint8Array, outPos: number, correlationId: number, code: number, commandType: number): number;
  /**
   * A Response for a request that never reached the engine (sequence 0), with a detailed `message`
   * (null = the code's own). Allocates: for rare errors; the bytes are the caller's to keep.
   */
  encodeError(correlationId: number, code: number, message: string | null, commandType: number): Uint8Array;
  /** A result record as the JSON an HTTP client receives. */
  resultToJson(result: RecordBuffer, base: number): ResponseJson;
  /** The JSON of a response that never reached the engine. */
  errorToJson(correlationId: number, code: number, message: string | null, commandType: number): ResponseJson;
}
