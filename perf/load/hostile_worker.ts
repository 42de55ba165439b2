/**
 * Entry of the hostile-connection generator (perf/scenarios/hostile.ts), as a worker thread of the
 * bench (workerData, parentPort) or as a child process of its own (the spec as JSON in argv[2],
 * messages over the IPC channel; the bench runs it under `nice -n 19`, as an attacker's machine would
 * not share the engine's cores). It opens
 * `perAddress` TCP connections from each of `addresses` (loopback aliases, 127.0.1.x, so the
 * gateway's per-address limit does not cap the total) and never logs in. Each connection announces a
 * frame just under the pre-login limit and trickles it one byte every `trickleMs` (slowloris: it
 * never completes). A connection the server closes (login deadline, eviction) is reopened at once,
 * so the pressure holds for as long as the worker runs.
 *
 * spec: { host, port, addresses: string[], perAddress, trickleMs, announcedFrameBytes }
 * Posts { type: 'stats', open, opened, closed, errors } every 250 ms; stops on { type: 'stop' }.
 */
import { connect, type Socket } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';

interface HostileSpec {
  readonly host: string;
  readonly port: number;
  readonly addresses: readonly string[];
  readonly perAddress: number;
  readonly trickleMs: number;
  readonly announcedFrameBytes: number;
}

export interface HostileStats {
  readonly type: 'stats';
  /** Connections open now (connected, not yet closed). */
  readonly open: number;
  /** Connections established since the start. */
  readonly opened: number;
  /** Connections the server closed (or that failed) since the start. */
  readonly closed: number;
  readonly errors: number;
}

interface Channel {
  postMessage(message: HostileStats): void;
  on(event: 'message', listener: (message: { type: string }) => void): void;
  close(): void;
}

function channel(): Channel {
  if (parentPort !== null) {
    const worker = parentPort;
    return { postMessage: (m) => worker.postMessage(m), on: (e, l) => worker.on(e, l), close: () => worker.close() };
  }
  const send = process.send?.bind(process);
  if (send === undefined) throw new Error('hostile_worker.ts runs as a worker thread or as a child process with an IPC channel');
  process.on('disconnect', () => process.exit(0));
  return { postMessage: (m) => { if (process.connected) send(m); }, on: (e, l) => process.on(e, l), close: () => process.disconnect() };
}

const port = channel();
const spec = (parentPort !== null ? workerData : JSON.parse(process.argv[2] ?? '{}')) as HostileSpec;
const prefix = Buffer.alloc(4);
prefix.writeUInt32LE(spec.announcedFrameBytes, 0);
const oneByte = Buffer.from([0x41]);
/** Live sockets by trickle group: group g sends its byte in sub-tick g of each trickle period. */
const TRICKLE_GROUPS = 20;
const live: Set<Socket>[] = Array.from({ length: TRICKLE_GROUPS }, () => new Set<Socket>());
let nextGroup = 0;
let open = 0;
let opened = 0;
let closed = 0;
let errors = 0;
let stopping = false;

function openOne(localAddress: string): void {
  const socket = connect({ host: spec.host, port: spec.port, localAddress, noDelay: true });
  const group = live[nextGroup++ % TRICKLE_GROUPS];
  let connected = false;
  socket.once('connect', () => {
    connected = true;
    open++;
    opened++;
    group.add(socket);
    socket.write(prefix);
  });
  socket.on('data', () => { /* the server's reason for closing; not read further */ });
  socket.on('error', () => { errors++; });
  socket.once('close', () => {
    group.delete(socket);
    if (connected) open--;
    closed++;
    if (!stopping) setTimeout(() => openOne(localAddress), connected ? 0 : 100);
  });
}

// Ramp up in steps so the listen backlog is not the bottleneck being measured.
let index = 0;
const total = spec.addresses.length * spec.perAddress;
const ramp = setInterval(() => {
  for (let i = 0; i < 500 && index < total; i++, index++) openOne(spec.addresses[index % spec.addresses.length]);
  if (index >= total) clearInterval(ramp);
}, 20);
// Independent clients do not send in lock-step: each group trickles in its own slice of the period.
let tick = 0;
const trickle = setInterval(() => {
  for (const socket of live[tick++ % TRICKLE_GROUPS]) socket.write(oneByte);
}, Math.max(1, Math.round(spec.trickleMs / TRICKLE_GROUPS)));
const report = setInterval(() => {
  const stats: HostileStats = { type: 'stats', open, opened, closed, errors };
  port.postMessage(stats);
}, 250);

port.on('message', (message: { type: string }) => {
  if (message.type !== 'stop') return;
  stopping = true;
  clearInterval(ramp);
  clearInterval(trickle);
  clearInterval(report);
  for (const group of live) for (const socket of group) socket.destroy();
  port.close();
  if (parentPort === null) process.exit(0);
});
