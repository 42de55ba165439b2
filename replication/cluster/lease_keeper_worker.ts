/**
 * The thread that owns this node's etcd lease: it grants it, sends a keep-alive every TTL / 4 and
 * renews the shared LeaseDeadline with each answer (send time + TTL − margin). It runs nothing else,
 * so a gateway thread saturated by clients cannot delay a renewal and lose the lease; the release
 * gate on the gateway thread reads the deadline from shared memory. A paused process pauses this
 * thread too: answers to keep-alives sent before the pause give deadlines already past.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { connectEtcd } from './etcd_connection.ts';
import { LeaseDeadline } from './lease_deadline.ts';
import type { LeaseKeeperCommand, LeaseKeeperReport, LeaseKeeperWorkerData } from './lease_keeper_protocol.ts';

interface KeepAliveStream {
  write(item: { ID: string }): void;
  on(event: string, fn: (value: never) => void): unknown;
  cancel(): void;
}

const data = workerData as LeaseKeeperWorkerData;
const etcd = connectEtcd(data.endpoints, data.requestTimeoutMs);
const deadline = new LeaseDeadline(data.marginMs, data.deadlineMemory);
const post = (report: LeaseKeeperReport): void => parentPort?.postMessage(report);
/** The member thread's performance.now(), never later than the truth. */
const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6 - data.clockOffsetMs;

let stream: KeepAliveStream | null = null;
let opening = false;
const sentAtMs: number[] = [];
let timer: NodeJS.Timeout | null = null;
let generation = 0;

function forget(): void {
  generation++;
  stream?.cancel();
  stream = null;
  sentAtMs.length = 0;
  if (timer !== null) clearInterval(timer);
  timer = null;
  deadline.expire();
}

async function openStream(lease: string, gen: number): Promise<void> {
  const opened = await etcd.leaseClient.leaseKeepAlive() as unknown as KeepAliveStream;
  if (gen !== generation) {
    opened.cancel();
    return;
  }
  stream = opened;
  sentAtMs.length = 0; // answers pair with this stream's requests only, in order
  opened.on('data', (response: { ID: string; TTL: string }) => {
    if (stream !== opened || gen !== generation) return; // an old stream's late answer
    const sent = sentAtMs.shift();
    if (sent === undefined) return;
    const ttl = Number(response.TTL);
    deadline.renewed(sent, ttl);
    if (!(ttl > 0)) {
      forget();
      post({ type: 'lost', leaseId: lease });
    }
  });
  const broken = (): void => {
    if (stream !== opened) return;
    stream = null;
    sentAtMs.length = 0; // answers to these will never come
  };
  opened.on('error', broken);
  opened.on('end', broken);
}

function sendKeepAlive(lease: string, gen: number): void {
  if (gen !== generation) return;
  if (stream === null) {
    // Reconnect the stream; the lease may still be alive in etcd if we are quick enough.
    if (opening) return;
    opening = true;
    void openStream(lease, gen)
      .catch((error: Error) => post({ type: 'note', message: `etcd keep-alive: ${error.message}` }))
      .finally(() => { opening = false; });
    return;
  }
  sentAtMs.push(nowMs());
  stream.write({ ID: lease });
}

async function grant(requestId: number, ttlSeconds: number): Promise<void> {
  forget();
  const gen = generation;
  const sent = nowMs();
  const answer = await etcd.leaseClient.leaseGrant({ TTL: ttlSeconds });
  const superseded = (): void => post({ type: 'grantFailed', requestId, message: 'the lease was forgotten while it was granted' });
  if (gen !== generation) return superseded(); // etcd lets the orphan expire
  const ttl = Number(answer.TTL);
  deadline.renewed(sent, ttl);
  const lease = answer.ID;
  await openStream(lease, gen);
  if (gen !== generation) return superseded();
  timer = setInterval(() => sendKeepAlive(lease, gen), Math.max(10, Math.floor((ttl * 1000) / 4)));
  post({ type: 'granted', requestId, leaseId: lease, ttlSeconds: ttl });
}

parentPort?.on('message', (command: LeaseKeeperCommand) => {
  if (command.type === 'grant') {
    grant(command.requestId, command.ttlSeconds).catch((error: Error) => {
      post({ type: 'grantFailed', requestId: command.requestId, message: error.message });
    });
  } else if (command.type === 'forget') {
    forget();
  } else {
    forget();
    etcd.close();
    parentPort?.removeAllListeners('message');
    post({ type: 'closed' });
  }
});
post({ type: 'ready' });
