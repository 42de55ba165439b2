import { describe, expect, it } from 'vitest';
import { PrincipalInFlightTable } from './principal_in_flight.ts';

describe('PrincipalInFlightTable', () => {
  it('shares one counter among a principal\'s sessions; a session leaving takes its unanswered commands with it', () => {
    const table = new PrincipalInFlightTable();
    const a = table.join(7);
    const b = table.join(7);
    expect(b).toBe(a);
    expect(table.join(8)).not.toBe(a);
    a.commands += 5; // 3 from one session, 2 from the other
    table.leave(7, a, 3);
    expect(a.commands).toBe(2);
    table.leave(7, a, 2);
    expect(a.commands).toBe(0);
    // The last session gone, the principal's next session starts afresh.
    const again = table.join(7);
    expect(again).not.toBe(a);
    expect(again.commands).toBe(0);
    expect(again.sessions).toBe(1);
  });
});
