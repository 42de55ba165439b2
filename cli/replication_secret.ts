/**
 * The shared secret of hand-operated replication: `ringline start --replication async|sync
 * --replication-secret-file F` and `ringline follow --replication-secret-file F`. A follower proves it
 * holds the secret (the cluster's HMAC challenge–response, replication/membership/) before the primary
 * sends it a byte of the journal or counts one of its acknowledgements, and the primary proves it back.
 * Without a secret, a primary ships its journal only on a loopback address: on any other, whoever can
 * reach the port would read every command and, in sync mode, release replies with forged ACKs.
 */
import { readFileSync } from 'node:fs';
import { validateClusterSecret } from '../replication/membership/membership_handshake.ts';
import type { Membership } from '../replication/membership/membership_socket.ts';
import { UsageError } from './usage_error.ts';

/** The name bound into the proofs of plain (non-cluster) replication. */
export const REPLICATION_MEMBERSHIP_NAME = 'ringline-replication';

/** Reads and checks the secret file of `--replication-secret-file`; a problem is a usage error of `command`. */
export function readReplicationMembership(path: string, command: string): Membership {
  try {
    return { secret: validateClusterSecret(readFileSync(path), `--replication-secret-file ${path}`), clusterName: REPLICATION_MEMBERSHIP_NAME };
  } catch (error) {
    throw new UsageError(`${command}: ${(error as Error).message}`);
  }
}

/** True for addresses only this machine can reach: 127.0.0.0/8, ::1, localhost. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** The refusal of a primary that would listen for followers on `host` without a secret. */
export function openReplicationRefusal(command: string, flag: string, host: string): UsageError {
  return new UsageError(`${command}: ${flag} on --host ${host} would ship the journal to anyone who can connect to the replication port: ` +
    'give --replication-secret-file F (the same file to ringline follow; 32 to 1024 bytes, e.g. head -c 32 /dev/urandom > F), or bind --host to a loopback address');
}
