/**
 * Framing of request messages and splitting of reply streams for the binary transports:
 *   tcp  a 4-byte little-endian length, then the message (the gateway's framing)
 *   ws   RFC 6455 binary frames; client frames are masked (with a zero key, so the payload stays as
 *        encoded and ids can still be patched in place); server frames are unmasked.
 *   http each payload is a whole HTTP/1.1 request (no framing added); replies are HTTP/1.1 responses
 *        with a Content-Length, their body handed over as the reply.
 */
import type { LoadTransport } from './load_spec.ts';

/** Bytes of framing written before a payload of `payloadBytes`. */
export function frameHeaderBytes(transport: LoadTransport, payloadBytes: number): number {
  if (transport === 'http') return 0;
  if (transport === 'tcp') return 4;
  return payloadBytes < 126 ? 6 : payloadBytes < 65_536 ? 8 : 14;
}

/** Writes the framing for `payloadBytes` at `offset`; returns the header size. */
export function writeFrameHeader(transport: LoadTransport, out: Uint8Array, offset: number, payloadBytes: number): number {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  if (transport === 'http') return 0;
  if (transport === 'tcp') {
    view.setUint32(offset, payloadBytes, true);
    return 4;
  }
  out[offset] = 0x82; // FIN + binary
  if (payloadBytes < 126) {
    out[offset + 1] = 0x80 | payloadBytes;
    view.setUint32(offset + 2, 0); // masking key 0
    return 6;
  }
  if (payloadBytes < 65_536) {
    out[offset + 1] = 0x80 | 126;
    view.setUint16(offset + 2, payloadBytes, false);
    view.setUint32(offset + 4, 0);
    return 8;
  }
  out[offset + 1] = 0x80 | 127;
  view.setUint32(offset + 2, 0, false);
  view.setUint32(offset + 6, payloadBytes, false);
  view.setUint32(offset + 10, 0);
  return 14;
}

/** Receives each complete reply: the payload's position in `view`, or a close/unusable frame. */
export interface ReplySink {
  onReply(view: DataView, start: number, length: number): void;
  onClose(reason: string): void;
}

/**
 * Splits a reply byte stream into messages. Frames inside one chunk are handed over in place; a frame
 * split across chunks is joined with the next chunk (a copy, only at chunk borders).
 */
export class ReplySplitter {
  private carry: Buffer | null = null;

  constructor(private readonly transport: LoadTransport) {}

  push(chunk: Buffer, sink: ReplySink): void {
    let buf = chunk;
    if (this.carry !== null) {
      buf = Buffer.concat([this.carry, chunk]);
      this.carry = null;
    }
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let pos = 0;
    const end = buf.length;
    while (pos < end) {
      let headerBytes: number;
      let payloadBytes: number;
      let opcode = 2;
      if (this.transport === 'http') {
        const head = httpHead(buf, pos, end);
        if (head === null) break;
        if (head.contentLength < 0) {
          sink.onClose(`http response without Content-Length: ${buf.toString('latin1', pos, Math.min(end, pos + 80))}`);
          return;
        }
        headerBytes = head.headBytes;
        payloadBytes = head.contentLength;
      } else if (this.transport === 'tcp') {
        if (end - pos < 4) break;
        headerBytes = 4;
        payloadBytes = view.getUint32(pos, true);
      } else {
        if (end - pos < 2) break;
        opcode = buf[pos] & 0x0f;
        const len7 = buf[pos + 1] & 0x7f;
        const masked = (buf[pos + 1] & 0x80) !== 0;
        if (len7 < 126) {
          headerBytes = 2;
          payloadBytes = len7;
        } else if (len7 === 126) {
          if (end - pos < 4) break;
          headerBytes = 4;
          payloadBytes = view.getUint16(pos + 2, false);
        } else {
          if (end - pos < 10) break;
          headerBytes = 10;
          payloadBytes = view.getUint32(pos + 2, false) * 0x1_0000_0000 + view.getUint32(pos + 6, false);
        }
        if (masked) headerBytes += 4; // servers do not mask; tolerate it by skipping the key
      }
      if (end - pos < headerBytes + payloadBytes) break;
      const start = pos + headerBytes;
      pos = start + payloadBytes;
      if (opcode === 2 || opcode === 0) sink.onReply(view, start, payloadBytes);
      else if (opcode === 8) sink.onClose(`websocket close frame${payloadBytes >= 2 ? ` code ${view.getUint16(start, false)}` : ''}`);
      else if (opcode === 1) sink.onReply(view, start, 0); // a text reply is not a Response: counted as an error
      // ping (9) / pong (10): ignored
    }
    if (pos < end) this.carry = Buffer.from(buf.subarray(pos));
  }
}

const CRLFCRLF = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /\r\ncontent-length:\s*(\d+)/i;

/** The head of the HTTP response at `pos`: its size and Content-Length (-1 when absent); null if incomplete. */
function httpHead(buf: Buffer, pos: number, end: number): { headBytes: number; contentLength: number } | null {
  const at = buf.indexOf(CRLFCRLF, pos);
  if (at < 0 || at + 4 > end) return null;
  const head = buf.toString('latin1', pos, at);
  const m = CONTENT_LENGTH.exec(head);
  return { headBytes: at + 4 - pos, contentLength: m === null ? -1 : Number(m[1]) };
}

/** The `"code":N` of an HTTP JSON reply body, or -1 when absent. */
export function peekJsonCode(view: DataView, start: number, length: number): number {
  const bytes = new Uint8Array(view.buffer, view.byteOffset + start, length);
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  const m = /"code"\s*:\s*(\d+)/.exec(text);
  return m === null ? -1 : Number(m[1]);
}
