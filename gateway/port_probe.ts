/**
 * Refuses a start on a port that is taken, before the engine recovers anything. Each port is bound
 * (without SO_REUSEPORT, so a uWebSockets.js listener that shares ports is detected too) and released
 * at once; the listeners themselves then bind exclusively (uws_server.ts LIBUS_LISTEN_EXCLUSIVE_PORT,
 * node:net never shares), which closes the window between the probe and the real bind.
 */
import { createServer } from 'node:net';

export interface ListenerPort {
  /** What listens there, for the message: "TCP", "WebSocket/HTTP", "replication". */
  readonly name: string;
  /** 0 (ephemeral) and -1 (off) are not probed. */
  readonly port: number;
}

/**
 * How long a busy port is retried (EADDRINUSE) before a start is refused. The previous engine on this
 * port may have been killed (kill -9) a moment ago while its pre-login door (pre_login_door.ts) still
 * holds the TCP listener: the door exits once it sees its parent's IPC channel close, which took up to
 * 1.5 s at load 26 here. A port held by anything else is refused after this wait.
 */
export const BUSY_PORT_RETRY_MS = 5000;
const BUSY_PORT_RETRY_STEP_MS = 50;

/**
 * The TCP listener's accept queue: a burst of connections (a reconnect wave, a flood) waits for
 * accept() instead of being dropped into SYN retries (the kernel caps it at net.core.somaxconn).
 */
export const TCP_LISTEN_BACKLOG = 4096;

/** Throws an Error naming the listener, host and port of the first port that cannot be bound. */
export async function assertPortsFree(host: string, ports: readonly ListenerPort[]): Promise<void> {
  for (const { name, port } of ports) {
    if (port <= 0) continue;
    const deadline = Date.now() + BUSY_PORT_RETRY_MS;
    let failure = await probe(host, port);
    while (failure === 'EADDRINUSE' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, BUSY_PORT_RETRY_STEP_MS));
      failure = await probe(host, port);
    }
    if (failure === null) continue;
    const why = failure === 'EADDRINUSE' ? 'is already in use (another ringline or another program)' : `cannot be bound (${failure})`;
    throw new Error(`${name} port ${port} on ${host} ${why}: refusing to start`);
  }
}

/** null when host:port could be bound exclusively, else the error code. */
function probe(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(null)));
  });
}
