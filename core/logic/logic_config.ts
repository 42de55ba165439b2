/**
 * Capacities of the business-logic state, validated up front: a bad value fails at start-up with a
 * message naming the option and the accepted range, never later on the hot path.
 */
import type { LogicConfig } from './state_machine_api.ts';

export const DEFAULT_LOGIC_CONFIG: LogicConfig = Object.freeze({
  maxAssets: 1024,
  maxAccounts: 1 << 18,
  maxBalances: 1 << 19,
  maxPendingTransfers: 1 << 16,
  maxItems: 1 << 16,
  maxEvents: 4096,
  maxSeats: 1 << 20,
  maxSymbols: 256,
  maxOrders: 1 << 18,
  maxPriceLevels: 1 << 16,
  maxStopOrders: 1 << 16,
  doneOrderWindow: 1 << 16,
  idempotencyWindow: 1 << 16,
  // One principal may hold 1/8 of each default capacity (principal_quotas.ts). Absolute numbers: a
  // config that lowers a capacity below its quota has no effective quota on it unless it sets one.
  quotas: Object.freeze({
    accounts: 1 << 15, items: 1 << 13, events: 512, seats: 1 << 17, openOrders: 1 << 15, pendingTransfers: 1 << 13,
  }),
});

/** Upper bound of every capacity: 2^28 entries keeps each table comfortably inside one ArrayBuffer. */
export const MAX_CAPACITY = 1 << 28;

const OPTIONS: readonly (keyof LogicConfig)[] = [
  'maxAssets', 'maxAccounts', 'maxBalances', 'maxPendingTransfers', 'maxItems', 'maxEvents', 'maxSeats',
  'maxSymbols', 'maxOrders', 'maxPriceLevels', 'maxStopOrders', 'doneOrderWindow', 'idempotencyWindow',
];

/** Short positions (margin.ts) when maxPositions is not given: at most this many, and no more than maxAccounts. */
export const DEFAULT_MAX_POSITIONS = 1 << 16;
/** Rows of the quota table when maxPrincipals is not given. */
export const DEFAULT_MAX_PRINCIPALS = 4096;
/** Rows of the id range table when maxIdRanges is not given. */
export const DEFAULT_MAX_ID_RANGES = 1024;
/** Capacities with a default outside DEFAULT_LOGIC_CONFIG (the config file accepts them like the others). */
export const OPTIONAL_OPTIONS = ['maxPrincipals', 'maxIdRanges', 'maxPositions'] as const;
const QUOTA_OPTIONS = ['accounts', 'items', 'events', 'seats', 'openOrders', 'pendingTransfers'] as const;

/** Throws a RangeError naming the first invalid option; returns the config when every option is valid. */
export function validateLogicConfig(config: LogicConfig): LogicConfig {
  if (config === null || typeof config !== 'object') throw new TypeError('logic config must be an object');
  for (const name of OPTIONS) {
    const value: unknown = config[name];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_CAPACITY) {
      throw new RangeError(`logic config: ${name} must be an integer between 1 and ${MAX_CAPACITY}, got ${String(value)}`);
    }
  }
  for (const name of OPTIONAL_OPTIONS) {
    const value: unknown = config[name];
    if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_CAPACITY)) {
      throw new RangeError(`logic config: ${name} must be an integer between 1 and ${MAX_CAPACITY}, got ${String(value)}`);
    }
  }
  const quotas: unknown = config.quotas;
  if (quotas !== undefined) {
    if (quotas === null || typeof quotas !== 'object') throw new RangeError('logic config: quotas must be an object');
    for (const [name, value] of Object.entries(quotas)) {
      if (!(QUOTA_OPTIONS as readonly string[]).includes(name)) {
        throw new RangeError(`logic config: quotas.${name} is not a quota (one of ${QUOTA_OPTIONS.join(', ')})`);
      }
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > Number.MAX_SAFE_INTEGER) {
        throw new RangeError(`logic config: quotas.${name} must be an integer between 0 and 2^53-1, got ${String(value)}`);
      }
    }
  }
  return config;
}
