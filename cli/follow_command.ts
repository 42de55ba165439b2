/**
 * `ringline follow --primary host:port --data DIR`: run a hot standby of the primary at host:port
 * (replication/follower.ts) until SIGINT/SIGTERM (exit 0) or until the stream fails (exit 1, with the
 * reason: corrupt or out-of-order stream, stale primary, diverged journal).
 */
import { MetricsRegistry } from '../gateway/metrics_registry.ts';
import { packageVersion } from './package_version.ts';
import { createLogger, defaultLogFormat } from './logger.ts';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { DATA_DIR_MODE } from '../core/data_file_modes.ts';
import { parseArgs } from 'node:util';
import { DURABILITY_MODES, type Durability } from '../journal/journal_options.ts';
import { DEFAULT_REPLICATION_PORT } from '../replication/replication_descriptor.ts';
import { createWireCodec } from '../gateway/codec_adapter.ts';
import { resolveGatewayConfig } from '../gateway/gateway_config.ts';
import { startGatewayServer, type GatewayServer } from '../gateway/gateway_server.ts';
import { assertPortsFree } from '../gateway/port_probe.ts';
import { loadNativeUws } from '../gateway/uws_loader.ts';
import { lockDataDir } from '../journal/data_dir_lock.ts';
import { DEFAULT_LOGIC_CONFIG, validateLogicConfig } from '../core/logic/logic_config.ts';
import { createStateMachine } from '../core/logic/state_machine.ts';
import { readConfigFile } from './config_file.ts';
import { parsingUsage, UsageError } from './usage_error.ts';
import { startCommand } from './start_command.ts';
import { startFollower } from '../replication/follower.ts';
import { promoteDataDir } from '../replication/promote.ts';
import { FollowerQueryEngine } from '../replication/follower_queries.ts';
import { recoverState } from '../replay/recovery.ts';
import { parseHostPort } from '../replication/host_port.ts';
import type { Membership } from '../replication/membership/membership_socket.ts';
import { isLoopbackHost, openReplicationRefusal, readReplicationMembership } from './replication_secret.ts';

export const FOLLOW_USAGE = `usage: ringline follow --primary host:port --data DIR [options]

  --primary host:port     the primary's replication listener (its --replication-port) [port ${DEFAULT_REPLICATION_PORT}]
  --data DIR              the follower's own data directory (journal, snapshots, epoch)
  --durability MODE       fsync | batch | none: when this follower acknowledges [fsync]
  --http-port N           GET /health and GET /metrics (JSON / Prometheus), 0 = ephemeral, -1 = off [-1]
  --tcp-port N            binary TCP gateway for read-only queries (mutating commands are answered
                          READ_ONLY_FOLLOWER), 0 = ephemeral, -1 = off [-1]
  --ws-port N             WebSocket + HTTP/JSON gateway for the same, with GET /health and /metrics [-1]
  --host ADDR             bind address of the HTTP and gateway ports [127.0.0.1]
  --promote-replication M after POST /promote (admin key): start as primary with replication
                          off | async | sync [async]
  --replication-port N    the promoted primary's replication port [7402]
  --replication-secret-file F
                          the primary's secret file (its --replication-secret-file): proven before
                          a byte of the journal is read; the promoted primary requires it of its
                          followers. Needed to promote with --host not loopback [none]
  --config FILE           the primary's JSON config (RINGLINE_CONFIG): its "engine" object (logic
                          capacities...) must match the primary's for the states to match`;

export interface FollowCommandOptions {
  readonly primaryHost: string;
  readonly primaryPort: number;
  readonly dataDir: string;
  readonly durability: Durability;
  readonly httpPort: number;
  readonly httpHost: string;
  readonly tcpPort: number;
  readonly wsPort: number;
  readonly engine: Readonly<Record<string, unknown>>;
  readonly configPath: string;
  /** Replication of the primary this follower becomes on POST /promote. */
  readonly promoteReplication: 'off' | 'async' | 'sync';
  readonly replicationPort: number;
  /** The primary's secret (--replication-secret-file): proven before the stream; absent = none. */
  readonly membership?: Membership;
  /** Its file, passed on to the primary this follower becomes on promotion; '' = none. */
  readonly replicationSecretFile: string;
}

