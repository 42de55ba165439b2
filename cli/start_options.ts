/**
 * Options of `ringline start`, from (highest first) command-line flags, RINGLINE_* environment
 * variables, an optional JSON config file (--config / RINGLINE_CONFIG), and defaults. Every value is
 * validated up front; errors name the flag, the variable and the accepted range.
 */
import { parseArgs } from 'node:util';
import { resolveGatewayConfig, type GatewayConfig, type PreLoginDoorMode, type PreLoginDoorPolicy } from '../gateway/gateway_config.ts';
import type { Membership } from '../replication/membership/membership_socket.ts';
import { readFileSync } from 'node:fs';
import { validateClusterOptions, type ClusterOptions } from '../replication/cluster/cluster_options.ts';
import { validateClusterSecret } from '../replication/membership/membership_handshake.ts';
import { readConfigFile, type ConfigFile } from './config_file.ts';
import { isLoopbackHost, openReplicationRefusal, readReplicationMembership } from './replication_secret.ts';
import { UsageError } from './usage_error.ts';
import { validatePostgresUrl } from '../projection/postgres_url.ts';
import { defaultLogFormat, LOG_FORMATS, type LogFormat } from './logger.ts';

export const DURABILITY_MODES = ['fsync', 'batch', 'none'] as const;
export type DurabilityMode = (typeof DURABILITY_MODES)[number];

export interface StartOptions {
  readonly dataDir: string;
  readonly durability: DurabilityMode;
  readonly gateway: GatewayConfig;
  /**
   * Engine options passed through from the config file's "engine" object (validated by the engine),
   * with `repair: true` when --repair / RINGLINE_REPAIR=1 is given.
   */
  readonly engine: Readonly<Record<string, unknown>>;
  /** Replication to followers, or null (--replication off). */
  readonly replication: StartReplicationOptions | null;
  /** Other nodes' replication addresses checked for a newer epoch before start (--peers). */
  readonly peers: readonly string[];
  /** The secret followers and peers prove (--replication-secret-file), or null; cluster mode has its own. */
  readonly replicationMembership: Membership | null;
  /** json (one object per line) or pretty (for a terminal); default pretty when stdout is a TTY. */
  readonly logFormat: LogFormat;
  /** Cluster mode (--cluster): leadership from etcd, replication among members; null otherwise. */
  readonly cluster: ClusterStartOptions | null;
  /** PostgreSQL URL of the projection, for the history routes (--postgres); null = off. */
  readonly postgres: string | null;
}

export interface ClusterStartOptions {
  readonly options: ClusterOptions;
  /** The cluster secret (from --cluster-secret-file), validated. */
  readonly secret: Buffer;
  readonly replicationPort: number;
}

interface OptionDef {
  /** camelCase key in the config file and in StartOptions. */
  readonly key: string;
  readonly flag: string;
  readonly env: string;
  readonly kind: 'string' | 'int';
  readonly help: string;
}

