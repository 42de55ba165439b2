// The pre-login pool: per-address shares, eviction of the oldest, and the deadline sweep in slices.
import { describe, expect, it } from 'vitest';
import { PreLoginGate, type PreLoginMember } from './pre_login_gate.ts';

/** A connection as the gate sees it (the gateway's sessions, the door's connections, replication peers). */
function member(id: number, remoteAddress: string, openedMs: number): PreLoginMember {
  return { id, remoteAddress, openedMs, preLogin: false };
}

describe('PreLoginGate', () => {
  it('hands out expired sessions oldest first, at most `max` at a time, stopping at the first still in time', () => {
    const gate = new PreLoginGate(100, 100, 1000);
    const sessions = Array.from({ length: 10 }, (_, i) => member(i + 1, `10.0.0.${i % 3}`, 1000 + i * 10));
    for (const s of sessions) gate.admit(s);
    // At 2045 the sessions opened at 1000..1040 are past their 1000 ms deadline.
    expect(gate.expired(2045).map((s) => s.id)).toEqual([1, 2, 3, 4, 5]);
    expect(gate.expired(2045, 2).map((s) => s.id)).toEqual([1, 2]);
    for (const s of gate.expired(2045, 2)) gate.leave(s);
    expect(gate.expired(2045, 16).map((s) => s.id)).toEqual([3, 4, 5]);
    expect(gate.size).toBe(8);
    expect(gate.expired(999).length).toBe(0);
  });

  it('keeps per-address shares and names the oldest member as the victim of a full pool', () => {
    const gate = new PreLoginGate(3, 2, 1000);
    const a = member(1, 'a', 0);
    const b = member(2, 'a', 1);
    gate.admit(a);
    gate.admit(b);
    expect(gate.allows('a')).toBe(false);
    expect(gate.allows('b')).toBe(true);
    expect(gate.victim()).toBeNull();
    gate.admit(member(3, 'b', 2));
    expect(gate.victim()).toBe(a);
    gate.leave(a);
    expect(gate.allows('a')).toBe(true);
    gate.leave(a); // twice: a no-op
    expect(gate.size).toBe(2);
  });

  it('enter: refuses an address past its share, and in a full pool hands the oldest over after it left', () => {
    const gate = new PreLoginGate(2, 1, 1000);
    const evicted: number[] = [];
    const evict = (oldest: PreLoginMember): void => {
      expect(oldest.preLogin).toBe(false);
      evicted.push(oldest.id);
    };
    expect(gate.enter(member(1, 'a', 0), evict)).toBe(true);
    expect(gate.enter(member(2, 'a', 1), evict)).toBe(false);
    expect(gate.size).toBe(1);
    expect(gate.enter(member(3, 'b', 2), evict)).toBe(true);
    expect(evicted).toEqual([]);
    expect(gate.enter(member(4, 'c', 3), evict)).toBe(true);
    expect(evicted).toEqual([1]);
    expect(gate.size).toBe(2);
    expect(gate.allows('a')).toBe(true);
  });
});

