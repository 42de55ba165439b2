/**
 * The event subscription protocol's frames (docs/events.md): little-endian binary, shared by the
 * gateway (gateway/event_hub.ts) and the client (client/event_subscription.ts). Over TCP each frame
 * is preceded by its length (u32 LE, as on the command port); over WebSocket one binary message is
 * one frame. Event records inside are the 128-byte records of codec/records/event_descriptor.ts.
 *
 * SUBSCRIBE (client → server, the first and only frame a client sends), 40 bytes + key:
 *    0 frameType u8 (= 1)   1 stream u8 (1 private, 2 all: admin only, 3 market)   2 keyBytes u16
 *    4 reserved u32 (0)     8 afterSequence f64   16 afterIndex u32   20 reserved u32 (0)
 *   24 symbolId f64 (market stream; 0 otherwise)   32 depthLevels u32 (market stream: 0 = trades only,
 *   1..MAX_DEPTH_LEVELS = also DEPTH frames of that many levels a side; 0 otherwise)   36 reserved u32 (0)
 *   40 key (UTF-8, keyBytes; may be empty over WebSocket when the key came in the upgrade request)
 *   Resume position (afterSequence, afterIndex): every event after it is sent, nothing at or before it;
 *   afterIndex 0xFFFFFFFF = after every event of afterSequence; afterSequence -1 = from now (live only);
 *   afterSequence 0 with afterIndex 0xFFFFFFFF = from the very first event.
 *
 * SUBSCRIBED (server → client), 16 bytes:  0 frameType u8 (= 2)  8 releasedThrough f64
 * EVENTS (server → client), 16 + 128 × count bytes:
 *    0 frameType u8 (= 3)   4 count u32   8 throughSequence f64   16 count × event record
 *    throughSequence: the subscriber now holds every event meant for it of every command up to this
 *    sequence (a private subscriber learns it is up to date without events of its own; resume from
 *    (throughSequence, 0xFFFFFFFF) when that is after the last event received).
 * DEPTH (server → client, market stream with depthLevels > 0), 24 + 16 × (bidCount + askCount) bytes:
 *    0 frameType u8 (= 5)   2 bidCount u16   4 askCount u16   6 reserved u16   8 throughSequence f64
 *   16 symbolId f64   24 bidCount × (price f64, quantity f64) best first, then askCount × the same.
 *   The symbol's top levels as of throughSequence; sent when the subscriber joins the live stream and
 *   then only when its top depthLevels levels changed. Not part of (sequence, index): on resume the
 *   subscriber gets the current top levels again.
 * CLOSING (server → client), 8 + messageBytes:  0 frameType u8 (= 4)  2 code u16 (a ResultCode)
 *    4 messageBytes u32  8 message (UTF-8). The server closes the connection after it.
 */
export const EventFrameType = { SUBSCRIBE: 1, SUBSCRIBED: 2, EVENTS: 3, CLOSING: 4, DEPTH: 5 } as const;
export const EventStream = { PRIVATE: 1, ALL: 2, MARKET: 3 } as const;
export type EventStreamName = 'private' | 'all' | 'market';

export const SUB_FRAME_TYPE_OFFSET = 0; // u8
export const SUB_STREAM_OFFSET = 1; // u8
export const SUB_KEY_BYTES_OFFSET = 2; // u16
export const SUB_AFTER_SEQUENCE_OFFSET = 8; // f64
export const SUB_AFTER_INDEX_OFFSET = 16; // u32
export const SUB_SYMBOL_ID_OFFSET = 24; // f64
export const SUB_DEPTH_LEVELS_OFFSET = 32; // u32
export const SUB_FIXED_BYTES = 40;
export const SUB_MAX_KEY_BYTES = 512;

export const SUBSCRIBED_RELEASED_THROUGH_OFFSET = 8; // f64
export const SUBSCRIBED_BYTES = 16;

export const EVENTS_COUNT_OFFSET = 4; // u32
export const EVENTS_THROUGH_SEQUENCE_OFFSET = 8; // f64
export const EVENTS_HEADER_BYTES = 16;

export const DEPTH_BID_COUNT_OFFSET = 2; // u16
export const DEPTH_ASK_COUNT_OFFSET = 4; // u16
export const DEPTH_THROUGH_SEQUENCE_OFFSET = 8; // f64
export const DEPTH_SYMBOL_ID_OFFSET = 16; // f64
export const DEPTH_HEADER_BYTES = 24;
export const DEPTH_LEVEL_BYTES = 16;
/** Most depth levels a side a market subscriber may ask for. */
export const MAX_DEPTH_LEVELS = 10;

export const CLOSING_CODE_OFFSET = 2; // u16
export const CLOSING_MESSAGE_BYTES_OFFSET = 4; // u32
export const CLOSING_HEADER_BYTES = 8;

