import { describe, expect, it } from 'vitest';
import { LEASE_DEADLINE_BYTES, LeaseDeadline } from './lease_deadline.ts';

describe('LeaseDeadline', () => {
  it('is valid from a renewal until send time + TTL - margin, never before a renewal', () => {
    const d = new LeaseDeadline(300);
    expect(d.certainlyValid(0)).toBe(false);
    d.renewed(1000, 2);
    expect(d.certainlyValid(1000)).toBe(true);
    expect(d.certainlyValid(2699)).toBe(true);
    expect(d.certainlyValid(2700)).toBe(false);
    expect(d.remainingMs(2000)).toBe(700);
  });

  it('an answer that arrives late (a paused process) gives a deadline already past', () => {
    const d = new LeaseDeadline(300);
    d.renewed(1000, 2);
    // Sent at 1000, answered after a pause at 5000: valid only until 2700.
    d.renewed(1000, 2);
    expect(d.certainlyValid(5000)).toBe(false);
  });

  it('never moves the deadline back, and a TTL <= 0 (lease gone) ends it at once', () => {
    const d = new LeaseDeadline(100);
    d.renewed(1000, 2);
    d.renewed(500, 2); // an older request answered after a newer one
    expect(d.certainlyValid(2850)).toBe(true);
    d.renewed(2000, 0);
    expect(d.certainlyValid(2001)).toBe(false);
    d.renewed(2100, -1);
    expect(d.remainingMs(2100)).toBe(0);
  });

  it('a reader over the same shared memory sees what the writer renews (the lease keeper thread and the gate)', () => {
    const memory = new SharedArrayBuffer(LEASE_DEADLINE_BYTES);
    const writer = new LeaseDeadline(300, memory);
    const reader = new LeaseDeadline(300, memory);
    expect(reader.certainlyValid(0)).toBe(false);
    writer.renewed(1000, 2);
    expect(reader.certainlyValid(2699)).toBe(true);
    expect(reader.remainingMs(2000)).toBe(700);
    writer.expire();
    expect(reader.certainlyValid(1001)).toBe(false);
    expect(() => new LeaseDeadline(300, new SharedArrayBuffer(8))).toThrow(/16 bytes/);
  });

  it('refuses a negative margin', () => {
    expect(() => new LeaseDeadline(-1)).toThrow(/lease margin/);
  });
});
