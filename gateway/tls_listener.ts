/**
 * A TLS listener for the binary TCP ports (commands, events). A peer must finish its handshake within
 * the login deadline, counted from accept: node's default would hold a silent one for 120 s, before
 * it is a connection the pre-login pools count. On a handshake that times out or fails, node only
 * emits 'tlsClientError' and leaves the socket open; it is destroyed here.
 */
import type { Socket } from 'node:net';
import { createServer, type Server } from 'node:tls';
import type { TlsFiles } from './tcp_server.ts';

export function createTlsListener(tls: TlsFiles, handshakeTimeoutMs: number, onConnection: (socket: Socket) => void): Server {
  const server = createServer({ cert: tls.cert, key: tls.key, noDelay: true, handshakeTimeout: handshakeTimeoutMs }, onConnection);
  server.on('tlsClientError', (_error, socket) => socket.destroy());
  return server;
}
