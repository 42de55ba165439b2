/**
 * A TCP server that answers every Request frame with an OK Response carrying the request's own
 * correlation id (a pre-encoded response with the id patched in) and does nothing else: what a
 * RinglineClient achieves against it is the client library's own ceiling (perf/scenarios/client.ts).
 */
import { createServer, type Server } from 'node:net';
import * as flatbuffers from 'flatbuffers';
import { Request } from '../../codec/generated/ringline/wire/request.ts';
import { okResponseFrame } from './canned_reply_server.ts';

/** A correlation id whose little-endian bytes occur once in the encoded template. */
const MARKER = 0x0f1e2d3c4b5a6978n;

export interface CorrelationEchoServer {
  readonly port: number;
  close(): Promise<void>;
}

function responseTemplate(): { frame: Buffer; idOffset: number } {
  const frame = okResponseFrame(MARKER);
  const marker = Buffer.alloc(8);
  marker.writeBigUInt64LE(MARKER);
  const idOffset = frame.indexOf(marker);
  if (idOffset < 0 || frame.indexOf(marker, idOffset + 1) >= 0) throw new Error('correlation echo: marker not found exactly once');
  return { frame, idOffset };
}

export async function startCorrelationEchoServer(host = '127.0.0.1'): Promise<CorrelationEchoServer> {
  const { frame, idOffset } = responseTemplate();
  const request = new Request();
  const server: Server = createServer((socket) => {
    socket.setNoDelay(true);
    let held = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      const buf = held.length > 0 ? Buffer.concat([held, chunk]) : chunk;
      let frames = 0;
      let pos = 0;
      while (buf.length - pos >= 4 && buf.length - pos >= 4 + buf.readUInt32LE(pos)) {
        pos += 4 + buf.readUInt32LE(pos);
        frames++;
      }
      const out = Buffer.allocUnsafe(frames * frame.length);
      pos = 0;
      for (let i = 0; i < frames; i++) {
        const length = buf.readUInt32LE(pos);
        const bytes = new flatbuffers.ByteBuffer(buf.subarray(pos + 4, pos + 4 + length));
        frame.copy(out, i * frame.length);
        out.writeBigUInt64LE(Request.getRootAsRequest(bytes, request).correlationId(), i * frame.length + idOffset);
        pos += 4 + length;
      }
      held = Buffer.from(buf.subarray(pos));
      if (frames > 0) socket.write(out);
    });
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
