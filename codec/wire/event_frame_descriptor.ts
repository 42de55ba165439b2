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
import { bytes, F64, fixedLayout, TAIL, U16, U32, U8 } from '../fixed_layout.ts';

export const EventFrameType = { SUBSCRIBE: 1, SUBSCRIBED: 2, EVENTS: 3, CLOSING: 4, DEPTH: 5 } as const;
export const EventStream = { PRIVATE: 1, ALL: 2, MARKET: 3 } as const;
export type EventStreamName = 'private' | 'all' | 'market';

export const SubscribeFrame = fixedLayout('SUBSCRIBE', {
  FRAME_TYPE: U8, STREAM: U8, KEY_BYTES: U16, RESERVED_4: U32, AFTER_SEQUENCE: F64, AFTER_INDEX: U32, RESERVED_20: U32,
  SYMBOL_ID: F64, DEPTH_LEVELS: U32, RESERVED_36: U32, KEY: TAIL,
});
export const SUB_MAX_KEY_BYTES = 512;
export const SubscribedFrame = fixedLayout('SUBSCRIBED', { FRAME_TYPE: U8, RESERVED_1: bytes(7), RELEASED_THROUGH: F64 });
export const EventsFrame = fixedLayout('EVENTS', { FRAME_TYPE: U8, RESERVED_1: bytes(3), COUNT: U32, THROUGH_SEQUENCE: F64, RECORDS: TAIL });
export const DepthFrame = fixedLayout('DEPTH', {
  FRAME_TYPE: U8, RESERVED_1: U8, BID_COUNT: U16, ASK_COUNT: U16, RESERVED_6: U16, THROUGH_SEQUENCE: F64, SYMBOL_ID: F64, LEVELS: TAIL,
});
export const DEPTH_LEVEL_BYTES = 16;
/** Most depth levels a side a market subscriber may ask for. */
export const MAX_DEPTH_LEVELS = 10;
export const ClosingFrame = fixedLayout('CLOSING', { FRAME_TYPE: U8, RESERVED_1: U8, CODE: U16, MESSAGE_BYTES: U32, MESSAGE: TAIL });

/** afterIndex meaning "after every event of afterSequence". */
export const AFTER_ALL_OF_COMMAND = 0xffffffff;
/** afterSequence meaning "from now on". */
export const LIVE_ONLY = -1;

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(`event_frame_descriptor: ${message}`);
}
check(SubscribeFrame.BYTES === 40 && SubscribeFrame.DEPTH_LEVELS === 32 && SubscribedFrame.BYTES === 16 && EventsFrame.BYTES === 16
  && DepthFrame.BYTES === 24 && ClosingFrame.BYTES === 8, 'frames as drawn');

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
  const bytes = new Uint8Array(SubscribeFrame.BYTES + key.byteLength);
  const view = new DataView(bytes.buffer);
  view.setUint8(SubscribeFrame.FRAME_TYPE, EventFrameType.SUBSCRIBE);
  view.setUint8(SubscribeFrame.STREAM, STREAM_BY_NAME[request.stream]);
  view.setUint16(SubscribeFrame.KEY_BYTES, key.byteLength, true);
  view.setFloat64(SubscribeFrame.AFTER_SEQUENCE, request.afterSequence, true);
  view.setUint32(SubscribeFrame.AFTER_INDEX, request.afterIndex, true);
  view.setFloat64(SubscribeFrame.SYMBOL_ID, request.symbolId, true);
  view.setUint32(SubscribeFrame.DEPTH_LEVELS, request.depthLevels ?? 0, true);
  bytes.set(key, SubscribeFrame.BYTES);
  return bytes;
}

/** The request, or a message saying what is wrong with the frame (untrusted input: checked field by field). */
export function decodeSubscribe(bytes: Uint8Array): SubscribeRequest | string {
  if (bytes.byteLength < SubscribeFrame.BYTES) return `subscribe frame is ${bytes.byteLength} bytes, needs at least ${SubscribeFrame.BYTES}`;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint8(SubscribeFrame.FRAME_TYPE) !== EventFrameType.SUBSCRIBE) return `first frame must be SUBSCRIBE (${EventFrameType.SUBSCRIBE}), got type ${view.getUint8(SubscribeFrame.FRAME_TYPE)}`;
  const streamNumber = view.getUint8(SubscribeFrame.STREAM);
  const stream = (Object.keys(STREAM_BY_NAME) as EventStreamName[]).find((name) => STREAM_BY_NAME[name] === streamNumber);
  if (stream === undefined) return `stream must be 1 (private), 2 (all) or 3 (market), got ${streamNumber}`;
  const keyBytes = view.getUint16(SubscribeFrame.KEY_BYTES, true);
  if (keyBytes > SUB_MAX_KEY_BYTES || SubscribeFrame.BYTES + keyBytes !== bytes.byteLength) {
    return `key length ${keyBytes} does not match the frame (${bytes.byteLength} bytes) or exceeds ${SUB_MAX_KEY_BYTES}`;
  }
  const afterSequence = view.getFloat64(SubscribeFrame.AFTER_SEQUENCE, true);
  if (!(afterSequence === LIVE_ONLY || (Number.isSafeInteger(afterSequence) && afterSequence >= 0))) {
    return `afterSequence must be -1 (live) or an integer 0..2^53-1, got ${afterSequence}`;
  }
  const symbolId = view.getFloat64(SubscribeFrame.SYMBOL_ID, true);
  if (!(Number.isSafeInteger(symbolId) && symbolId >= 0)) return `symbolId must be an integer 0..2^53-1, got ${symbolId}`;
  if (stream === 'market' && symbolId === 0) return 'the market stream needs a symbolId';
  const depthLevels = view.getUint32(SubscribeFrame.DEPTH_LEVELS, true);
  if (depthLevels > MAX_DEPTH_LEVELS) return `depthLevels must be 0 (trades only) .. ${MAX_DEPTH_LEVELS}, got ${depthLevels}`;
  if (depthLevels > 0 && stream !== 'market') return `depthLevels is for the market stream only (got ${depthLevels} on ${stream})`;
  let key: string;
  try {
    key = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(SubscribeFrame.BYTES));
  } catch {
    return 'key is not valid UTF-8';
  }
  return { stream, afterSequence, afterIndex: view.getUint32(SubscribeFrame.AFTER_INDEX, true), symbolId, depthLevels, key };
}

