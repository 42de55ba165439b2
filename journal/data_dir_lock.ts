/**
 * One process per data directory. Two engines (or an engine and a follower) on one journal would
 * interleave segments and corrupt it; the second must refuse before it recovers anything.
 *
 * The lock is a listening Unix socket in Linux's abstract namespace named after the directory's
 * device and inode: the kernel releases it when the process dies however it dies (no stale lock
 * file after a crash or SIGKILL), and a second process cannot bind the same name. A process that
 * asks again for a directory it holds gets the same lock (a promoted follower becomes a primary in
 * the same process). The holder answers a connection with its pid and command for the message.
 * Limit: abstract sockets belong to a network namespace, so two containers with separate network
 * namespaces sharing one volume are not detected; give each container its own volume.
 */
import { statSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';

export interface DataDirLock {
  readonly dataDir: string;
  release(): Promise<void>;
}

const held = new Map<string, { lock: DataDirLock; server: Server }>();

/** Takes the lock on `dataDir` (an existing directory) or throws an Error naming it and the holder. */
export async function lockDataDir(dataDir: string, holder: string): Promise<DataDirLock> {
  if (process.platform !== 'linux') throw new Error(`data directory locking needs Linux (abstract Unix sockets); this is ${process.platform}`);
  const { dev, ino } = statSync(dataDir);
  const name = `\0ringline-data-dir-${dev}-${ino}`;
  const existing = held.get(name);
  if (existing !== undefined) return existing.lock;
  const server = createServer((socket) => socket.end(`${JSON.stringify({ pid: process.pid, holder })}\n`));
  const failure = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
    server.once('error', resolve);
    server.listen(name, () => resolve(null));
  });
  if (failure !== null) {
    if (failure.code !== 'EADDRINUSE') throw new Error(`cannot lock data directory ${dataDir}: ${failure.message}`);
    throw new Error(`data directory ${dataDir} is in use by another ringline process (${await describeHolder(name)}): refusing to start`);
  }
  server.unref();
  const lock: DataDirLock = {
    dataDir,
    release: () => new Promise((resolve) => {
      held.delete(name);
      server.close(() => resolve());
    }),
  };
  held.set(name, { lock, server });
  return lock;
}

/** "pid 1234: ringline start", or "holder unknown" when it does not answer in time. */
function describeHolder(name: string): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const socket = connect(name);
    const timer = setTimeout(() => { socket.destroy(); resolve('holder unknown'); }, 2000);
    socket.setEncoding('utf8').on('data', (chunk: string) => { text += chunk; });
    socket.on('error', () => { clearTimeout(timer); resolve('holder unknown'); });
    socket.on('end', () => {
      clearTimeout(timer);
      try {
        const { pid, holder } = JSON.parse(text) as { pid: number; holder: string };
        resolve(`pid ${pid}: ${holder}`);
      } catch {
        resolve('holder unknown');
      }
    });
  });
}
