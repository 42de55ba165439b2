/**
 * Asking other nodes for their epoch before a primary starts (`ringline start --peers a:7402,b:7402`):
 * a restarted old primary must not accept writes while a promoted node with a newer epoch exists.
 * Each peer's replication listener answers a HELLO with the PROBE flag by WELCOME (its epoch and last
 * sequence). A peer that does not answer within the timeout is reported as unreachable, not as newer.
 * With a secret (membership), the probe proves it first, as a follower does: a peer that requires one
 * answers nothing before.
 */
import { connect } from 'node:net';
import { startReplicationStream, type Membership } from './membership/membership_socket.ts';
import { HELLO_FLAG_PROBE, MessageType, WelcomeMessage } from './replication_descriptor.ts';
import { encodeHello, MessageReader, NEED_MORE } from './replication_messages.ts';
import { parseHostPort } from './host_port.ts';

export interface PeerEpoch {
  readonly peer: string;
  /** The peer's epoch, or -1 when it did not answer. */
  readonly epoch: number;
  readonly lastSequence: number;
  readonly error: string;
}

export function probePeer(peer: string, timeoutMs = 1000, membership: Membership | null = null): Promise<PeerEpoch> {
  const { host, port } = parseHostPort(peer, '--peers entry', 7402);
  return new Promise((resolve) => {
    const reader = new MessageReader(64 * 1024);
    const socket = connect({ host, port });
    let settled = false;
    const done = (result: PeerEpoch): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done({ peer, epoch: -1, lastSequence: -1, error: `no answer within ${timeoutMs} ms` }), timeoutMs);
    const onData = (chunk: Buffer): void => {
      reader.push(chunk);
      const type = reader.next();
      if (type === NEED_MORE) return;
      if (type !== MessageType.WELCOME) {
        done({ peer, epoch: -1, lastSequence: -1, error: `unexpected answer (message type ${type})` });
        return;
      }
      done({ peer, epoch: reader.f64(WelcomeMessage.EPOCH), lastSequence: reader.f64(WelcomeMessage.LAST_SEQUENCE), error: '' });
    };
    socket.on('connect', () => startReplicationStream(socket, membership, {
      hello: () => encodeHello(0, 0, HELLO_FLAG_PROBE),
      onData,
      onRefused: (error) => done({ peer, epoch: -1, lastSequence: -1, error: error.message }),
      timeoutMs,
    }));
    socket.on('error', (error) => done({ peer, epoch: -1, lastSequence: -1, error: error.message }));
    socket.on('close', () => done({ peer, epoch: -1, lastSequence: -1, error: 'closed without an answer' }));
  });
}

/**
 * Throws STALE_EPOCH when a peer has a newer epoch than `epoch`; returns what each peer said (for the
 * start-up log).
 */
export async function checkPeerEpochs(peers: readonly string[], epoch: number, timeoutMs = 1000, membership: Membership | null = null): Promise<PeerEpoch[]> {
  const answers = await Promise.all(peers.map((peer) => probePeer(peer, timeoutMs, membership)));
  const newer = answers.filter((a) => a.epoch > epoch);
  if (newer.length > 0) {
    const list = newer.map((a) => `${a.peer} has epoch ${a.epoch} (last sequence ${a.lastSequence})`).join(', ');
    throw new Error(`STALE_EPOCH: this node's epoch is ${epoch} but ${list}: a newer primary exists, refusing to accept writes. ` +
      'Make this node a follower of it (ringline follow) instead.');
  }
  return answers;
}

export interface EpochWatchOptions {
  readonly peers: readonly string[];
  readonly epoch: number;
  /** The replicator's newerEpochSeen counter (a follower announced a newer epoch), 0 when none. */
  readonly newerEpochSeen: () => number;
  /** Called once with the reason when a newer epoch appears; the caller stops accepting writes. */
  readonly onNewer: (reason: string) => void;
  readonly intervalMs?: number;
  /** The secret the peers require (--replication-secret-file), or null. */
  readonly membership?: Membership | null;
}

/**
 * Keeps checking, while a primary runs, that no newer epoch has appeared: among its --peers (probed
 * every intervalMs) or announced by a follower to its replicator. Returns a function that stops it.
 */
export function watchForNewerEpoch(options: EpochWatchOptions): () => void {
  let stopped = false;
  let busy = false;
  const fire = (reason: string): void => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    options.onNewer(reason);
  };
  const check = async (): Promise<void> => {
    if (busy || stopped) return;
    busy = true;
    try {
      const seen = options.newerEpochSeen();
      if (seen > options.epoch) {
        fire(`STALE_EPOCH: a follower announced epoch ${seen}, newer than this primary's epoch ${options.epoch}`);
        return;
      }
      if (options.peers.length === 0) return;
      const answers = await Promise.all(options.peers.map((peer) => probePeer(peer, 1000, options.membership ?? null)));
      const newer = answers.find((a) => a.epoch > options.epoch);
      if (newer !== undefined) fire(`STALE_EPOCH: peer ${newer.peer} has epoch ${newer.epoch}, newer than this primary's epoch ${options.epoch}`);
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void check(), options.intervalMs ?? 1000);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