export function encodeClosing(code: number, message: string): Uint8Array {
  const text = new TextEncoder().encode(message);
  const bytes = new Uint8Array(ClosingFrame.BYTES + text.byteLength);
  const view = new DataView(bytes.buffer);
  view.setUint8(ClosingFrame.FRAME_TYPE, EventFrameType.CLOSING);
  view.setUint16(ClosingFrame.CODE, code, true);
  view.setUint32(ClosingFrame.MESSAGE_BYTES, text.byteLength, true);
  bytes.set(text, ClosingFrame.BYTES);
  return bytes;
}

/** A CLOSING frame's code and message. */
export interface Closing {
  readonly code: number;
  readonly message: string;
}

/** The CLOSING frame's content, or a message saying what is wrong with it. */
export function decodeClosing(frame: Uint8Array): Closing | string {
  if (frame.byteLength < ClosingFrame.BYTES) return `CLOSING frame of ${frame.byteLength} bytes`;
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const length = view.getUint32(ClosingFrame.MESSAGE_BYTES, true);
  if (frame.byteLength !== ClosingFrame.BYTES + length) return `CLOSING frame of ${frame.byteLength} bytes for a ${length}-byte message`;
  return { code: view.getUint16(ClosingFrame.CODE, true), message: new TextDecoder().decode(frame.subarray(ClosingFrame.BYTES)) };
}

export function encodeSubscribed(releasedThrough: number): Uint8Array {
  const bytes = new Uint8Array(SubscribedFrame.BYTES);
  const view = new DataView(bytes.buffer);
  view.setUint8(SubscribedFrame.FRAME_TYPE, EventFrameType.SUBSCRIBED);
  view.setFloat64(SubscribedFrame.RELEASED_THROUGH, releasedThrough, true);
  return bytes;
}

/**
 * A DEPTH frame of the first `levels` levels of each side (prices best first, with their quantities).
 */
export function encodeDepth(symbolId: number, throughSequence: number, bidPrices: readonly number[], bidQuantities: readonly number[],
  askPrices: readonly number[], askQuantities: readonly number[], levels: number): Uint8Array {
  const bids = Math.min(levels, bidPrices.length);
  const asks = Math.min(levels, askPrices.length);
  const bytes = new Uint8Array(DepthFrame.BYTES + (bids + asks) * DEPTH_LEVEL_BYTES);
  const view = new DataView(bytes.buffer);
  view.setUint8(DepthFrame.FRAME_TYPE, EventFrameType.DEPTH);
  view.setUint16(DepthFrame.BID_COUNT, bids, true);
  view.setUint16(DepthFrame.ASK_COUNT, asks, true);
  view.setFloat64(DepthFrame.THROUGH_SEQUENCE, throughSequence, true);
  view.setFloat64(DepthFrame.SYMBOL_ID, symbolId, true);
  let at = DepthFrame.BYTES;
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
  if (frame.byteLength < DepthFrame.BYTES) return `DEPTH frame of ${frame.byteLength} bytes`;
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const bidCount = view.getUint16(DepthFrame.BID_COUNT, true);
  const askCount = view.getUint16(DepthFrame.ASK_COUNT, true);
  if (frame.byteLength !== DepthFrame.BYTES + (bidCount + askCount) * DEPTH_LEVEL_BYTES) return `DEPTH frame of ${frame.byteLength} bytes for ${bidCount + askCount} levels`;
  const level = (i: number): readonly [number, number] => {
    const at = DepthFrame.BYTES + i * DEPTH_LEVEL_BYTES;
    return [view.getFloat64(at, true), view.getFloat64(at + 8, true)];
  };
  return {
    symbolId: view.getFloat64(DepthFrame.SYMBOL_ID, true), throughSequence: view.getFloat64(DepthFrame.THROUGH_SEQUENCE, true),
    bids: Array.from({ length: bidCount }, (_, i) => level(i)), asks: Array.from({ length: askCount }, (_, i) => level(bidCount + i)),
  };
}
