/**
 * Commands one principal has in flight across all of its sessions (maxInFlightPerPrincipal): one
 * object per principal with a session open, shared by those sessions, so the hot path counts with a
 * field increment and no lookup. A tenant at its limit waits (TCP stops being read, WebSocket gets
 * TOO_MANY_IN_FLIGHT) while the ring keeps room for everyone else's commands.
 */
export class PrincipalInFlight {
  /** Commands published for the principal and not yet answered (closed sessions' excluded). */
  commands = 0;
  /** Open sessions sharing this object. */
  sessions = 0;
}

/** The PrincipalInFlight of each principal with a session open. */
export class PrincipalInFlightTable {
  private readonly byPrincipal = new Map<number, PrincipalInFlight>();

  /** The principal's shared counter, for a session that joins it. */
  join(principalId: number): PrincipalInFlight {
    let load = this.byPrincipal.get(principalId);
    if (load === undefined) {
      load = new PrincipalInFlight();
      this.byPrincipal.set(principalId, load);
    }
    load.sessions++;
    return load;
  }

  /** A session leaves, its `inFlight` unanswered commands with it (their results will find no session). */
  leave(principalId: number, load: PrincipalInFlight, inFlight: number): void {
    load.commands -= inFlight;
    if (--load.sessions === 0) this.byPrincipal.delete(principalId);
  }
}
