/**
 * Admission of event connections that have not sent their SUBSCRIBE yet (the TCP event port and the
 * WebSocket route /v1/events): anyone can open one without a key, so they are bounded the way the
 * command ports bound connections that have not logged in (pre_login_gate.ts):
 *
 *   open ──► per-address count < maxPreLoginConnectionsPerAddress? ── no ──► CLOSING TOO_MANY_UNAUTHENTICATED
 *              │ yes
 *              ▼
 *           pool full (maxPreLoginConnections)? ── yes ──► the oldest gets CLOSING TOO_MANY_UNAUTHENTICATED
 *              │
 *              ▼
 *           admitted until its SUBSCRIBE arrives (then it leaves the pool, subscribed or refused), it
 *           closes, or loginTimeoutMs passes (LOGIN_TIMEOUT, the transports' own timers)
 *
 * The pool is the event routes' own, apart from the command ports' (which the pre-login door may hold
 * in another process): at most 2 × maxPreLoginConnections sockets wait for a key in all. Subscribed
 * connections are bounded by the hub (maxConnections subscriptions, maxSubscriptionsPerPrincipal).
 */
import { ResultCode } from '../codec/result_codes.ts';
import type { GatewayMetrics } from './gateway_metrics.ts';
import { PreLoginGate, type PreLoginMember } from '../core/pre_login_gate.ts';

/** An event connection as the admission sees it. */
export interface EventCandidate extends PreLoginMember {
  /** Sends a CLOSING frame with `code` and `message`, then closes the connection. */
  refuse(code: number, message: string): void;
}

export interface EventAdmissionLimits {
  readonly maxPreLoginConnections: number;
  readonly maxPreLoginConnectionsPerAddress: number;
  readonly loginTimeoutMs: number;
}

export class EventAdmission {
  private readonly gate: PreLoginGate<EventCandidate>;
  private nextId = 1;

  constructor(private readonly limits: EventAdmissionLimits, private readonly metrics: GatewayMetrics) {
    this.gate = new PreLoginGate(limits.maxPreLoginConnections, limits.maxPreLoginConnectionsPerAddress, limits.loginTimeoutMs);
  }

  /** Event connections waiting for their SUBSCRIBE. */
  get size(): number {
    return this.gate.size;
  }

  /** An id for a new candidate (the pool's key). */
  newId(): number {
    const id = this.nextId;
    this.nextId = id >= Number.MAX_SAFE_INTEGER ? 1 : id + 1;
    return id;
  }

  /**
   * Admits a connection that has just opened, evicting the pool's oldest when it is full. An address
   * past its share is refused: the candidate is told why and closed, and false is returned.
   */
  admit(candidate: EventCandidate): boolean {
    const admitted = this.gate.enter(candidate, (oldest) => {
      this.metrics.preLoginEvictions++;
      oldest.refuse(ResultCode.TOO_MANY_UNAUTHENTICATED,
        `closed to admit a newer connection: ${this.limits.maxPreLoginConnections} event connections had not subscribed (maxPreLoginConnections)`);
    });
    if (!admitted) {
      this.metrics.connectionsRejected++;
      candidate.refuse(ResultCode.TOO_MANY_UNAUTHENTICATED,
        `${candidate.remoteAddress} has ${this.limits.maxPreLoginConnectionsPerAddress} event connections that have not subscribed (maxPreLoginConnectionsPerAddress)`);
    }
    return admitted;
  }

  /** The candidate sent its SUBSCRIBE, or closed: it no longer counts (a no-op when it did not). */
  leave(candidate: EventCandidate): void {
    this.gate.leave(candidate);
  }
}
