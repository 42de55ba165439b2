/**
 * Gateway options: ports, bind address, limits. Every option is validated up front; a bad value
 * throws a message naming the option, the value and the accepted range.
 */
export interface GatewayConfig {
  /** Bind address for both listeners. */
  readonly host: string;
  /** Binary TCP port (0 = an ephemeral port; -1 = TCP disabled). */
  readonly tcpPort: number;
  /** WebSocket + HTTP/JSON port (0 = an ephemeral port; -1 = disabled). */
  readonly wsPort: number;
  /** Event subscription TCP port (docs/events.md; 0 = an ephemeral port; -1 = off, the default). WebSocket subscriptions are always on wsPort at /v1/events. */
  readonly eventsTcpPort: number;
  /** Largest frame (TCP length prefix / WebSocket message / HTTP body) accepted, in bytes. */
  readonly maxFrameBytes: number;
  /** Commands a connection may have waiting for their results. */
  readonly maxInFlightPerConnection: number;
  /**
   * Commands one principal may have waiting over all its connections and HTTP requests (admins: not
   * limited). At it, TCP stops reading that principal's connections and WebSocket answers
   * TOO_MANY_IN_FLIGHT, so one tenant cannot fill the input ring for all: keep it at most half the
   * engine's ring (16,384 by default).
   */
  readonly maxInFlightPerPrincipal: number;
  /** Open authenticated TCP + WebSocket connections (a login beyond it is refused with TOO_MANY_CONNECTIONS). */
  readonly maxConnections: number;
  /**
   * Authenticated TCP + WebSocket connections one principal may hold (admins: not limited); a login
   * beyond it is refused with TOO_MANY_CONNECTIONS naming this option, so one tenant cannot take
   * maxConnections from all the others. Above maxConnections it has no effect.
   */
  readonly maxConnectionsPerPrincipal: number;
  /** Event subscriptions one principal may hold open (admins: not limited); beyond it: TOO_MANY_CONNECTIONS naming this option. */
  readonly maxSubscriptionsPerPrincipal: number;
  /**
   * Open connections that have not logged in yet, counted apart from maxConnections so they can never
   * keep an authenticated client out. When full, the oldest pre-login connection is closed
   * (TOO_MANY_UNAUTHENTICATED) to admit the new one.
   */
  readonly maxPreLoginConnections: number;
  /** Pre-login connections from one source address; beyond it a new one is refused (TOO_MANY_UNAUTHENTICATED). */
  readonly maxPreLoginConnectionsPerAddress: number;
  /** A connection that has not logged in this long after it opened is closed (LOGIN_TIMEOUT); bytes do not extend it. */
  readonly loginTimeoutMs: number;
  /** Largest frame / WebSocket message accepted before login (a Login is ~100 bytes); bigger closes the connection. */
  readonly maxPreLoginFrameBytes: number;
  /**
   * Who holds binary TCP connections until they log in: 'process' (the default) a child process, the
   * pre-login door (gateway/pre_login_door.ts), so connections that never log in cost the gateway
   * thread nothing; 'inline' the gateway thread itself. TLS listeners always check logins inline.
   */
  readonly preLoginDoor: PreLoginDoorMode;
  /**
   * How much lower than the gateway's the door process's scheduling priority is (nice, added to the
   * gateway's, capped at 19). Under an attack the door is busy with connections that have not logged
   * in; on a machine short of cores, lower priority makes it yield to the threads serving clients that
   * have, and a login waits longer instead (docs/performance.md, hostile). 0: the gateway's priority.
   */
  readonly preLoginDoorNice: number;
  /**
   * How the door process is scheduled: 'nice' (preLoginDoorNice below the gateway) or 'idle' (moved to
   * Linux SCHED_IDLE once it is ready, through util-linux chrt: the door runs only when a core has
   * nothing else to run, and a waking gateway, logic or journal thread preempts it at once). Where chrt
   * is missing or refused, 'idle' stays at preLoginDoorNice with one log line saying why
   * (pre_login_door_launch.ts).
   */
  readonly preLoginDoorPolicy: PreLoginDoorPolicy;
  /** A connection silent for this long is closed with IDLE_TIMEOUT (0 = never). */
  readonly idleTimeoutMs: number;
  /** Replies buffered for a client that does not read before it is disconnected with SLOW_CONSUMER. */
  readonly maxOutboundBytes: number;
  /** HTTP requests waiting for results at once (beyond it: BUSY). */
  readonly maxHttpInFlight: number;
  /** HTTP requests one principal may have waiting (admins: not limited); beyond: BUSY naming this option. */
  readonly maxHttpInFlightPerPrincipal: number;
  /** PEM certificate and key files: both set = TLS on both listeners (tls:// and wss:// / https://). */
  readonly tlsCertFile: string;
  readonly tlsKeyFile: string;
}

export const PRE_LOGIN_DOOR_MODES = ['process', 'inline'] as const;
export type PreLoginDoorMode = (typeof PRE_LOGIN_DOOR_MODES)[number];
export const PRE_LOGIN_DOOR_POLICIES = ['nice', 'idle'] as const;
export type PreLoginDoorPolicy = (typeof PRE_LOGIN_DOOR_POLICIES)[number];