export const START_OPTION_DEFS: readonly OptionDef[] = [
  { key: 'dataDir', flag: 'data', env: 'RINGLINE_DATA', kind: 'string', help: 'data directory (journal, snapshots, principals) [./data]' },
  { key: 'host', flag: 'host', env: 'RINGLINE_HOST', kind: 'string', help: 'bind address for both listeners [127.0.0.1]' },
  { key: 'tcpPort', flag: 'tcp-port', env: 'RINGLINE_TCP_PORT', kind: 'int', help: 'binary TCP port, 0 = ephemeral, -1 = off [7400]' },
  { key: 'wsPort', flag: 'ws-port', env: 'RINGLINE_WS_PORT', kind: 'int', help: 'WebSocket + HTTP/JSON port, 0 = ephemeral, -1 = off [7401]' },
  { key: 'eventsTcpPort', flag: 'events-tcp-port', env: 'RINGLINE_EVENTS_TCP_PORT', kind: 'int', help: 'event subscriptions over TCP (docs/events.md), 0 = ephemeral, -1 = off; WebSocket: ws-port /v1/events [-1]' },
  { key: 'durability', flag: 'durability', env: 'RINGLINE_DURABILITY', kind: 'string', help: 'fsync | batch | none [fsync]' },
  { key: 'maxFrameBytes', flag: 'max-frame-bytes', env: 'RINGLINE_MAX_FRAME_BYTES', kind: 'int', help: 'largest frame / message / HTTP body [65536]' },
  { key: 'maxInFlightPerConnection', flag: 'max-in-flight', env: 'RINGLINE_MAX_IN_FLIGHT', kind: 'int', help: 'commands awaiting results per connection [4096]' },
  { key: 'maxInFlightPerPrincipal', flag: 'max-in-flight-per-principal', env: 'RINGLINE_MAX_IN_FLIGHT_PER_PRINCIPAL', kind: 'int', help: 'commands one principal may have awaiting results over all its connections, admins not limited [8192]' },
  { key: 'maxConnections', flag: 'max-connections', env: 'RINGLINE_MAX_CONNECTIONS', kind: 'int', help: 'open authenticated TCP + WebSocket connections [10000]' },
  { key: 'maxConnectionsPerPrincipal', flag: 'max-connections-per-principal', env: 'RINGLINE_MAX_CONNECTIONS_PER_PRINCIPAL', kind: 'int', help: 'authenticated connections one principal may hold, admins not limited [1024]' },
  { key: 'maxSubscriptionsPerPrincipal', flag: 'max-subscriptions-per-principal', env: 'RINGLINE_MAX_SUBSCRIPTIONS_PER_PRINCIPAL', kind: 'int', help: 'event subscriptions one principal may hold open, admins not limited [1024]' },
  { key: 'maxPreLoginConnections', flag: 'max-pre-login-connections', env: 'RINGLINE_MAX_PRE_LOGIN_CONNECTIONS', kind: 'int', help: 'connections not logged in yet; when full the oldest is closed [16384]' },
  { key: 'maxPreLoginConnectionsPerAddress', flag: 'max-pre-login-per-address', env: 'RINGLINE_MAX_PRE_LOGIN_PER_ADDRESS', kind: 'int', help: 'connections not logged in yet from one source address [256]' },
  { key: 'loginTimeoutMs', flag: 'login-timeout-ms', env: 'RINGLINE_LOGIN_TIMEOUT_MS', kind: 'int', help: 'close a connection not logged in this long after opening [5000]' },
  { key: 'maxPreLoginFrameBytes', flag: 'max-pre-login-frame-bytes', env: 'RINGLINE_MAX_PRE_LOGIN_FRAME_BYTES', kind: 'int', help: 'largest frame / message before login [1024]' },
  { key: 'preLoginDoor', flag: 'pre-login-door', env: 'RINGLINE_PRE_LOGIN_DOOR', kind: 'string', help: 'process | inline: hold TCP connections until login in a child process, or on the gateway thread [process]' },
  { key: 'preLoginDoorNice', flag: 'pre-login-door-nice', env: 'RINGLINE_PRE_LOGIN_DOOR_NICE', kind: 'int', help: 'the door process runs this much nicer than the gateway, 0-19 (0 = same priority) [10]' },
  { key: 'preLoginDoorPolicy', flag: 'pre-login-door-policy', env: 'RINGLINE_PRE_LOGIN_DOOR_POLICY', kind: 'string', help: 'nice | idle: the door process at --pre-login-door-nice, or moved to Linux SCHED_IDLE once ready (util-linux chrt; else nice, logged) [nice]' },
  { key: 'idleTimeoutMs', flag: 'idle-timeout-ms', env: 'RINGLINE_IDLE_TIMEOUT_MS', kind: 'int', help: 'close silent connections after this, 0 = never [300000]' },
  { key: 'maxOutboundBytes', flag: 'max-outbound-bytes', env: 'RINGLINE_MAX_OUTBOUND_BYTES', kind: 'int', help: 'unread replies before SLOW_CONSUMER [8388608]' },
  { key: 'maxHttpInFlight', flag: 'max-http-in-flight', env: 'RINGLINE_MAX_HTTP_IN_FLIGHT', kind: 'int', help: 'HTTP requests awaiting results [8192]' },
  { key: 'maxHttpInFlightPerPrincipal', flag: 'max-http-in-flight-per-principal', env: 'RINGLINE_MAX_HTTP_IN_FLIGHT_PER_PRINCIPAL', kind: 'int', help: 'HTTP requests one principal may have awaiting results, admins not limited [1024]' },
  { key: 'tlsCertFile', flag: 'tls-cert', env: 'RINGLINE_TLS_CERT', kind: 'string', help: 'PEM certificate: TLS on both listeners (with --tls-key) [off]' },
  { key: 'tlsKeyFile', flag: 'tls-key', env: 'RINGLINE_TLS_KEY', kind: 'string', help: 'PEM private key for --tls-cert [off]' },
  { key: 'replication', flag: 'replication', env: 'RINGLINE_REPLICATION', kind: 'string', help: 'off | async | sync: ship the journal to followers (ringline follow) [off]' },
  { key: 'replicationPort', flag: 'replication-port', env: 'RINGLINE_REPLICATION_PORT', kind: 'int', help: 'replication listener port (with --replication), 0 = ephemeral [7402]' },
  { key: 'replicationSecretFile', flag: 'replication-secret-file', env: 'RINGLINE_REPLICATION_SECRET_FILE', kind: 'string', help: 'file holding a shared secret (32-1024 bytes) followers prove before they get the journal (the same file to ringline follow); needed unless --host is loopback [none]' },
  { key: 'noFollower', flag: 'no-follower', env: 'RINGLINE_NO_FOLLOWER', kind: 'string', help: 'sync mode with no follower: wait (hold results) | degrade (release unreplicated) [wait]' },
  { key: 'logFormat', flag: 'log-format', env: 'RINGLINE_LOG_FORMAT', kind: 'string', help: 'json | pretty: log lines as JSON objects, or readable [pretty on a terminal, else json]' },
  { key: 'peers', flag: 'peers', env: 'RINGLINE_PEERS', kind: 'string', help: 'host:port,... replication ports of other nodes: refuse to start if one has a newer epoch [none]' },
  { key: 'cluster', flag: 'cluster', env: 'RINGLINE_CLUSTER', kind: 'string', help: 'etcd endpoints http://host:port,...: cluster mode (automatic failover; replication among members) [off]' },
  { key: 'clusterName', flag: 'cluster-name', env: 'RINGLINE_CLUSTER_NAME', kind: 'string', help: 'cluster mode: the cluster\'s name (its keys in etcd) [required]' },
  { key: 'nodeId', flag: 'node-id', env: 'RINGLINE_NODE_ID', kind: 'string', help: 'cluster mode: this node\'s name, unique in the cluster [required]' },
  { key: 'clusterSecretFile', flag: 'cluster-secret-file', env: 'RINGLINE_CLUSTER_SECRET_FILE', kind: 'string', help: 'cluster mode: file holding the shared secret (>= 32 bytes) members prove [required]' },
  { key: 'clusterSize', flag: 'cluster-size', env: 'RINGLINE_CLUSTER_SIZE', kind: 'int', help: 'cluster mode: voting nodes, odd, 1-9; a write is acknowledged once a majority holds it [3]' },
  { key: 'leaseTtlSeconds', flag: 'lease-ttl', env: 'RINGLINE_LEASE_TTL', kind: 'int', help: 'cluster mode: leader lease TTL in seconds [1]' },
  { key: 'postgres', flag: 'postgres', env: 'RINGLINE_POSTGRES', kind: 'string', help: 'postgres://… URL of the projection `ringline project` writes: serves GET /v1/accounts/:id/orders, /fills, /statement [off]' },
  { key: 'events', flag: 'events', env: 'RINGLINE_EVENTS', kind: 'string', help: 'on | off: event records for subscriptions, history and projection; off saves the logic their cost (docs/events.md) [on]' },
  { key: 'advertiseHost', flag: 'advertise-host', env: 'RINGLINE_ADVERTISE_HOST', kind: 'string', help: 'cluster mode: address other nodes and clients reach this one at [--host]' },
];

