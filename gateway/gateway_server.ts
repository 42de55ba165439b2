/**
 * Wires a running engine to the gateway: principal store, core, the TCP listener and the uWS
 * listener; stops them in order (stop accepting, let in-flight results drain, close connections).
 */
import { PrincipalStore } from './principal_store.ts';
import { GatewayCore, type GatewayEngine } from './gateway_core.ts';
import type { GatewayConfig } from './gateway_config.ts';
import { addGatewayFamilies, MetricsRegistry } from './metrics_registry.ts';
import { ConsoleFeed } from './console/console_feed.ts';
import { ConsoleMarket } from './console/console_market.ts';
import { ConsoleLogins } from './console/console_logins.ts';
import { hubMarketSource } from './console/console_trades.ts';
import { readFileSync } from 'node:fs';
import { startTcpServer, type TcpServerHandle, type TlsFiles } from './tcp_server.ts';
import { startUwsServer, type UwsServerHandle } from './uws_server.ts';
import type { WireCodec } from './wire_codec.ts';
import { GatewayDepthSource } from './event_depth_source.ts';
import { EventHub } from './event_hub.ts';
import { EventAdmission } from './event_admission.ts';
import { startEventTcpServer, type EventTcpServerHandle } from './event_tcp.ts';
import type { HistoryStore } from '../projection/history_store.ts';

export interface GatewayServer {
  readonly core: GatewayCore;
  /** Bound TCP port, or -1 when TCP is off. */
  readonly tcpPort: number;
  /** Bound WebSocket/HTTP port, or -1 when off. */
  readonly wsPort: number;
  /** Bound event subscription TCP port, or -1 when off (or the engine emits no events). */
  readonly eventsTcpPort: number;
  /** Event subscriptions, or null when the engine emits no events. */
  readonly events: EventHub | null;
  /** Set when this start generated the admin key (show it on a terminal only, never log it). */
  readonly generatedAdminKey: string | null;
  /** The 0600 file the generated admin key was written to, or null. */
  readonly adminKeyFile: string | null;
  /** The TCP listener, or null when TCP is off. */
  readonly tcp: TcpServerHandle | null;
  /** The operator console's clock (GET /console): frames built, consoles open. */
  readonly console: ConsoleFeed;
  /** Drops every TCP and WebSocket connection abruptly (a network failure, for recovery drills); listeners stay up. */
  dropConnections(): void;
  /** Stops accepting, waits up to `drainMs` for in-flight results, closes every connection. */
  stop(drainMs?: number): Promise<void>;
}

export interface GatewayServerOptions {
  readonly dataDir: string;
  readonly config: GatewayConfig;
  readonly codec: WireCodec;
  /** The admin key to install (RINGLINE_ADMIN_KEY); otherwise one is generated on first start. */
  readonly adminKey?: string;
  /**
   * GET /metrics: the registry (build info, process metrics, the engine's families); the gateway adds
   * its own. Default: a registry with process metrics and the gateway's families only.
   */
  readonly metrics?: MetricsRegistry;
  /** The engine's state for GET /health (JSON). */
  readonly engineMetrics?: () => unknown;
  /** Why the engine does not accept commands now ('' when it does), for GET /readyz. */
  readonly engineNotReadyReason?: () => string;
  /**
   * Readiness for GET /health: false answers 503 with status "not-ready" (cluster mode: this node
   * cannot acknowledge writes now — a follower, a candidate, a leader without a certain lease).
   */
  readonly ready?: () => boolean;
  /** Cluster mode: POST /v1/principals (a node-local principal) is refused; principals are created by command. */
  readonly replicatedPrincipalsOnly?: boolean;
  /** Users' history from the PostgreSQL projection (ringline start --postgres); default off. */
  readonly history?: HistoryStore | null;
}

