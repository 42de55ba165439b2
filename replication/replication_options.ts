/**
 * Options of the replicator worker (EngineOptions.replicator.options), validated up front: every
 * message names the option and the accepted values.
 */
import { DEFAULT_REPLICATION_PORT } from './replication_descriptor.ts';

export type ReplicationMode = 'sync' | 'async';
/** Sync mode with no follower connected: hold results until one acknowledges, or release them unreplicated. */
export type NoFollowerPolicy = 'wait' | 'degrade';

export interface ReplicationOptions {
  readonly mode: ReplicationMode;
  /** Address the replication listener binds. Default 127.0.0.1. */
  readonly host: string;
  /** Replication TCP port, 0 = ephemeral. Default 7402. */
  readonly port: number;
  /** This primary's epoch (replication_epoch.ts). */
  readonly epoch: number;
  /** The last sequence before this epoch began (-1: unknown): older-epoch followers must not hold records past it. */
  readonly epochStart: number;
  readonly noFollower: NoFollowerPolicy;
  /**
   * Sync mode: how many followers must hold a record durably before it is released (the primary's own
   * journal is awaited as well). 1 for a primary + standby; a cluster of N voting nodes needs
   * floor(N / 2) (with the leader that is a majority); 0 releases on the primary's journal alone.
   */
  readonly ackFollowers: number;
  /** On stop in sync mode: how long to wait for followers to acknowledge the tail before releasing it. */
  readonly stopGraceMs: number;
  /**
   * Cluster secret as hex ('' = none): a follower must prove it holds it (membership/) before it is
   * sent anything or its acknowledgements count.
   */
  readonly membershipSecretHex: string;
  /** Cluster name bound into the membership proofs (required with a secret). */
  readonly clusterName: string;
  /**
   * The replicator of a cluster follower's engine: it listens on nothing and releases every record at
   * once (the follower's engine acknowledges nothing to clients) until the engine is told to lead
   * (Engine.lead): then it listens on host:port and releases by ackFollowers from the epoch's start on.
   */
  readonly dormant: boolean;
}

export const DEFAULT_REPLICATION_OPTIONS: ReplicationOptions = {
  mode: 'async', host: '127.0.0.1', port: DEFAULT_REPLICATION_PORT, epoch: 0, epochStart: -1, noFollower: 'wait', ackFollowers: 1, stopGraceMs: 2000,
  membershipSecretHex: '', clusterName: '', dormant: false,
};

/** Most followers a sync release can wait for (a 9-node cluster waits for 4). */
export const ACK_FOLLOWERS_MAX = 8;

const KNOWN = new Set(Object.keys(DEFAULT_REPLICATION_OPTIONS));

function integer(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`replication option ${name} must be an integer from ${min} to ${max}; got ${String(value)}`);
  }
  return value;
}

export function validateReplicationOptions(options: Readonly<Record<string, unknown>>): ReplicationOptions {
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw new RangeError(`unknown replication option ${key}; known: ${[...KNOWN].join(', ')}`);
  }
  const o = { ...DEFAULT_REPLICATION_OPTIONS, ...options } as Record<string, unknown>;
  if (o.mode !== 'sync' && o.mode !== 'async') throw new RangeError(`replication option mode must be sync or async; got ${String(o.mode)}`);
  if (o.noFollower !== 'wait' && o.noFollower !== 'degrade') {
    throw new RangeError(`replication option noFollower must be wait or degrade; got ${String(o.noFollower)}`);
  }
  if (typeof o.host !== 'string' || o.host.length === 0) throw new RangeError(`replication option host must be a non-empty address; got ${String(o.host)}`);
  if (typeof o.membershipSecretHex !== 'string' || (o.membershipSecretHex !== '' && !/^([0-9a-f]{2}){32,1024}$/.test(o.membershipSecretHex))) {
    throw new RangeError('replication option membershipSecretHex must be empty or 32 to 1024 bytes as lowercase hex');
  }
  if (typeof o.clusterName !== 'string' || (o.membershipSecretHex !== '' && o.clusterName === '')) {
    throw new RangeError('replication option clusterName must be a string, not empty when membershipSecretHex is set');
  }
  if (typeof o.dormant !== 'boolean') throw new RangeError(`replication option dormant must be a boolean; got ${String(o.dormant)}`);
  if (o.dormant && o.mode !== 'sync') throw new RangeError('replication option dormant needs mode sync (a cluster follower that may lead)');
  return {
    dormant: o.dormant,
    membershipSecretHex: o.membershipSecretHex,
    clusterName: o.clusterName,
    mode: o.mode,
    host: o.host,
    port: integer('port', o.port, 0, 65535),
    epoch: integer('epoch', o.epoch, 0, Number.MAX_SAFE_INTEGER),
    epochStart: integer('epochStart', o.epochStart, -1, Number.MAX_SAFE_INTEGER),
    noFollower: o.noFollower,
    ackFollowers: integer('ackFollowers', o.ackFollowers, 0, ACK_FOLLOWERS_MAX),
    stopGraceMs: integer('stopGraceMs', o.stopGraceMs, 0, 600_000),
  };
}
