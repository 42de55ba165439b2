/**
 * Whether the process may open as many sockets as the gateway's limits let clients hold, with room
 * left for the engine's own files (journal segments, snapshots, the data directory lock). Every
 * socket is a file descriptor: past the open-file limit the next journal segment or snapshot could
 * not be opened during a connection flood. Node raises its soft limit to the hard limit at start, so
 * the soft limit read here is what the process has.
 */
import { readFileSync } from 'node:fs';
import type { GatewayConfig } from '../gateway/gateway_config.ts';

/** Descriptors kept for the engine's files, worker threads and everything that is not a client socket. */
export const OPEN_FILES_RESERVE = 1024;

/** The soft "Max open files" of a /proc/<pid>/limits text; null when absent or unlimited. */
export function parseOpenFileLimit(limitsText: string): number | null {
  const match = /^Max open files\s+(\d+|unlimited)\s/m.exec(limitsText);
  if (match === null || match[1] === 'unlimited') return null;
  return Number(match[1]);
}

/**
 * Client sockets the gateway process may hold at once under these limits: authenticated connections,
 * subscriptions (bounded by maxConnections too), connections that have not logged in (in the gateway
 * unless the pre-login door process holds them) and event connections that have not subscribed.
 */
export function gatewaySocketsAllowed(config: GatewayConfig, eventsOn: boolean): number {
  const preLoginCommand = config.preLoginDoor === 'process' && config.tlsCertFile === '' ? 0 : config.maxPreLoginConnections;
  const events = eventsOn ? config.maxConnections + config.maxPreLoginConnections : 0;
  return config.maxConnections + preLoginCommand + events;
}

/** A warning for the start-up log when the limit is too low for the configuration, else null. */
export function openFileLimitWarning(config: GatewayConfig, eventsOn: boolean, limit: number | null): string | null {
  if (limit === null) return null;
  const needed = gatewaySocketsAllowed(config, eventsOn) + OPEN_FILES_RESERVE;
  if (limit >= needed) return null;
  return `the open-file limit is ${limit}, but the connection limits let clients hold ${needed - OPEN_FILES_RESERVE} sockets ` +
    `(maxConnections, subscriptions, maxPreLoginConnections) plus ${OPEN_FILES_RESERVE} for the engine's files: under a connection ` +
    `flood a journal segment or snapshot could fail to open. Raise it to ${needed} or more (ulimit -n, systemd LimitNOFILE) or lower those limits`;
}

/** This process's open-file limit (Linux /proc), or null where it cannot be read. */
export function currentOpenFileLimit(): number | null {
  try {
    return parseOpenFileLimit(readFileSync('/proc/self/limits', 'utf8'));
  } catch {
    return null;
  }
}
