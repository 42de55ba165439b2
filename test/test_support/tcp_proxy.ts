/**
 * A loopback TCP proxy whose link can be cut without closing it: in blackhole mode bytes are
 * swallowed in both directions, as when a network drops packets (the peers see silence, not a reset).
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export class TcpProxy {
  blackhole = false;
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server, readonly port: number) {}

  static start(targetHost: string, targetPort: number): Promise<TcpProxy> {
    return new Promise((resolve, reject) => {
      let proxy: TcpProxy;
      const server = createServer((client) => {
        const upstream = connect({ host: targetHost, port: targetPort });
        for (const [from, to] of [[client, upstream], [upstream, client]] as const) {
          proxy.sockets.add(from);
          from.on('data', (chunk: Buffer) => { if (!proxy.blackhole) to.write(chunk); });
          from.on('error', () => to.destroy());
          from.on('close', () => { proxy.sockets.delete(from); to.destroy(); });
        }
      });
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        proxy = new TcpProxy(server, typeof address === 'object' && address !== null ? address.port : 0);
        resolve(proxy);
      });
    });
  }

  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