export const DEFAULT_GATEWAY_CONFIG: GatewayConfig = {
  host: '127.0.0.1',
  tcpPort: 7400,
  wsPort: 7401,
  eventsTcpPort: -1,
  maxFrameBytes: 64 * 1024,
  maxInFlightPerConnection: 4096,
  maxInFlightPerPrincipal: 8192,
  maxConnections: 10_000,
  maxConnectionsPerPrincipal: 1024,
  maxSubscriptionsPerPrincipal: 1024,
  maxPreLoginConnections: 16_384,
  maxPreLoginConnectionsPerAddress: 256,
  loginTimeoutMs: 5_000,
  maxPreLoginFrameBytes: 1024,
  preLoginDoor: 'process',
  preLoginDoorNice: 10,
  preLoginDoorPolicy: 'nice',
  idleTimeoutMs: 300_000,
  maxOutboundBytes: 8 * 1024 * 1024,
  maxHttpInFlight: 8192,
  maxHttpInFlightPerPrincipal: 1024,
  tlsCertFile: '',
  tlsKeyFile: '',
};

interface IntRange { readonly min: number; readonly max: number }

const INT_RANGES: Readonly<Record<Exclude<keyof GatewayConfig, 'host' | 'tlsCertFile' | 'tlsKeyFile' | 'preLoginDoor' | 'preLoginDoorPolicy'>, IntRange>> = {
  tcpPort: { min: -1, max: 65_535 },
  wsPort: { min: -1, max: 65_535 },
  eventsTcpPort: { min: -1, max: 65_535 },
  maxFrameBytes: { min: 64, max: 16 * 1024 * 1024 },
  maxInFlightPerConnection: { min: 1, max: 1_000_000 },
  maxInFlightPerPrincipal: { min: 1, max: 1_000_000 },
  maxConnections: { min: 1, max: 1_000_000 },
  maxConnectionsPerPrincipal: { min: 1, max: 1_000_000 },
  maxSubscriptionsPerPrincipal: { min: 1, max: 1_000_000 },
  maxPreLoginConnections: { min: 1, max: 1_000_000 },
  maxPreLoginConnectionsPerAddress: { min: 1, max: 1_000_000 },
  loginTimeoutMs: { min: 100, max: 600_000 },
  maxPreLoginFrameBytes: { min: 64, max: 16 * 1024 * 1024 },
  preLoginDoorNice: { min: 0, max: 19 },
  idleTimeoutMs: { min: 0, max: 86_400_000 },
  maxOutboundBytes: { min: 1024, max: 1024 * 1024 * 1024 },
  maxHttpInFlight: { min: 1, max: 1_000_000 },
  maxHttpInFlightPerPrincipal: { min: 1, max: 1_000_000 },
};

/** Merges `overrides` over the defaults and validates every field. Throws on the first bad option. */
export function resolveGatewayConfig(overrides: Partial<GatewayConfig> = {}): GatewayConfig {
  const config: GatewayConfig = { ...DEFAULT_GATEWAY_CONFIG, ...stripUndefined(overrides) };
  if (typeof config.host !== 'string' || config.host.length === 0) {
    throw new RangeError(`gateway option host must be a non-empty address, got ${JSON.stringify(config.host)}`);
  }
  for (const [name, range] of Object.entries(INT_RANGES) as [keyof typeof INT_RANGES, IntRange][]) {
    const value = config[name];
    if (!Number.isInteger(value) || value < range.min || value > range.max) {
      throw new RangeError(
        `gateway option ${name} must be an integer in [${range.min}, ${range.max}], got ${String(value)}`,
      );
    }
  }
  if (!(PRE_LOGIN_DOOR_MODES as readonly unknown[]).includes(config.preLoginDoor)) {
    throw new RangeError(`gateway option preLoginDoor must be one of ${PRE_LOGIN_DOOR_MODES.join(', ')}, got ${JSON.stringify(config.preLoginDoor)}`);
  }
  if (!(PRE_LOGIN_DOOR_POLICIES as readonly unknown[]).includes(config.preLoginDoorPolicy)) {
    throw new RangeError(`gateway option preLoginDoorPolicy must be one of ${PRE_LOGIN_DOOR_POLICIES.join(', ')}, got ${JSON.stringify(config.preLoginDoorPolicy)}`);
  }
  if (typeof config.tlsCertFile !== 'string' || typeof config.tlsKeyFile !== 'string'
    || (config.tlsCertFile === '') !== (config.tlsKeyFile === '')) {
    throw new RangeError('gateway options tlsCertFile and tlsKeyFile must be given together (PEM file paths), or neither');
  }
  if (config.maxPreLoginFrameBytes > config.maxFrameBytes) {
    throw new RangeError(
      `gateway option maxPreLoginFrameBytes (${config.maxPreLoginFrameBytes}) must not exceed maxFrameBytes (${config.maxFrameBytes})`,
    );
  }
  if (config.maxPreLoginConnectionsPerAddress > config.maxPreLoginConnections) {
    throw new RangeError(
      `gateway option maxPreLoginConnectionsPerAddress (${config.maxPreLoginConnectionsPerAddress}) must not exceed ` +
        `maxPreLoginConnections (${config.maxPreLoginConnections})`,
    );
  }
  if (config.tcpPort > 0 && config.tcpPort === config.wsPort) {
    throw new RangeError(`gateway options tcpPort and wsPort must differ, both are ${config.tcpPort}`);
  }
  if (config.eventsTcpPort > 0 && (config.eventsTcpPort === config.tcpPort || config.eventsTcpPort === config.wsPort)) {
    throw new RangeError(`gateway option eventsTcpPort (${config.eventsTcpPort}) must differ from tcpPort and wsPort`);
  }
  return config;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(value) as (keyof T)[]) {
    if (value[key] !== undefined) out[key] = value[key];
  }
  return out;
}