export const REPLICATION_MODES = ['off', 'async', 'sync'] as const;
export type ReplicationMode = (typeof REPLICATION_MODES)[number];

export interface StartReplicationOptions {
  readonly mode: 'async' | 'sync';
  /** Followers must prove they hold this secret (cluster mode: the cluster's; else --replication-secret-file). */
  readonly membership?: Membership;
  /** Bind address of the replication listener: the gateway's --host. */
  readonly host: string;
  readonly port: number;
  readonly noFollower: 'wait' | 'degrade';
  /** Sync mode: followers that must hold a record before it is released (1 when absent; cluster mode: floor(N / 2)). */
  readonly ackFollowers?: number;
}

export function startUsage(): string {
  const lines = START_OPTION_DEFS.map((d) => `  --${d.flag.padEnd(20)} ${d.env.padEnd(28)} ${d.help}`);
  return [
    'usage: ringline start [options]',
    '',
    '  flag                   environment variable         meaning [default]',
    ...lines,
    `  --${'config'.padEnd(20)} ${'RINGLINE_CONFIG'.padEnd(28)} JSON file with the same keys in camelCase, plus "engine": {...}`,
    `  --${'repair'.padEnd(20)} ${'RINGLINE_REPAIR=1'.padEnd(28)} truncate a corrupt journal at the damage (later records are lost) instead of refusing to start; for one start [off]`,
    `  ${''.padEnd(22)} ${'RINGLINE_ADMIN_KEY'.padEnd(28)} admin API key (else one is generated on first start and printed once)`,
  ].join('\n');
}

