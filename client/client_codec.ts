/**
 * The client's side of the codec: typed request → Request bytes (copied out of the shared Builder),
 * Response bytes → typed response.
 *
 * Encoded requests are copied into a shared slab and handed out as views of it: a request is ~100
 * bytes, and a typed array of its own per command (Builder output .slice()) costs a separate
 * off-heap allocation each, which dominated the client's GC time. A slab is never written twice
 * (a full one is replaced, not reset), so a view stays valid for as long as its holder keeps it
 * (the client keeps each request until it is answered, to resend it after a reconnect).
 */
import { Builder } from 'flatbuffers';
import type { RequestJson } from '../codec/types/command_json.ts';
import type { ResponseJson } from '../codec/types/response_json.ts';
import { decodeResponse } from '../codec/wire/response_decoder.ts';
import { encodeRequest, type RequestIds } from '../codec/wire/request_encoder.ts';

const builder = new Builder(1024);
const SLAB_BYTES = 64 * 1024;
/** A request at least this long gets its own copy rather than a slab slice. */
const OWN_COPY_BYTES = SLAB_BYTES / 8;
let slab = new Uint8Array(SLAB_BYTES);
let slabUsed = 0;

function copyOut(bytes: Uint8Array): Uint8Array {
  const length = bytes.length;
  if (length >= OWN_COPY_BYTES) return bytes.slice();
  if (slabUsed + length > SLAB_BYTES) {
    slab = new Uint8Array(SLAB_BYTES);
    slabUsed = 0;
  }
  const start = slabUsed;
  slab.set(bytes, start);
  // 8-aligned starts, so no two requests share a cache line more than they must.
  slabUsed = (start + length + 7) & ~7;
  return slab.subarray(start, start + length);
}

export const clientCodec = {
  /**
   * Throws RangeError for a request the gateway would refuse as malformed (unknown field, bad integer...).
   * `ids` replace the request's own correlation and idempotency ids.
   */
  encodeRequest(request: RequestJson, ids?: RequestIds): Uint8Array {
    return copyOut(encodeRequest(request, builder, ids));
  },
  decodeResponse(bytes: Uint8Array): ResponseJson {
    return decodeResponse(bytes);
  },
};