export async function startGatewayServer(engine: GatewayEngine, options: GatewayServerOptions): Promise<GatewayServer> {
  const tls = readTlsFiles(options.config);
  const { store, generatedAdminKey, adminKeyFile } = PrincipalStore.open(options.dataDir, options.adminKey);
  if (engine.principalTable !== undefined) store.useReplicatedTable(() => engine.principalTable?.() ?? null);
  if (options.replicatedPrincipalsOnly === true) {
    store.refuseLocalAdds('cluster mode: a principal added to one node\'s principals.json would not exist on the others; ' +
      'create a replicated one (POST /v1/commands/createPrincipal, or ringline principal add --url)');
  }
  const core = new GatewayCore(engine, options.codec, store, options.config);
  const engineMetrics = options.engineMetrics ?? (() => ({}));
  const engineNotReady = options.engineNotReadyReason ?? (() => '');
  const writable = options.ready ?? (() => true);
  const metrics = options.metrics ?? new MetricsRegistry({});
  addGatewayFamilies(metrics, core);
  let tcp: TcpServerHandle | null = null;
  let uws: UwsServerHandle | null = null;
  let eventsTcp: EventTcpServerHandle | null = null;
  const events = engine.events === undefined ? null : new EventHub(engine.events, {
    maxBufferedBytes: options.config.maxOutboundBytes, maxSubscriptions: options.config.maxConnections,
    maxSubscriptionsPerPrincipal: options.config.maxSubscriptionsPerPrincipal,
  }, new GatewayDepthSource(core));
  const eventAdmission = new EventAdmission(options.config, core.metrics);
  if (events !== null) {
    const stats = events.stats;
    metrics.add({ name: 'ringline_event_fanout_seconds_total', type: 'counter', help: 'Main-thread time spent routing and writing released events to live subscribers',
      collect: () => [{ value: stats.fanOutMs / 1000 }] });
    metrics.add({ name: 'ringline_events_sent_total', type: 'counter', help: 'Event records written to subscribers (one per record per subscriber)',
      collect: () => [{ value: stats.eventsSent }] });
    metrics.add({ name: 'ringline_event_fanouts_total', type: 'counter', help: 'Fan-outs run (each routes every release since the last one and writes once to each subscriber it concerns)',
      collect: () => [{ value: stats.fanOuts }] });
    metrics.add({ name: 'ringline_event_overruns_total', type: 'counter', help: 'Releases evicted from the retention before the fan-out routed them (every live subscriber then caught up from the journal)',
      collect: () => [{ value: stats.overruns }] });
    metrics.add({ name: 'ringline_event_urgent_fanouts_total', type: 'counter', help: 'Fan-outs run at once because the released events not yet routed filled half the retention',
      collect: () => [{ value: stats.urgentFanOuts }] });
    metrics.add({ name: 'ringline_event_replays_total', type: 'counter', help: 'Journal replays started for subscribers behind the retention',
      collect: () => [{ value: stats.replays }] });
  }
  const health = (): unknown => {
    // Cluster mode: a node that cannot acknowledge writes now says not-ready (503, route elsewhere).
    // Storage unavailable: reads are served, writes refused (STORAGE_UNAVAILABLE) until it recovers.
    const storageOk = (engine.storageFault?.() ?? 0) === 0;
    return {
      status: !writable() ? 'not-ready' : storageOk ? 'ok' : 'degraded', storage: storageOk ? 'ok' : 'unavailable',
      sessions: core.sessionCount, preLoginConnections: core.preLoginCount, preLoginEventConnections: eventAdmission.size, engine: engineMetrics(),
    };
  };
  const consoleFeed = new ConsoleFeed({
    registry: metrics.registry, health, market: new ConsoleMarket(new GatewayDepthSource(core), events === null ? null : hubMarketSource(events)),
  });
  metrics.add({ name: 'ringline_console_seconds_total', type: 'counter', help: 'Main-thread time the operator console spent reading metrics and building and writing frames',
    collect: () => [{ value: consoleFeed.tickMs / 1000 }] });
  metrics.add({ name: 'ringline_console_frames_total', type: 'counter', help: 'Operator console frames built (one per tick while a console is open)',
    collect: () => [{ value: consoleFeed.framesBuilt }] });
  try {
    if (options.config.tcpPort >= 0) tcp = await startTcpServer(core, options.config.host, options.config.tcpPort, tls);
    if (events !== null && options.config.eventsTcpPort >= 0) {
      eventsTcp = await startEventTcpServer(events, store, eventAdmission, {
        host: options.config.host, port: options.config.eventsTcpPort, loginTimeoutMs: options.config.loginTimeoutMs, tls,
      });
    }
    if (options.config.wsPort >= 0) {
      uws = await startUwsServer(core, options.config.host, options.config.wsPort, {
        ...(events === null ? {} : { events, eventAdmission }),
        metrics: async () => ({ text: await metrics.text(), contentType: metrics.contentType }),
        health,
        console: { feed: consoleFeed, logins: new ConsoleLogins() },
        readiness: () => {
          const reason = core.isShuttingDown ? 'shutting down'
            : writable() ? engineNotReady() : 'this node cannot acknowledge writes now (cluster follower or candidate)';
          return { ready: reason === '', reason };
        },
        history: options.history ?? null,
      });
    }
  } catch (error) {
    await events?.close();
    await eventsTcp?.close();
    await tcp?.close();
    uws?.close();
    throw error;
  }
  let stopped = false;
  return {
    core,
    tcpPort: tcp?.port ?? -1,
    wsPort: uws?.port ?? -1,
    eventsTcpPort: eventsTcp?.port ?? -1,
    events,
    generatedAdminKey,
    adminKeyFile,
    tcp,
    console: consoleFeed,
    dropConnections(): void {
      tcp?.drop();
      for (const socket of eventsTcp?.sockets ?? []) socket.destroy();
      uws?.dropConnections();
    },
    async stop(drainMs = 5000): Promise<void> {
      if (stopped) return;
      stopped = true;
      core.beginShutdown();
      const deadline = Date.now() + drainMs;
      while (core.inFlightTotal() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setImmediate(r));
      await events?.close();
      consoleFeed.stop();
      uws?.close();
      await tcp?.close();
      await eventsTcp?.close();
    },
  };
}

/** Reads the TLS files up front so a wrong path fails the start with a message naming it. */
function readTlsFiles(config: GatewayConfig): TlsFiles | null {
  if (config.tlsCertFile === '') return null;
  const read = (option: string, path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (error) {
      throw new Error(`gateway option ${option}: cannot read ${path}: ${(error as Error).message}`);
    }
  };
  return { cert: read('tlsCertFile', config.tlsCertFile), key: read('tlsKeyFile', config.tlsKeyFile) };
}