/** Parses and validates; throws an Error whose message is meant for the operator. */
export function resolveStartOptions(argv: readonly string[], env: NodeJS.ProcessEnv): StartOptions {
  const parseOptions: Record<string, { type: 'string' | 'boolean' }> = { config: { type: 'string' }, repair: { type: 'boolean' } };
  for (const d of START_OPTION_DEFS) parseOptions[d.flag] = { type: 'string' };
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: [...argv], options: parseOptions, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError(`ringline start: ${(error as Error).message}\n\n${startUsage()}`);
  }
  const configPath = (values.config as string | undefined) ?? env.RINGLINE_CONFIG;
  const config = configPath === undefined ? null : readStartConfigFile(configPath);
  const file = config?.keys ?? {};
  const merged: Record<string, unknown> = {};
  for (const d of START_OPTION_DEFS) {
    const fromFlag = values[d.flag] as string | undefined;
    const fromEnv = env[d.env];
    let value: unknown;
    let source: string;
    if (fromFlag !== undefined) { value = fromFlag; source = `--${d.flag}`; }
    else if (fromEnv !== undefined && fromEnv !== '') { value = fromEnv; source = d.env; }
    else if (file[d.key] !== undefined) { value = file[d.key]; source = `${configPath}: ${d.key}`; }
    else continue;
    merged[d.key] = d.kind === 'int' ? toInt(value, source) : toStringValue(value, source);
  }
  const durability = (merged.durability ?? 'fsync') as string;
  if (!(DURABILITY_MODES as readonly string[]).includes(durability)) {
    throw new UsageError(`ringline start: durability must be one of ${DURABILITY_MODES.join(', ')}, got ${JSON.stringify(durability)}`);
  }
  const dataDir = (merged.dataDir ?? './data') as string;
  if (dataDir === '') throw new UsageError('ringline start: --data must name a directory');
  let gateway: GatewayConfig;
  try {
    gateway = resolveGatewayConfig({
      host: merged.host as string | undefined,
      tcpPort: merged.tcpPort as number | undefined,
      wsPort: merged.wsPort as number | undefined,
      eventsTcpPort: merged.eventsTcpPort as number | undefined,
      maxFrameBytes: merged.maxFrameBytes as number | undefined,
      maxInFlightPerConnection: merged.maxInFlightPerConnection as number | undefined,
      maxInFlightPerPrincipal: merged.maxInFlightPerPrincipal as number | undefined,
      maxConnections: merged.maxConnections as number | undefined,
      maxConnectionsPerPrincipal: merged.maxConnectionsPerPrincipal as number | undefined,
      maxSubscriptionsPerPrincipal: merged.maxSubscriptionsPerPrincipal as number | undefined,
      maxPreLoginConnections: merged.maxPreLoginConnections as number | undefined,
      maxPreLoginConnectionsPerAddress: merged.maxPreLoginConnectionsPerAddress as number | undefined,
      loginTimeoutMs: merged.loginTimeoutMs as number | undefined,
      maxPreLoginFrameBytes: merged.maxPreLoginFrameBytes as number | undefined,
      preLoginDoor: merged.preLoginDoor as PreLoginDoorMode | undefined,
      preLoginDoorNice: merged.preLoginDoorNice as number | undefined,
      preLoginDoorPolicy: merged.preLoginDoorPolicy as PreLoginDoorPolicy | undefined,
      idleTimeoutMs: merged.idleTimeoutMs as number | undefined,
      maxOutboundBytes: merged.maxOutboundBytes as number | undefined,
      maxHttpInFlight: merged.maxHttpInFlight as number | undefined,
      maxHttpInFlightPerPrincipal: merged.maxHttpInFlightPerPrincipal as number | undefined,
      tlsCertFile: merged.tlsCertFile as string | undefined,
      tlsKeyFile: merged.tlsKeyFile as string | undefined,
    });
  } catch (error) {
    throw new UsageError(`ringline start: ${(error as Error).message}`);
  }
  const logFormat = (merged.logFormat ?? defaultLogFormat()) as string;
  if (!(LOG_FORMATS as readonly string[]).includes(logFormat)) {
    throw new UsageError(`ringline start: log-format must be one of ${LOG_FORMATS.join(', ')}, got ${JSON.stringify(logFormat)}`);
  }
  const repair = values.repair === true || envFlag(env.RINGLINE_REPAIR, 'RINGLINE_REPAIR');
  const engineOptions: Record<string, unknown> = { ...config?.engine };
  if (repair) engineOptions.repair = true;
  if (merged.events !== undefined) {
    if (merged.events !== 'on' && merged.events !== 'off') {
      throw new UsageError(`ringline start: events must be on or off, got ${JSON.stringify(merged.events)}`);
    }
    engineOptions.events = merged.events === 'on';
  }
  const replicationMode = (merged.replication ?? 'off') as string;
  if (!(REPLICATION_MODES as readonly string[]).includes(replicationMode)) {
    throw new UsageError(`ringline start: replication must be one of ${REPLICATION_MODES.join(', ')}, got ${JSON.stringify(replicationMode)}`);
  }
  const noFollower = (merged.noFollower ?? 'wait') as string;
  if (noFollower !== 'wait' && noFollower !== 'degrade') {
    throw new UsageError(`ringline start: no-follower must be wait or degrade, got ${JSON.stringify(noFollower)}`);
  }
  const replicationPort = (merged.replicationPort ?? 7402) as number;
  if (replicationPort < 0 || replicationPort > 65535) {
    throw new UsageError(`ringline start: replication-port must be from 0 to 65535, got ${replicationPort}`);
  }
  const peers = ((merged.peers ?? '') as string).split(',').map((p) => p.trim()).filter((p) => p !== '');
  const secretFile = merged.replicationSecretFile === undefined || merged.replicationSecretFile === '' ? null : merged.replicationSecretFile as string;
  if (secretFile !== null && merged.cluster !== undefined) {
    throw new UsageError('ringline start: --cluster members prove --cluster-secret-file: leave --replication-secret-file out');
  }
  if (secretFile !== null && replicationMode === 'off' && peers.length === 0) {
    throw new UsageError('ringline start: --replication-secret-file is for --replication async|sync (and --peers): replication is off');
  }
  const replicationMembership = secretFile === null ? null : readReplicationMembership(secretFile, 'ringline start');
  if (merged.cluster === undefined && replicationMode !== 'off' && replicationMembership === null && !isLoopbackHost(gateway.host)) {
    throw openReplicationRefusal('ringline start', `--replication ${replicationMode}`, gateway.host);
  }
  const replication: StartReplicationOptions | null = replicationMode === 'off' ? null : {
    mode: replicationMode as 'async' | 'sync', host: gateway.host, port: replicationPort, noFollower,
    ...(replicationMembership === null ? {} : { membership: replicationMembership }),
  };
  const cluster = merged.cluster === undefined ? null : resolveCluster(merged, gateway, replicationMode, replicationPort, peers);
  const postgres = merged.postgres === undefined || merged.postgres === '' ? null : merged.postgres as string;
  if (postgres !== null) {
    try {
      validatePostgresUrl(postgres, '--postgres');
    } catch (error) {
      throw new UsageError(`ringline start: ${(error as Error).message}`);
    }
    if (cluster !== null) throw new UsageError('ringline start: --postgres (history routes) is not available in --cluster mode yet');
    if (engineOptions.events === false) {
      throw new UsageError('ringline start: --postgres (history routes) needs events on: the projection is written from the event stream (drop --events off / engine.events: false)');
    }
  }
  return { dataDir, durability: durability as DurabilityMode, gateway, engine: engineOptions, replication, peers, replicationMembership, logFormat: logFormat as LogFormat, cluster, postgres };
}