export function parseFollowArgs(argv: readonly string[]): FollowCommandOptions {
  let values: Record<string, string | undefined>;
  try {
    values = parseArgs({
      args: [...argv], strict: true, allowPositionals: false,
      options: { primary: { type: 'string' }, data: { type: 'string' }, durability: { type: 'string' }, 'http-port': { type: 'string' }, host: { type: 'string' }, config: { type: 'string' },
        'tcp-port': { type: 'string' }, 'ws-port': { type: 'string' }, 'promote-replication': { type: 'string' },
        'replication-port': { type: 'string' }, 'replication-secret-file': { type: 'string' } },
    }).values as Record<string, string | undefined>;
  } catch (error) {
    throw new UsageError(`ringline follow: ${(error as Error).message}\n\n${FOLLOW_USAGE}`);
  }
  if (values.primary === undefined) throw new UsageError(`ringline follow: --primary host:port is required\n\n${FOLLOW_USAGE}`);
  if (values.data === undefined || values.data === '') throw new UsageError(`ringline follow: --data DIR is required\n\n${FOLLOW_USAGE}`);
  const { host, port } = parseHostPort(values.primary, 'ringline follow: --primary', DEFAULT_REPLICATION_PORT);
  const durability = (values.durability ?? 'fsync') as Durability;
  if (!DURABILITY_MODES.includes(durability)) {
    throw new UsageError(`ringline follow: --durability must be one of ${DURABILITY_MODES.join(', ')}; got ${JSON.stringify(values.durability)}`);
  }
  const httpPort = portFlag(values, 'http-port');
  const tcpPort = portFlag(values, 'tcp-port');
  const wsPort = portFlag(values, 'ws-port');
  const configPath = values.config ?? process.env.RINGLINE_CONFIG;
  const promoteReplication = values['promote-replication'] ?? 'async';
  if (promoteReplication !== 'off' && promoteReplication !== 'async' && promoteReplication !== 'sync') {
    throw new UsageError(`ringline follow: --promote-replication must be off, async or sync; got ${JSON.stringify(promoteReplication)}`);
  }
  const replicationPort = values['replication-port'] === undefined ? DEFAULT_REPLICATION_PORT : portFlag(values, 'replication-port');
  const replicationSecretFile = values['replication-secret-file'] ?? '';
  const membership = replicationSecretFile === '' ? undefined : readReplicationMembership(replicationSecretFile, 'ringline follow');
  const httpHost = values.host ?? '127.0.0.1';
  // Refused now, not at the promotion: the promoted primary would listen for followers on this host.
  if (promoteReplication !== 'off' && membership === undefined && !isLoopbackHost(httpHost)) {
    throw openReplicationRefusal('ringline follow', `--promote-replication ${promoteReplication}`, httpHost);
  }
  return {
    configPath: configPath ?? '', promoteReplication, replicationPort, replicationSecretFile, ...(membership === undefined ? {} : { membership }),
    primaryHost: host, primaryPort: port, dataDir: values.data, durability, httpPort, httpHost, tcpPort, wsPort,
    engine: configPath === undefined || configPath === '' ? {} : readEngineConfig(configPath),
  };
}

function portFlag(values: Record<string, string | undefined>, flag: string): number {
  const text = values[flag] ?? '-1';
  const port = /^-?\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(port) || port < -1 || port > 65535) {
    throw new UsageError(`ringline follow: --${flag} must be an integer from -1 to 65535; got ${JSON.stringify(text)}`);
  }
  return port;
}

function readEngineConfig(path: string): Record<string, unknown> {
  try {
    return readConfigFile(path).engine;
  } catch (error) {
    throw new UsageError(`ringline follow: ${(error as Error).message}`);
  }
}