/** afterIndex meaning "after every event of afterSequence". */
export const AFTER_ALL_OF_COMMAND = 0xffffffff;
/** afterSequence meaning "from now on". */
export const LIVE_ONLY = -1;

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(`event_frame_descriptor: ${message}`);
}
check(SUB_FIXED_BYTES % 8 === 0 && EVENTS_HEADER_BYTES % 8 === 0, 'headers keep the records that follow 8-byte aligned');
check(SUB_SYMBOL_ID_OFFSET + 8 <= SUB_DEPTH_LEVELS_OFFSET && SUB_DEPTH_LEVELS_OFFSET + 4 <= SUB_FIXED_BYTES
  && SUB_AFTER_INDEX_OFFSET + 4 <= SUB_SYMBOL_ID_OFFSET, 'subscribe fields overlap');
check(DEPTH_HEADER_BYTES % 8 === 0 && DEPTH_SYMBOL_ID_OFFSET + 8 <= DEPTH_HEADER_BYTES, 'depth header keeps its levels 8-byte aligned');

export interface SubscribeRequest {
  readonly stream: EventStreamName;
  readonly afterSequence: number;
  readonly afterIndex: number;
  readonly symbolId: number;
  /** Market stream: DEPTH frames of this many levels a side (0 = trades only). */
  readonly depthLevels: number;
  readonly key: string;
}

const STREAM_BY_NAME: Readonly<Record<EventStreamName, number>> = { private: EventStream.PRIVATE, all: EventStream.ALL, market: EventStream.MARKET };

export function encodeSubscribe(request: Omit<SubscribeRequest, 'depthLevels'> & { readonly depthLevels?: number }): Uint8Array {
  const key = new TextEncoder().encode(request.key);
  if (key.byteLength > SUB_MAX_KEY_BYTES) throw new RangeError(`subscribe key is ${key.byteLength} bytes, at most ${SUB_MAX_KEY_BYTES}`);
  const bytes = new Uint8Array(SUB_FIXED_BYTES + key.byteLength);
  const view = new DataView(bytes.buffer);
  view.setUint8(SUB_FRAME_TYPE_OFFSET, EventFrameType.SUBSCRIBE);
  view.setUint8(SUB_STREAM_OFFSET, STREAM_BY_NAME[request.stream]);
  view.setUint16(SUB_KEY_BYTES_OFFSET, key.byteLength, true);
  view.setFloat64(SUB_AFTER_SEQUENCE_OFFSET, request.afterSequence, true);
  view.setUint32(SUB_AFTER_INDEX_OFFSET, request.afterIndex, true);
  view.setFloat64(SUB_SYMBOL_ID_OFFSET, request.symbolId, true);
  view.setUint32(SUB_DEPTH_LEVELS_OFFSET, request.depthLevels ?? 0, true);
  bytes.set(key, SUB_FIXED_BYTES);
  return bytes;
}

/** The request, or a message saying what is wrong with the frame (untrusted input: checked field by field). */
export function decodeSubscribe(bytes: Uint8Array): SubscribeRequest | string {
  if (bytes.byteLength < SUB_FIXED_BYTES) return `subscribe frame is ${bytes.byteLength} bytes, needs at least ${SUB_FIXED_BYTES}`;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint8(SUB_FRAME_TYPE_OFFSET) !== EventFrameType.SUBSCRIBE) return `first frame must be SUBSCRIBE (${EventFrameType.SUBSCRIBE}), got type ${view.getUint8(0)}`;
  const streamNumber = view.getUint8(SUB_STREAM_OFFSET);
  const stream = (Object.keys(STREAM_BY_NAME) as EventStreamName[]).find((name) => STREAM_BY_NAME[name] === streamNumber);
  if (stream === undefined) return `stream must be 1 (private), 2 (all) or 3 (market), got ${streamNumber}`;
  const keyBytes = view.getUint16(SUB_KEY_BYTES_OFFSET, true);
  if (keyBytes > SUB_MAX_KEY_BYTES || SUB_FIXED_BYTES + keyBytes !== bytes.byteLength) {
    return `key length ${keyBytes} does not match the frame (${bytes.byteLength} bytes) or exceeds ${SUB_MAX_KEY_BYTES}`;
  }
  const afterSequence = view.getFloat64(SUB_AFTER_SEQUENCE_OFFSET, true);
  if (!(afterSequence === LIVE_ONLY || (Number.isSafeInteger(afterSequence) && afterSequence >= 0))) {
    return `afterSequence must be -1 (live) or an integer 0..2^53-1, got ${afterSequence}`;
  }
  const symbolId = view.getFloat64(SUB_SYMBOL_ID_OFFSET, true);
  if (!(Number.isSafeInteger(symbolId) && symbolId >= 0)) return `symbolId must be an integer 0..2^53-1, got ${symbolId}`;
  if (stream === 'market' && symbolId === 0) return 'the market stream needs a symbolId';
  const depthLevels = view.getUint32(SUB_DEPTH_LEVELS_OFFSET, true);
  if (depthLevels > MAX_DEPTH_LEVELS) return `depthLevels must be 0 (trades only) .. ${MAX_DEPTH_LEVELS}, got ${depthLevels}`;
  if (depthLevels > 0 && stream !== 'market') return `depthLevels is for the market stream only (got ${depthLevels} on ${stream})`;
  let key: string;
  try {
    key = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(SUB_FIXED_BYTES));
  } catch {
    return 'key is not valid UTF-8';
  }
  return { stream, afterSequence, afterIndex: view.getUint32(SUB_AFTER_INDEX_OFFSET, true), symbolId, depthLevels, key };
}

