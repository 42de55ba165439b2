import { describe, it, expect } from 'vitest';
import { validateJournalOptions, DEFAULT_JOURNAL_OPTIONS } from './journal_options.ts';

describe('validateJournalOptions', () => {
  it('fills defaults: fsync durability', () => {
    const options = validateJournalOptions({ dataDir: '/tmp/x' });
    expect(options).toEqual({ ...DEFAULT_JOURNAL_OPTIONS, dataDir: '/tmp/x' });
    expect(options.durability).toBe('fsync');
  });

  it.each([
    [{ durability: 'sometimes' }, /durability must be one of fsync, batch, none; got sometimes/],
    [{ batchIntervalMs: 0 }, /batchIntervalMs must be an integer from 1 to 60000; got 0/],
    [{ segmentBytes: 1000 }, /segmentBytes must be an integer from 65536 to 2147483648; got 1000/],
    [{ writeBufferBytes: 1.5 }, /writeBufferBytes must be an integer from 65536/],
    [{ epoch: -1 }, /epoch must be an integer from 0/],
    [{ waitStrategy: 'nap' }, /waitStrategy must be one of busy_spin, spin_yield, spin_park; got nap/],
  ])('rejects %j with a message naming the option and range', (bad, message) => {
    expect(() => validateJournalOptions({ dataDir: '/tmp/x', ...(bad as object) })).toThrow(message);
  });

  it('keeps a journaler wait strategy when one is given', () => {
    expect(validateJournalOptions({ dataDir: '/tmp/x', waitStrategy: 'busy_spin' }).waitStrategy).toBe('busy_spin');
    expect('waitStrategy' in validateJournalOptions({ dataDir: '/tmp/x' })).toBe(false);
  });

  it('rejects an empty dataDir', () => {
    expect(() => validateJournalOptions({ dataDir: '' })).toThrow(/dataDir must be a non-empty directory path/);
  });
});
