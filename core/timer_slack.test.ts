import { readFileSync, readlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { setThreadTimerSlackNs } from './timer_slack.ts';

const ownSlackPath = (): string => `/proc/${readlinkSync('/proc/thread-self').split('/').pop()}/timerslack_ns`;

describe('setThreadTimerSlackNs', () => {
  it('sets the calling thread\'s timer slack (Linux: the only platform the engine runs on)', () => {
    const before = readFileSync(ownSlackPath(), 'utf8').trim();
    try {
      expect(setThreadTimerSlackNs(2000)).toBe(true);
      expect(readFileSync(ownSlackPath(), 'utf8').trim()).toBe('2000');
    } finally {
      setThreadTimerSlackNs(Number(before));
    }
  });

  it('refuses a slack that is not a positive integer', () => {
    expect(() => setThreadTimerSlackNs(0)).toThrow(/timer slack must be an integer ≥ 1 ns: got 0/);
    expect(() => setThreadTimerSlackNs(1.5)).toThrow(RangeError);
  });
});
