/**
 * Options of cluster mode (`ringline start --cluster …`), validated up front: every message names the
 * option and the accepted range. Times are in milliseconds except the lease TTL, which etcd counts in
 * whole seconds.
 */

export interface ClusterOptions {
  /** etcd client URLs, e.g. ['http://127.0.0.1:2379']. */
  readonly endpoints: readonly string[];
  /** Keys live under /ringline/<clusterName>/: several clusters can share one etcd. */
  readonly clusterName: string;
  /** This node's name, unique in the cluster. */
  readonly nodeId: string;
  /** Number of voting nodes (odd, 1-9); a quorum is floor(size / 2) + 1, the leader included. */
  readonly clusterSize: number;
  /** TTL of this node's etcd lease (leadership and its published record live as long as it). */
  readonly leaseTtlSeconds: number;
  /**
   * Subtracted from the lease's end by the local clock: a leader stops acknowledging this long before
   * etcd could consider its lease expired (covers clock-rate drift and scheduling delays).
   */
  readonly leaseMarginMs: number;
  /** How often the node re-reads the cluster's keys and publishes its durable sequence. */
  readonly tickMs: number;
  /** Deadline of each etcd request. */
  readonly requestTimeoutMs: number;
  /** Address clients use to reach this node (told to clients in NOT_LEADER), e.g. 10.0.0.5:7400. */
  readonly clientAddress: string;
  /** Address followers connect to for replication, e.g. 10.0.0.5:7402. */
  readonly replicationAddress: string;
}

export const DEFAULT_CLUSTER_OPTIONS = {
  clusterSize: 3,
  leaseTtlSeconds: 1,
  leaseMarginMs: 300,
  tickMs: 100,
  requestTimeoutMs: 1000,
} as const;

const KNOWN = new Set([
  'endpoints', 'clusterName', 'nodeId', 'clusterSize', 'leaseTtlSeconds', 'leaseMarginMs', 'tickMs', 'requestTimeoutMs',
  'clientAddress', 'replicationAddress',
]);
/** Names that are safe inside an etcd key and a log line. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const ADDRESS = /^[A-Za-z0-9_.:[\]-]{1,255}:[0-9]{1,5}$/;

function integer(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`cluster option ${name} must be an integer from ${min} to ${max}; got ${String(value)}`);
  }
  return value;
}

function oddSize(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 9 || value % 2 === 0) {
    throw new RangeError(`cluster option clusterSize must be an odd integer from 1 to 9 (1, 3, 5, 7 or 9: an even size survives no more ` +
      `failures than the odd size below it, and a write needs a majority of it); got ${String(value)}`);
  }
  return value;
}

function name(option: string, value: unknown): string {
  if (typeof value !== 'string' || !NAME.test(value)) {
    throw new RangeError(`cluster option ${option} must be 1-64 characters of letters, digits, '_', '.', '-' (starting with a letter or digit); got ${JSON.stringify(value)}`);
  }
  return value;
}

function address(option: string, value: unknown): string {
  if (typeof value !== 'string' || !ADDRESS.test(value) || Number(value.slice(value.lastIndexOf(':') + 1)) > 65535) {
    throw new RangeError(`cluster option ${option} must be host:port (port 0-65535); got ${JSON.stringify(value)}`);
  }
  return value;
}

function endpoints(value: unknown): string[] {
  const list = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(list) || list.length === 0 || list.length > 16) {
    throw new RangeError(`cluster option endpoints must be 1-16 etcd URLs (comma-separated), e.g. http://127.0.0.1:2379; got ${JSON.stringify(value)}`);
  }
  return list.map((entry) => {
    let url: URL;
    try {
      url = new URL(String(entry).trim());
    } catch {
      throw new RangeError(`cluster option endpoints: ${JSON.stringify(entry)} is not a URL (expected http://host:port)`);
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.port === '' || url.pathname !== '/' || url.search !== '') {
      throw new RangeError(`cluster option endpoints: ${JSON.stringify(entry)} must be http(s)://host:port`);
    }
    return `${url.protocol}//${url.host}`;
  });
}

export function validateClusterOptions(options: Readonly<Record<string, unknown>>): ClusterOptions {
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw new RangeError(`unknown cluster option ${key}; known: ${[...KNOWN].join(', ')}`);
  }
  const o = { ...DEFAULT_CLUSTER_OPTIONS, ...options } as Record<string, unknown>;
  const leaseTtlSeconds = integer('leaseTtlSeconds', o.leaseTtlSeconds, 1, 60);
  const leaseMarginMs = integer('leaseMarginMs', o.leaseMarginMs, 50, 30_000);
  if (leaseMarginMs * 2 > leaseTtlSeconds * 1000) {
    throw new RangeError(`cluster option leaseMarginMs (${leaseMarginMs}) must be at most half the lease TTL (${leaseTtlSeconds * 1000} ms)`);
  }
  const tickMs = integer('tickMs', o.tickMs, 10, 5000);
  if (tickMs * 3 > leaseTtlSeconds * 1000) {
    throw new RangeError(`cluster option tickMs (${tickMs}) must be at most a third of the lease TTL (${leaseTtlSeconds * 1000} ms)`);
  }
  return {
    endpoints: endpoints(o.endpoints),
    clusterName: name('clusterName', o.clusterName),
    nodeId: name('nodeId', o.nodeId),
    clusterSize: oddSize(o.clusterSize),
    leaseTtlSeconds,
    leaseMarginMs,
    tickMs,
    requestTimeoutMs: integer('requestTimeoutMs', o.requestTimeoutMs, 50, 60_000),
    clientAddress: address('clientAddress', o.clientAddress),
    replicationAddress: address('replicationAddress', o.replicationAddress),
  };
}

/** Votes a leader needs (itself included) before it acknowledges, and records a candidate must see. */
export function quorumOf(clusterSize: number): number {
  return Math.floor(clusterSize / 2) + 1;
}
