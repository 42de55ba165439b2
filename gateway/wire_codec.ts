/**
 * The codec as the gateway uses it: verify-and-translate a client message into an input record,
 * encode a result record for the client, and the JSON forms for HTTP. codec_adapter.ts builds it
 * from codec/'s functions; the transports and the core see only this interface.
 */
import type { RecordBuffer } from '../codec/records/record_buffer.ts';

/** Union number of Login in codec/ringline.fbs; never an input record type. */
export const LOGIN_COMMAND_TYPE = 1;

/** Filled by a translation, whatever its outcome, so a rejection can still carry the client's ids. */
export interface TranslateOutcome {
  correlationId: number;
  commandType: number;
}

export interface WireCodec {
  /**
   * Verifies one client message completely and, when it is a command, writes its input record at
   * `outBase` (length, type, correlation, idempotency and body; the gateway stamps the rest). A Login
   * returns OK with outcome.commandType = LOGIN_COMMAND_TYPE and writes no record. Anything else that
   * is not a valid message returns its code and leaves `out` unusable.
   */
  translateRequest(bytes: Uint8Array, out: RecordBuffer, outBase: number, outcome: TranslateOutcome): number;
  /** The API key of a verified Login message, or null. */
  loginKey(bytes: Uint8Array): string | null;
  /** Encodes a result record as the client's Response message; the bytes are the caller's to keep. */
  encodeResponse(result: RecordBuffer, base: number): Uint8Array;
  /**
   * Translates a JSON command (already parsed) into an input record; `commandName` comes from the
   * route or the body. Same outcome and codes as translateRequest.
   */
  translateJson(commandName: string, body: unknown, out: RecordBuffer, outBase: number, outcome: TranslateOutcome): number;
  /** A result record as the JSON object an HTTP client receives. */
  resultToJson(result: RecordBuffer, base: number): unknown;
}