export function encodeClosing(code: number, message: string): Uint8Array {
  const text = new TextEncoder().encode(message);
  const bytes = new Uint8Array(CLOSING_HEADER_BYTES + text.byteLength);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, EventFrameType.CLOSING);
  view.setUint16(CLOSING_CODE_OFFSET, code, true);
  view.setUint32(CLOSING_MESSAGE_BYTES_OFFSET, text.byteLength, true);
  bytes.set(text, CLOSING_HEADER_BYTES);
  return bytes;
}

/** A CLOSING frame's code and message. */
export interface Closing {
  readonly code: number;
  readonly message: string;
}

/** The CLOSING frame's content, or a message saying what is wrong with it. */
export function decodeClosing(frame: Uint8Array): Closing | string {
  if (frame.byteLength < CLOSING_HEADER_BYTES) return `CLOSING frame of ${frame.byteLength} bytes`;
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const length = view.getUint32(CLOSING_MESSAGE_BYTES_OFFSET, true);
  if (frame.byteLength !== CLOSING_HEADER_BYTES + length) return `CLOSING frame of ${frame.byteLength} bytes for a ${length}-byte message`;
  return { code: view.getUint16(CLOSING_CODE_OFFSET, true), message: new TextDecoder().decode(frame.subarray(CLOSING_HEADER_BYTES)) };
}

export function encodeSubscribed(releasedThrough: number): Uint8Array {
  const bytes = new Uint8Array(SUBSCRIBED_BYTES);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, EventFrameType.SUBSCRIBED);
  view.setFloat64(SUBSCRIBED_RELEASED_THROUGH_OFFSET, releasedThrough, true);
  return bytes;
}

/**
 * A DEPTH frame of the first `levels` levels of each side (prices best first, with their quantities).
 */
export function encodeDepth(symbolId: number, throughSequence: number, bidPrices: readonly number[], bidQuantities: readonly number[],
  askPrices: readonly number[], askQuantities: readonly number[], levels: number): Uint8Array {
  const bids = Math.min(levels, bidPrices.length);
  const asks = Math.min(levels, askPrices.length);
  const bytes = new Uint8Array(DEPTH_HEADER_BYTES + (bids + asks) * DEPTH_LEVEL_BYTES);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, EventFrameType.DEPTH);
  view.setUint16(DEPTH_BID_COUNT_OFFSET, bids, true);
  view.setUint16(DEPTH_ASK_COUNT_OFFSET, asks, true);
  view.setFloat64(DEPTH_THROUGH_SEQUENCE_OFFSET, throughSequence, true);
  view.setFloat64(DEPTH_SYMBOL_ID_OFFSET, symbolId, true);
  let at = DEPTH_HEADER_BYTES;
  for (let i = 0; i < bids; i++, at += DEPTH_LEVEL_BYTES) {
    view.setFloat64(at, bidPrices[i] as number, true);
    view.setFloat64(at + 8, bidQuantities[i] as number, true);
  }
  for (let i = 0; i < asks; i++, at += DEPTH_LEVEL_BYTES) {
    view.setFloat64(at, askPrices[i] as number, true);
    view.setFloat64(at + 8, askQuantities[i] as number, true);
  }
  return bytes;
}

/** A market's top levels: [price, quantity] best first. */
export interface DepthUpdate {
  readonly symbolId: number;
  readonly throughSequence: number;
  readonly bids: readonly (readonly [number, number])[];
  readonly asks: readonly (readonly [number, number])[];
}

/** The DEPTH frame's content, or a message saying what is wrong with it. */
export function decodeDepth(frame: Uint8Array): DepthUpdate | string {
  if (frame.byteLength < DEPTH_HEADER_BYTES) return `DEPTH frame of ${frame.byteLength} bytes`;
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const bidCount = view.getUint16(DEPTH_BID_COUNT_OFFSET, true);
  const askCount = view.getUint16(DEPTH_ASK_COUNT_OFFSET, true);
  if (frame.byteLength !== DEPTH_HEADER_BYTES + (bidCount + askCount) * DEPTH_LEVEL_BYTES) return `DEPTH frame of ${frame.byteLength} bytes for ${bidCount + askCount} levels`;
  const level = (i: number): readonly [number, number] => {
    const at = DEPTH_HEADER_BYTES + i * DEPTH_LEVEL_BYTES;
    return [view.getFloat64(at, true), view.getFloat64(at + 8, true)];
  };
  return {
    symbolId: view.getFloat64(DEPTH_SYMBOL_ID_OFFSET, true), throughSequence: view.getFloat64(DEPTH_THROUGH_SEQUENCE_OFFSET, true),
    bids: Array.from({ length: bidCount }, (_, i) => level(i)), asks: Array.from({ length: askCount }, (_, i) => level(bidCount + i)),
  };
}
