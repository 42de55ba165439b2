/**
 * Admission of connections that have not logged in yet: the door an attacker can reach without a key.
 *
 *   accept ──► per-address count < maxPreLoginConnectionsPerAddress? ── no ──► refuse (TOO_MANY_UNAUTHENTICATED)
 *                 │ yes
 *                 ▼
 *              pre-login pool full (maxPreLoginConnections)? ── yes ──► evict the oldest pre-login connection
 *                 │                                                     (TOO_MANY_UNAUTHENTICATED), admit this one
 *                 ▼
 *              admitted: must log in within loginTimeoutMs of opening (bytes do not extend it)
 *
 * Pre-login connections never count toward maxConnections (authenticated only), so a flood of them
 * cannot keep a client with a key out; evicting the oldest means an attacker must open connections
 * faster than a real client completes one login round trip to keep it out of the pool, and one
 * address cannot take more than its share. Members are kept in opening order (a Map keeps insertion
 * order), so both eviction and the deadline sweep touch only the connections they close.
 */
/**
 * What the gate needs of a connection: a gateway Session, a connection held by the pre-login door
 * process, an event connection before its SUBSCRIBE, or a replication peer before it proved membership.
 */
export interface PreLoginMember {
  readonly id: number;
  readonly remoteAddress: string;
  /** Date.now() when the connection opened: the login deadline counts from here. */
  readonly openedMs: number;
  /** Set while the gate counts it. */
  preLogin: boolean;
}

export class PreLoginGate<M extends PreLoginMember = PreLoginMember> {
  /** Pre-login members, oldest first. */
  private readonly members = new Map<number, M>();
  private readonly perAddress = new Map<string, number>();

  constructor(
    private readonly maxTotal: number,
    private readonly maxPerAddress: number,
    private readonly loginTimeoutMs: number,
  ) {}

  get size(): number {
    return this.members.size;
  }

  /** True when one more connection from `address` is within its per-address share. */
  allows(address: string): boolean {
    return (this.perAddress.get(address) ?? 0) < this.maxPerAddress;
  }

  /** The session to evict before admitting one more, or null when the pool has room. */
  victim(): M | null {
    if (this.members.size < this.maxTotal) return null;
    const oldest = this.members.values().next();
    return oldest.done === true ? null : oldest.value;
  }

  /**
   * Admits `member` unless its address already has its share (false: nothing changed). A full pool
   * first gives up its oldest member, which has left the gate when `evicted` is called with it.
   */
  enter(member: M, evicted: (oldest: M) => void): boolean {
    if (!this.allows(member.remoteAddress)) return false;
    const oldest = this.victim();
    if (oldest !== null) {
      this.leave(oldest);
      evicted(oldest);
    }
    this.admit(member);
    return true;
  }

  admit(session: M): void {
    session.preLogin = true;
    this.members.set(session.id, session);
    this.perAddress.set(session.remoteAddress, (this.perAddress.get(session.remoteAddress) ?? 0) + 1);
  }

  /** Removes a session that logged in or closed; a no-op for one that is not a member. */
  leave(session: M): void {
    if (!session.preLogin) return;
    session.preLogin = false;
    this.members.delete(session.id);
    const count = (this.perAddress.get(session.remoteAddress) ?? 1) - 1;
    if (count <= 0) this.perAddress.delete(session.remoteAddress);
    else this.perAddress.set(session.remoteAddress, count);
  }

  /**
   * Up to `max` sessions whose login deadline has passed at `nowMs`, oldest first (stops at the first
   * one still in time).
   */
  expired(nowMs: number, max = Number.POSITIVE_INFINITY): M[] {
    const out: M[] = [];
    for (const session of this.members.values()) {
      if (out.length >= max || session.openedMs + this.loginTimeoutMs > nowMs) break;
      out.push(session);
    }
    return out;
  }
}

/** The login-deadline sweep's period at most (shorter for short deadlines). */
const LOGIN_SWEEP_MS = 20;
/** Expired pre-login connections closed per event-loop turn at most. */
export const LOGIN_CLOSE_SLICE = 16;

/**
 * How often the login-deadline sweep runs and how many expired connections one tick closes at most.
 * A flood opened all at once expires all at once, and closing it in one go would make its reconnects
 * arrive all at once too, every loginTimeoutMs. Spread at 1.5 times the rate a full pool needs, waves
 * flatten; a connection overstays its deadline by at most a wave's length, and the pool stays bounded
 * by maxPreLoginConnections meanwhile.
 */
export function loginSweepPlan(loginTimeoutMs: number, maxPreLoginConnections: number): { tickMs: number; closesPerTick: number } {
  const tickMs = Math.max(10, Math.min(Math.floor(loginTimeoutMs / 20), LOGIN_SWEEP_MS));
  return { tickMs, closesPerTick: Math.max(LOGIN_CLOSE_SLICE, Math.ceil((1.5 * maxPreLoginConnections * tickMs) / loginTimeoutMs)) };
}
