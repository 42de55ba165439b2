import { describe, it, expect } from 'vitest';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { adoptTcpHandle, isRawTcpHandle, peerAddress, readResult, UV_EOF, writeAndEnd, type RawTcpHandle } from './raw_tcp_handle.ts';

/** A server whose accepts arrive as bare handles (as the door takes them), and a client connected to it. */
async function acceptBare(): Promise<{ server: Server; client: Socket; handle: RawTcpHandle }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<RawTcpHandle>((resolve) => {
    (server as unknown as { _handle: { onconnection: (error: number, handle: RawTcpHandle) => void } })._handle.onconnection = (error, handle) => {
      expect(error).toBe(0);
      resolve(handle);
    };
  });
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
  return { server, client, handle: await accepted };
}

/** Runs `test` on a fresh bare connection; the client and the server are closed after it, whatever happens. */
async function withBareConnection(test: (client: Socket, handle: RawTcpHandle) => Promise<void>): Promise<void> {
  const { server, client, handle } = await acceptBare();
  try {
    await test(client, handle);
  } finally {
    client.destroy();
    server.close();
  }
}

const ended = (socket: Socket): Promise<Buffer> => new Promise((resolve) => {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.once('end', () => resolve(Buffer.concat(chunks)));
});

// Pins the node internals the pre-login door relies on (tcp_wrap, stream_wrap), so that a Node
// upgrade that changes them fails here.
describe('bare TCP handles (the pre-login door\'s connections)', () => {
  it('read every byte in order through onread, then the end of the stream; name the peer', async () => {
    await withBareConnection(async (client, handle) => {
      expect(isRawTcpHandle(handle)).toBe(true);
      expect(isRawTcpHandle(client)).toBe(false);
      expect(peerAddress(handle)).toBe('127.0.0.1');
      const read: number[] = [];
      const eof = new Promise<void>((resolve) => {
        handle.onread = function onread(bytes) {
          expect(this).toBe(handle);
          const { count, chunk } = readResult(bytes);
          if (chunk !== null) {
            expect(chunk.length).toBe(count);
            read.push(...chunk);
          } else if (count === UV_EOF) resolve();
        };
      });
      expect(handle.readStart()).toBe(0);
      const sent = Array.from({ length: 3000 }, (_, i) => i % 251);
      for (let i = 0; i < sent.length; i += 1000) client.write(Uint8Array.from(sent.slice(i, i + 1000)));
      client.end();
      await eof;
      expect(read).toEqual(sent);
      handle.close();
    });
  });

  it('write a reply and end: the peer reads the reply, then the end of the stream', async () => {
    await withBareConnection(async (client, handle) => {
      const received = ended(client);
      writeAndEnd(handle, Buffer.from('LOGIN_TIMEOUT'));
      expect((await received).toString()).toBe('LOGIN_TIMEOUT');
      handle.close();
    });
  });

  it('become a working net.Socket again, with the bytes the bare handle did not read (the gateway\'s side of the hand-over)', async () => {
    await withBareConnection(async (client, handle) => {
      client.write('behind the login');
      await new Promise((resolve) => setTimeout(resolve, 50));
      const socket = adoptTcpHandle(handle);
      const first = await new Promise<Buffer>((resolve) => socket.once('data', resolve));
      expect(first.toString()).toBe('behind the login');
      const received = ended(client);
      socket.end('ok');
      expect((await received).toString()).toBe('ok');
      socket.destroy();
    });
  });
});