/** Cluster mode's options: etcd, names, the secret; replication is the cluster's (sync among members). */
function resolveCluster(merged: Record<string, unknown>, gateway: GatewayConfig, replicationMode: string, replicationPort: number, peers: readonly string[]): ClusterStartOptions {
  if (replicationMode !== 'off' || peers.length > 0) {
    throw new UsageError('ringline start: --cluster manages replication itself (synchronous, among members): leave --replication and --peers out');
  }
  for (const [key, flag] of [['clusterName', 'cluster-name'], ['nodeId', 'node-id'], ['clusterSecretFile', 'cluster-secret-file']] as const) {
    if (merged[key] === undefined || merged[key] === '') throw new UsageError(`ringline start: --cluster needs --${flag}`);
  }
  if (gateway.tcpPort <= 0 || replicationPort <= 0) {
    throw new UsageError(`ringline start: --cluster needs fixed ports (other nodes and clients are told them): --tcp-port ${gateway.tcpPort} and --replication-port ${replicationPort} must be 1 to 65535`);
  }
  let secret: Buffer;
  try {
    secret = validateClusterSecret(readFileSync(merged.clusterSecretFile as string), `--cluster-secret-file ${merged.clusterSecretFile as string}`);
  } catch (error) {
    throw new UsageError(`ringline start: ${(error as Error).message}`);
  }
  const advertise = (merged.advertiseHost ?? gateway.host) as string;
  if (advertise === '0.0.0.0' || advertise === '::') throw new UsageError('ringline start: --cluster with --host 0.0.0.0 needs --advertise-host (the address other nodes and clients reach this one at)');
  let options: ClusterOptions;
  try {
    options = validateClusterOptions({
      endpoints: merged.cluster, clusterName: merged.clusterName, nodeId: merged.nodeId,
      ...(merged.clusterSize === undefined ? {} : { clusterSize: merged.clusterSize }),
      ...(merged.leaseTtlSeconds === undefined ? {} : { leaseTtlSeconds: merged.leaseTtlSeconds }),
      clientAddress: `${advertise}:${gateway.tcpPort}`, replicationAddress: `${advertise}:${replicationPort}`,
    });
  } catch (error) {
    throw new UsageError(`ringline start: ${(error as Error).message}`);
  }
  return { options, secret, replicationPort };
}

