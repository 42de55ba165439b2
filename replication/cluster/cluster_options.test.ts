import { describe, expect, it } from 'vitest';
import { DEFAULT_CLUSTER_OPTIONS, quorumOf, validateClusterOptions } from './cluster_options.ts';

const base = { endpoints: 'http://127.0.0.1:2379', clusterName: 'prod', nodeId: 'n1', clientAddress: '127.0.0.1:7400', replicationAddress: '127.0.0.1:7402' };

describe('validateClusterOptions', () => {
  it('fills defaults and normalizes endpoints', () => {
    const o = validateClusterOptions({ ...base, endpoints: 'http://127.0.0.1:2379, http://10.0.0.2:2379/' });
    expect(o.endpoints).toEqual(['http://127.0.0.1:2379', 'http://10.0.0.2:2379']);
    expect(o.leaseTtlSeconds).toBe(DEFAULT_CLUSTER_OPTIONS.leaseTtlSeconds);
    expect(o.clusterSize).toBe(3);
  });

  it.each([
    [{ endpoints: '' }, /endpoints.*not a URL|endpoints must be/],
    [{ endpoints: 'ftp://x:1' }, /must be http\(s\):\/\/host:port/],
    [{ endpoints: 'http://x' }, /must be http\(s\):\/\/host:port/],
    [{ clusterName: '../x' }, /clusterName must be 1-64 characters/],
    [{ nodeId: '' }, /nodeId must be/],
    [{ nodeId: 'a/b' }, /nodeId must be/],
    [{ clusterSize: 0 }, /clusterSize must be an odd integer from 1 to 9 .*; got 0/],
    [{ clusterSize: 4 }, /clusterSize must be an odd integer from 1 to 9 .*; got 4/],
    [{ clusterSize: 11 }, /clusterSize must be an odd integer from 1 to 9 .*; got 11/],
    [{ clusterSize: 2.5 }, /clusterSize must be an odd integer from 1 to 9 .*; got 2.5/],
    [{ leaseTtlSeconds: 0 }, /leaseTtlSeconds must be an integer from 1 to 60/],
    [{ leaseTtlSeconds: 1, leaseMarginMs: 600 }, /leaseMarginMs \(600\) must be at most half the lease TTL \(1000 ms\)/],
    [{ leaseTtlSeconds: 1, tickMs: 400 }, /tickMs \(400\) must be at most a third of the lease TTL/],
    [{ clientAddress: 'nohost' }, /clientAddress must be host:port/],
    [{ replicationAddress: 'h:99999' }, /replicationAddress must be host:port \(port 0-65535\)/],
    [{ bogus: 1 }, /unknown cluster option bogus/],
  ])('rejects %j', (patch, message) => {
    expect(() => validateClusterOptions({ ...base, ...patch })).toThrow(message);
  });

  it('quorum is a majority', () => {
    expect([1, 2, 3, 4, 5].map(quorumOf)).toEqual([1, 2, 2, 3, 3]);
  });
});
