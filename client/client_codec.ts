/** The client's side of the codec: typed request → Request bytes (copied out of the shared Builder), Response bytes → typed response. */
import { Builder } from 'flatbuffers';
import type { RequestJson } from '../codec/types/command_json.ts';
import type { ResponseJson } from '../codec/types/response_json.ts';
import { decodeResponse } from '../codec/wire/response_decoder.ts';
import { encodeRequest } from '../codec/wire/request_encoder.ts';

const builder = new Builder(1024);

export const clientCodec = {
  /** Throws RangeError for a request the gateway would refuse as malformed (unknown field, bad integer...). */
  encodeRequest(request: RequestJson): Uint8Array {
    return encodeRequest(request, builder).slice();
  },
  decodeResponse(bytes: Uint8Array): ResponseJson {
    return decodeResponse(bytes);
  },
};