export async function followCommand(argv: readonly string[]): Promise<number> {
  const options = parsingUsage('ringline follow', FOLLOW_USAGE, () => parseFollowArgs(argv));
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: DATA_DIR_MODE });
  const logger = createLogger({ format: defaultLogFormat() }).child({ role: 'follower' });
  const log = (line: string): void => { logger.info(line.replace(/^ringline( follow)?: /, '')); };
  // Before the follower recovers: one process per data directory, and no shared ports. The lock is
  // kept by a promotion (startCommand in this process takes the same lock again).
  if (options.wsPort >= 0) loadNativeUws();
  const lock = await lockDataDir(dataDir, 'ringline follow');
  await assertPortsFree(options.httpHost, [
    { name: 'HTTP', port: options.httpPort }, { name: 'TCP', port: options.tcpPort }, { name: 'WebSocket/HTTP', port: options.wsPort },
  ]);
  const serveQueries = options.tcpPort >= 0 || options.wsPort >= 0;
  /**
   * The query mirror recovers right after the follower's engine (and a snapshot seed) and before the
   * first record can arrive: startFollower connects, but no socket event runs before this continues.
   */
  let queries: FollowerQueryEngine | null = null;
  /** Set by POST /promote: settles once the follower stopped and the epoch was raised. */
  let promotion: Promise<number> | null = null;
  /** The read-only gateway's bound ports: the promoted primary takes them over. */
  let bound: { tcpPort: number; wsPort: number } | null = null;
  let gateway: GatewayServer | null = null;
  const follower = await startFollower({
    ...options, dataDir, log, ...(serveQueries ? { onRecord: (b, base) => queries?.applyReplicated(b, base) } : {}),
    adminKey: process.env.RINGLINE_ADMIN_KEY,
    onPromoteRequest: () => {
      promotion ??= (async () => {
        log('ringline follow: promotion requested: stopping the follower');
        if (gateway !== null) bound = { tcpPort: gateway.tcpPort, wsPort: gateway.wsPort };
        await gateway?.stop();
        gateway = null;
        await follower.stop();
        const epoch = promoteDataDir(dataDir);
        log(`ringline follow: promoted ${dataDir} to epoch ${epoch}; starting as primary`);
        return epoch;
      })();
      return promotion;
    },
  });
  const status = follower.status();
  if (serveQueries) queries = startQueryMirror(dataDir, options.engine);
  if (queries !== null) {
    if (queries.lastAppliedSequence !== status.receivedSequence) {
      await follower.stop();
      throw new Error(`ringline follow: the query mirror recovered to ${queries.lastAppliedSequence} but the engine to ${status.receivedSequence}`);
    }
    try {
      gateway = await startGatewayServer(queries, {
        dataDir, codec: createWireCodec(), adminKey: process.env.RINGLINE_ADMIN_KEY,
        config: resolveGatewayConfig({ host: options.httpHost, tcpPort: options.tcpPort, wsPort: options.wsPort }),
        engineMetrics: () => ({ ...follower.status(), queriesAnswered: queries.queriesAnswered, commandsRefused: queries.commandsRefused }),
        metrics: followerQueryMetrics(queries),
      });
    } catch (error) {
      await follower.stop();
      throw error;
    }
    log(`ringline follow: read-only queries on TCP ${gateway.tcpPort >= 0 ? `${options.httpHost}:${gateway.tcpPort}` : 'off'}; ` +
      `WebSocket + HTTP/JSON ${gateway.wsPort >= 0 ? `${options.httpHost}:${gateway.wsPort}` : 'off'}`);
  }
  // Before the line a supervisor waits for: a signal right after it stops the follower, never kills it.
  const onSignal = (signal: string): void => {
    log(`ringline follow: ${signal}: stopping`);
    void (gateway?.stop() ?? Promise.resolve()).finally(() => follower.stop());
  };
  process.once('SIGINT', () => onSignal('SIGINT'));
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  log(`ringline follow: data ${dataDir}, durability ${options.durability}, epoch ${status.epoch}, ` +
    `recovered to sequence ${status.receivedSequence}, primary ${options.primaryHost}:${options.primaryPort}` +
    (follower.httpPort >= 0 ? `, HTTP /health on ${options.httpHost}:${follower.httpPort}` : ''));
  try {
    await follower.done;
  } catch (error) {
    await gateway?.stop().catch(() => undefined);
    process.stderr.write(`ringline follow: ${(error as Error).message}\n`);
    return 1;
  }
  if (promotion !== null) {
    await promotion;
    return startCommand(promotedStartArgs(options, dataDir, bound));
  }
  await lock.release();
  log('ringline follow: stopped');
  return 0;
}

/**
 * `ringline start` flags for the primary a promoted follower becomes: the read-only gateway's ports
 * (now writable) when it had one, else start's defaults; the same config and durability.
 */
export function promotedStartArgs(options: FollowCommandOptions, dataDir: string, bound: { tcpPort: number; wsPort: number } | null): string[] {
  const args = ['--data', dataDir, '--host', options.httpHost, '--durability', options.durability, '--replication', options.promoteReplication];
  if (bound !== null) args.push(`--tcp-port=${bound.tcpPort}`, `--ws-port=${bound.wsPort}`); // '=': a port may be -1 (off)
  if (options.promoteReplication !== 'off') args.push('--replication-port', String(options.replicationPort));
  if (options.promoteReplication !== 'off' && options.replicationSecretFile !== '') args.push('--replication-secret-file', options.replicationSecretFile);
  if (options.configPath !== '') args.push('--config', options.configPath);
  return args;
}

/** The mirror state machine for read-only queries, recovered from the same files the engine recovers from. */
function startQueryMirror(dataDir: string, engine: Readonly<Record<string, unknown>>): FollowerQueryEngine {
  const logic = typeof engine.logic === 'object' && engine.logic !== null ? engine.logic : {};
  const mirror = createStateMachine(validateLogicConfig({ ...DEFAULT_LOGIC_CONFIG, ...logic }));
  recoverState(mirror, { dataDir, repair: false, readOnly: true });
  return new FollowerQueryEngine(mirror);
}

/** GET /metrics of a follower's read-only gateway: build info, process metrics, the gateway's and these. */
function followerQueryMetrics(queries: { readonly queriesAnswered: number; readonly commandsRefused: number }): MetricsRegistry {
  const metrics = new MetricsRegistry({ version: packageVersion() });
  metrics.add({ name: 'ringline_follower_queries_answered_total', type: 'counter', help: 'Read-only queries this follower answered', collect: () => [{ value: queries.queriesAnswered }] });
  metrics.add({ name: 'ringline_follower_commands_refused_total', type: 'counter', help: 'Commands refused because this node is a read-only follower', collect: () => [{ value: queries.commandsRefused }] });
  return metrics;
}
