/**
 * Worker-thread clients for the pre-login door's hand-over queue test (pre_login_door.test.ts). The
 * gateway runs on the test's thread, which blocks while this worker drives the clients, so the door
 * cannot get an acknowledgement for its first hand-over: every later Login waits in its IPC handle
 * queue, and the command each client sends next arrives while its socket waits there.
 *
 *   test thread                         this worker                          door process
 *   ─ await stage CONNECTED ◄────────── open `count` connections
 *   ─ stage BLOCKED, Atomics.wait ────► send a Login on each ──────────────► reads them, hands over
 *                                       poll /proc/net/tcp until the door      the first; the rest
 *                                       has read every Login (receive queue    queue behind its ack
 *                                       empty), then send a command on each
 *                                       wait until the door read one of them
 *                                       (the bug) or RELEASE_MS passed
 *   ◄─ stage RELEASED ──────────────────
 *   ─ hands over, answers ────────────► collects each connection's reply frames, posts them
 *
 * The /proc check (Linux) makes the order certain: the commands are sent after the door read the
 * Logins, never in the same chunk.
 */
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';

export const STAGE_STARTED = 0;
export const STAGE_CONNECTED = 1;
export const STAGE_BLOCKED = 2;
export const STAGE_RELEASED = 3;

export interface QueueClientsData {
  readonly port: number;
  readonly count: number;
  readonly login: Uint8Array;
  readonly command: Uint8Array;
  /** Int32Array over a SharedArrayBuffer: [0] the stage. */
  readonly stage: Int32Array;
}

export interface QueueClientsResult {
  /** Every Login was read by the door while the gateway was blocked (the precondition held). */
  readonly loginsReadByDoor: boolean;
  /** Reply frames per connection, in order. */
  readonly replies: Uint8Array[][];
}

/** How long the commands stay with the door before the gateway is released, when none is read there. */
const RELEASE_MS = 1500;
const DEADLINE_MS = 60_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Receive-queue bytes of the server side of each connection to `port`, by the client's port (/proc/net/tcp). */
function serverReceiveQueues(port: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 5) continue;
    const local = parseInt(fields[1].split(':')[1], 16);
    const remote = parseInt(fields[2].split(':')[1], 16);
    if (local === port) out.set(remote, parseInt(fields[4].split(':')[1], 16));
  }
  return out;
}

async function waitFor(condition: () => boolean, deadlineMs: number): Promise<boolean> {
  const deadline = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await sleep(5);
  }
  return true;
}

async function main(data: QueueClientsData): Promise<QueueClientsResult> {
  const sockets: Socket[] = [];
  const replies: Uint8Array[][] = [];
  for (let i = 0; i < data.count; i++) {
    const socket = connect({ host: '127.0.0.1', port: data.port, noDelay: true });
    await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
    const frames: Uint8Array[] = [];
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readUInt32LE(0)) {
        const n = pending.readUInt32LE(0);
        frames.push(Uint8Array.from(pending.subarray(4, 4 + n)));
        pending = pending.subarray(4 + n);
      }
    });
    socket.on('error', () => { /* the test sees missing replies */ });
    sockets.push(socket);
    replies.push(frames);
  }
  const ports = new Set(sockets.map((s) => s.localPort ?? -1));
  Atomics.store(data.stage, 0, STAGE_CONNECTED);
  Atomics.notify(data.stage, 0);
  await waitFor(() => Atomics.load(data.stage, 0) === STAGE_BLOCKED, DEADLINE_MS);

  await Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.write(data.login, () => resolve()))));
  const queued = (): number[] => [...serverReceiveQueues(data.port)].filter(([p]) => ports.has(p)).map(([, bytes]) => bytes);
  const loginsReadByDoor = await waitFor(() => { const q = queued(); return q.length === data.count && q.every((b) => b === 0); }, DEADLINE_MS);
  await Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.write(data.command, () => resolve()))));
  // With the bug the door reads a queued socket's command at once; without it, they wait in the kernel.
  await waitFor(() => queued().some((b) => b === 0), RELEASE_MS);

  Atomics.store(data.stage, 0, STAGE_RELEASED);
  Atomics.notify(data.stage, 0);
  await waitFor(() => replies.every((r) => r.length >= 2), 30_000);
  for (const s of sockets) s.destroy();
  return { loginsReadByDoor, replies };
}

const data = workerData as QueueClientsData | null;
// Imported by the test for its constants and types: run only as the worker.
if (parentPort !== null && data?.stage instanceof Int32Array) void main(data).then((result) => parentPort?.postMessage(result), (error: unknown) => {
  Atomics.store(data.stage, 0, STAGE_RELEASED);
  Atomics.notify(data.stage, 0);
  throw error;
});
