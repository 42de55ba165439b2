import { describe, it, expect } from 'vitest';
import { DEFAULT_REPLICATION_OPTIONS, validateReplicationOptions } from './replication_options.ts';

describe('replication options', () => {
  it('fills defaults: async, port 7402, wait for a follower in sync mode', () => {
    expect(validateReplicationOptions({})).toEqual(DEFAULT_REPLICATION_OPTIONS);
    expect(validateReplicationOptions({ mode: 'sync', port: 0, noFollower: 'degrade', epoch: 3 }))
      .toMatchObject({ mode: 'sync', port: 0, noFollower: 'degrade', epoch: 3, host: '127.0.0.1', dormant: false });
    expect(validateReplicationOptions({ mode: 'sync', dormant: true })).toMatchObject({ dormant: true });
  });

  it.each([
    [{ mode: 'semi' }, /replication option mode must be sync or async; got semi/],
    [{ noFollower: 'panic' }, /noFollower must be wait or degrade; got panic/],
    [{ port: 70000 }, /replication option port must be an integer from 0 to 65535; got 70000/],
    [{ epoch: -1 }, /replication option epoch must be an integer from 0/],
    [{ host: '' }, /replication option host must be a non-empty address/],
    [{ ackFollowers: 9 }, /replication option ackFollowers must be an integer from 0 to 8; got 9/],
    [{ ackFollowers: 1.5 }, /replication option ackFollowers must be an integer from 0 to 8; got 1.5/],
    [{ dormant: 'yes' }, /replication option dormant must be a boolean; got yes/],
    [{ dormant: true, mode: 'async' }, /replication option dormant needs mode sync/],
    [{ follower: 'x' }, /unknown replication option follower; known: mode, host, port, epoch, epochStart, noFollower, ackFollowers, stopGraceMs/],
  ])('refuses %j', (options, message) => {
    expect(() => validateReplicationOptions(options)).toThrow(message);
  });
});