/** The config file with every top-level key checked against the options of `ringline start`. */
function readStartConfigFile(path: string): ConfigFile {
  let config: ConfigFile;
  try {
    config = readConfigFile(path);
  } catch (error) {
    throw new UsageError(`ringline start: ${(error as Error).message}`);
  }
  const known = new Set([...START_OPTION_DEFS.map((d) => d.key), 'engine']);
  for (const key of Object.keys(config.keys)) {
    if (!known.has(key)) throw new UsageError(`ringline start: config file ${path}: unknown option "${key}" (known: ${[...known].join(', ')})`);
  }
  return config;
}

/** An on/off environment variable: 1/true on, 0/false/empty off; anything else is an error. */
function envFlag(value: string | undefined, name: string): boolean {
  if (value === undefined) return false;
  const v = value.trim().toLowerCase();
  if (v === '1' || v === 'true') return true;
  if (v === '' || v === '0' || v === 'false') return false;
  throw new UsageError(`ringline start: ${name} must be 1 or 0, got ${JSON.stringify(value)}`);
}

function toInt(value: unknown, source: string): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) throw new UsageError(`ringline start: ${source} must be an integer, got ${JSON.stringify(value)}`);
  return n;
}

function toStringValue(value: unknown, source: string): string {
  if (typeof value !== 'string') throw new UsageError(`ringline start: ${source} must be a string, got ${JSON.stringify(value)}`);
  return value;
}
