/**
 * `ringline follow --primary host:port --data DIR`: run a hot standby of the primary at host:port
 * (replay/follower.ts) until SIGINT/SIGTERM (exit 0) or until the stream fails (exit 1, with the
 * reason: corrupt or out-of-order stream, stale primary, diverged journal).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DURABILITY_MODES, type Durability } from '../journal/journal_options.ts';
import { DEFAULT_REPLICATION_PORT } from '../journal/replication_descriptor.ts';
import { startFollower } from './follower.ts';

export const FOLLOW_USAGE = `usage: ringline follow --primary host:port --data DIR [options]

  --primary host:port     the primary's replication listener (its --replication-port) [port ${DEFAULT_REPLICATION_PORT}]
  --data DIR              the follower's own data directory (journal, snapshots, epoch)
  --durability MODE       fsync | batch | none: when this follower acknowledges [fsync]
  --http-port N           GET /health and GET /metrics (JSON / Prometheus), 0 = ephemeral, -1 = off [-1]
  --host ADDR             bind address of the HTTP port [127.0.0.1]
  --config FILE           the primary's JSON config (RINGLINE_CONFIG): its "engine" object (logic
                          capacities...) must match the primary's for the states to match`;

export interface FollowCommandOptions {
  readonly primaryHost: string;
  readonly primaryPort: number;
  readonly dataDir: string;
  readonly durability: Durability;
  readonly httpPort: number;
  readonly httpHost: string;
  readonly engine: Readonly<Record<string, unknown>>;
}

export function parseHostPort(text: string, what: string, defaultPort: number): { host: string; port: number } {
  const match = /^\[?([^\]]*?)\]?(?::(\d+))?$/.exec(text.trim());
  const host = match?.[1] ?? '';
  const port = match?.[2] === undefined ? defaultPort : Number(match[2]);
  if (match === null || host === '' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${what} must be host:port with a port from 1 to 65535; got ${JSON.stringify(text)}`);
  }
  return { host, port };
}

export function parseFollowArgs(argv: readonly string[]): FollowCommandOptions {
  let values: Record<string, string | undefined>;
  try {
    values = parseArgs({
      args: [...argv], strict: true, allowPositionals: false,
      options: { primary: { type: 'string' }, data: { type: 'string' }, durability: { type: 'string' }, 'http-port': { type: 'string' }, host: { type: 'string' }, config: { type: 'string' } },
    }).values as Record<string, string | undefined>;
  } catch (error) {
    throw new Error(`ringline follow: ${(error as Error).message}\n\n${FOLLOW_USAGE}`);
  }
  if (values.primary === undefined) throw new Error(`ringline follow: --primary host:port is required\n\n${FOLLOW_USAGE}`);
  if (values.data === undefined || values.data === '') throw new Error(`ringline follow: --data DIR is required\n\n${FOLLOW_USAGE}`);
  const { host, port } = parseHostPort(values.primary, 'ringline follow: --primary', DEFAULT_REPLICATION_PORT);
  const durability = (values.durability ?? 'fsync') as Durability;
  if (!DURABILITY_MODES.includes(durability)) {
    throw new Error(`ringline follow: --durability must be one of ${DURABILITY_MODES.join(', ')}; got ${JSON.stringify(values.durability)}`);
  }
  const httpPortText = values['http-port'] ?? '-1';
  const httpPort = /^-?\d+$/.test(httpPortText) ? Number(httpPortText) : NaN;
  if (!Number.isInteger(httpPort) || httpPort < -1 || httpPort > 65535) {
    throw new Error(`ringline follow: --http-port must be an integer from -1 to 65535; got ${JSON.stringify(httpPortText)}`);
  }
  const configPath = values.config ?? process.env.RINGLINE_CONFIG;
  return {
    primaryHost: host, primaryPort: port, dataDir: values.data, durability, httpPort, httpHost: values.host ?? '127.0.0.1',
    engine: configPath === undefined || configPath === '' ? {} : readEngineConfig(configPath),
  };
}

function readEngineConfig(path: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`ringline follow: cannot read config file ${path}: ${(error as Error).message}`);
  }
  const engine = (parsed as Record<string, unknown> | null)?.engine ?? {};
  if (typeof engine !== 'object' || engine === null || Array.isArray(engine)) throw new Error(`ringline follow: ${path}: "engine" must be an object`);
  return engine as Record<string, unknown>;
}

export async function followCommand(argv: readonly string[]): Promise<number> {
  const options = parseFollowArgs(argv);
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const log = (line: string): void => { process.stdout.write(`${line.startsWith('ringline') ? line : `ringline follow: ${line}`}\n`); };
  const follower = await startFollower({ ...options, dataDir, log });
  const status = follower.status();
  log(`ringline follow: data ${dataDir}, durability ${options.durability}, epoch ${status.epoch}, ` +
    `recovered to sequence ${status.receivedSequence}, primary ${options.primaryHost}:${options.primaryPort}` +
    (follower.httpPort >= 0 ? `, HTTP /health on ${options.httpHost}:${follower.httpPort}` : ''));
  const onSignal = (signal: string): void => {
    log(`ringline follow: ${signal}: stopping`);
    void follower.stop();
  };
  process.once('SIGINT', () => onSignal('SIGINT'));
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  try {
    await follower.done;
  } catch (error) {
    process.stderr.write(`ringline follow: ${(error as Error).message}\n`);
    return 1;
  }
  log('ringline follow: stopped');
  return 0;
}
