/**
 * How many of one shared gateway resource each principal holds — authenticated connections, event
 * subscriptions — against a per-principal limit, so one tenant cannot take what all of them share.
 * Admin principals (the operator's own tools: the projector, the console) are counted but not limited.
 */
export class PrincipalCounts {
  private readonly held = new Map<number, number>();

  constructor(readonly limit: number) {}

  /** Takes one for the principal; false, and nothing taken, when it holds `limit` already (admins: never). */
  tryTake(principalId: number, admin: boolean): boolean {
    const held = this.held.get(principalId) ?? 0;
    if (held >= this.limit && !admin) return false;
    this.held.set(principalId, held + 1);
    return true;
  }

  /** Gives back one the principal took. */
  give(principalId: number): void {
    const held = (this.held.get(principalId) ?? 0) - 1;
    if (held > 0) this.held.set(principalId, held);
    else this.held.delete(principalId);
  }

  heldBy(principalId: number): number {
    return this.held.get(principalId) ?? 0;
  }
}
