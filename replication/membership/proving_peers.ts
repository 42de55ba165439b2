/**
 * A replication listener's peers that have not proved membership yet. Anyone who reaches the port can
 * connect, and each such connection is held until it proves the secret or HANDSHAKE_TIMEOUT_MS passes,
 * so they are bounded like the gateway's connections that have not logged in (core/pre_login_gate.ts):
 * at most PROVING_PEERS_PER_ADDRESS_MAX from one source address (one more is closed before it is sent
 * anything), at most PROVING_PEERS_MAX in all (the oldest is closed to admit a newer one). Real
 * followers are few and prove within a round trip, so a flood can neither exhaust the process's
 * descriptors nor keep a member out for longer than it out-paces one handshake.
 */
import type { Socket } from 'node:net';
import { PreLoginGate, type PreLoginMember } from '../../core/pre_login_gate.ts';
import { HANDSHAKE_TIMEOUT_MS, MembershipRefusedError, admitMember, type AdmittedMember, type Membership } from './membership_socket.ts';

export const PROVING_PEERS_MAX = 64;
export const PROVING_PEERS_PER_ADDRESS_MAX = 8;

interface ProvingPeer extends PreLoginMember {
  readonly socket: Socket;
}

export class ProvingPeers {
  private readonly gate = new PreLoginGate<ProvingPeer>(PROVING_PEERS_MAX, PROVING_PEERS_PER_ADDRESS_MAX, HANDSHAKE_TIMEOUT_MS);
  private nextId = 1;

  get size(): number {
    return this.gate.size;
  }

  /**
   * Runs the membership handshake on a new connection when the pool has room for it (admitMember's
   * promise); one past its address's share is destroyed at once and rejected.
   */
  admit(socket: Socket, membership: Membership): Promise<AdmittedMember> {
    const peer: ProvingPeer = { id: this.nextId++, remoteAddress: socket.remoteAddress ?? '', openedMs: Date.now(), preLogin: false, socket };
    // An evicted peer's handshake rejects when its socket closes.
    if (!this.gate.enter(peer, (oldest) => oldest.socket.destroy())) {
      socket.destroy();
      return Promise.reject(new MembershipRefusedError(`${peer.remoteAddress} has ${PROVING_PEERS_PER_ADDRESS_MAX} connections proving membership`));
    }
    const done = (): void => this.gate.leave(peer);
    const proving = admitMember(socket, membership);
    proving.then(done, done);
    return proving;
  }
}
