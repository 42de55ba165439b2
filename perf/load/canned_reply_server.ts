/**
 * A TCP server that answers every frame with the same pre-encoded OK Response and does nothing else:
 * what one load worker achieves against it is the generator's own ceiling, printed beside the e2e
 * figures so a reader can see the generator is not what limits them.
 */
import { createServer, type Server } from 'node:net';
import * as flatbuffers from 'flatbuffers';
import { Response } from '../../codec/generated/ringline/wire/response.ts';

const REPLIES_PER_WRITE = 4096;

export interface CannedReplyServer {
  readonly port: number;
  close(): Promise<void>;
}

/** One framed (4-byte length + FlatBuffers) OK Response with this correlation id, sequence 1. */
export function okResponseFrame(correlationId: bigint): Buffer {
  const b = new flatbuffers.Builder(64);
  Response.startResponse(b);
  Response.addCorrelationId(b, correlationId);
  Response.addCode(b, 0);
  Response.addSequence(b, 1n);
  b.finish(Response.endResponse(b));
  const payload = b.asUint8Array();
  const frame = Buffer.alloc(4 + payload.length);
  frame.writeUInt32LE(payload.length, 0);
  frame.set(payload, 4);
  return frame;
}

export async function startCannedReplyServer(host = '127.0.0.1'): Promise<CannedReplyServer> {
  const frame = okResponseFrame(1n);
  const replies = Buffer.concat(Array.from({ length: REPLIES_PER_WRITE }, () => frame));
  const server: Server = createServer({ noDelay: true }, (socket) => {
    let held = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      const buf = held.length > 0 ? Buffer.concat([held, chunk]) : chunk;
      let pos = 0;
      let frames = 0;
      while (buf.length - pos >= 4) {
        const length = buf.readUInt32LE(pos);
        if (buf.length - pos < 4 + length) break;
        pos += 4 + length;
        frames++;
      }
      held = Buffer.from(buf.subarray(pos));
      while (frames > 0) {
        const k = Math.min(frames, REPLIES_PER_WRITE);
        socket.write(replies.subarray(0, k * frame.length));
        frames -= k;
      }
    });
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      // connections end when the load worker closes them
    }),
  };
}
