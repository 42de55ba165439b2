/**
 * `ringline start`: validate options, lock the data directory and check the ports are free, start
 * the engine (recovery, workers), then the gateway; log (cli/logger.ts) where it listens, the
 * durability mode and the memory report; on SIGINT/SIGTERM stop accepting, drain in-flight results,
 * stop the engine and return 0. A generated admin key is in DATA/admin.key (0600); it is shown on the
 * terminal, never logged.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { createWireCodec } from '../gateway/codec_adapter.ts';
import { MetricsRegistry } from '../gateway/metrics_registry.ts';
import { addEngineFamilies } from './engine_metric_families.ts';
import { packageVersion } from './package_version.ts';
import { startGatewayServer } from '../gateway/gateway_server.ts';
import { DATA_DIR_MODE } from '../core/data_file_modes.ts';
import { assertPortsFree } from '../gateway/port_probe.ts';
import { loadNativeUws } from '../gateway/uws_loader.ts';
import { lockDataDir } from '../journal/data_dir_lock.ts';
import { startRinglineEngine, type EngineHandle } from './engine_handle.ts';
import { createLogger } from './logger.ts';
import { resolveStartOptions } from './start_options.ts';
import { readEpoch, readEpochStart } from '../replication/replication_epoch.ts';
import { currentOpenFileLimit, openFileLimitWarning } from './open_file_limit.ts';
import { checkPeerEpochs, watchForNewerEpoch } from '../replication/promote_peers.ts';
import { ClusterNode } from './cluster_node.ts';
import type { StartOptions } from './start_options.ts';
import { HistoryStore } from '../projection/history_store.ts';
import { redactUrl } from '../projection/postgres_url.ts';

/**
 * `ringline start --cluster …`: this node joins the cluster (cli/cluster_node.ts) and follows or leads
 * as etcd decides, until SIGINT/SIGTERM (it gives leadership up at once, then stops).
 */
async function clusterMode(options: StartOptions, dataDir: string, log: (line: string) => void): Promise<number> {
  const cluster = options.cluster!;
  const node = new ClusterNode({
    cluster: cluster.options, dataDir, durability: options.durability, engine: options.engine, gateway: options.gateway,
    replicationHost: options.gateway.host, replicationPort: cluster.replicationPort, adminKey: process.env.RINGLINE_ADMIN_KEY,
    secret: cluster.secret, log: (line) => log(line.replace(/^ringline( follow)?: /, '')),
  });
  await node.start();
  const stopRequested = firstStopSignal();
  log(`cluster ${cluster.options.clusterName}: node ${cluster.options.nodeId} (clients ${cluster.options.clientAddress}, replication ` +
    `${cluster.options.replicationAddress}) on etcd ${cluster.options.endpoints.join(',')}, lease TTL ${cluster.options.leaseTtlSeconds} s`);
  const signal = await stopRequested;
  log(`${signal}: leaving the cluster`);
  await node.stop();
  log('stopped');
  // Everything of ours is stopped; the etcd client's channel may still retry a dead etcd for tens of
  // seconds and keep the event loop alive. It must not keep the process: exit after a short linger.
  setTimeout(() => process.exit(process.exitCode ?? 0), CLUSTER_EXIT_LINGER_MS).unref();
  return 0;
}

/**
 * The first SIGINT or SIGTERM, listened for from now on: a signal that arrives while the listeners
 * start or right after "listening" was printed is kept and acted on (a drain), never the default
 * action that kills the process without draining.
 */
function firstStopSignal(): Promise<string> {
  return new Promise((done) => {
    process.once('SIGINT', () => done('SIGINT'));
    process.once('SIGTERM', () => done('SIGTERM'));
  });
}

/** After a cluster node stopped, how long leftover handles (the etcd client's reconnects) may keep the process. */
const CLUSTER_EXIT_LINGER_MS = 1000;

export async function startCommand(argv: readonly string[]): Promise<number> {
  const options = resolveStartOptions(argv, process.env);
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: DATA_DIR_MODE });
  const logger = createLogger({ format: options.logFormat });
  const log = (line: string): void => { logger.info(line); };
  logger.info({ dataDir, durability: options.durability }, 'starting');
  const openFilesWarning = openFileLimitWarning(options.gateway, options.engine.events !== false, currentOpenFileLimit());
  if (openFilesWarning !== null) logger.warn(openFilesWarning);
  // Before anything touches the data: a Node/glibc without the native WebSocket server is refused,
  // a second engine must not touch the journal or take half the traffic.
  if (options.gateway.wsPort >= 0) loadNativeUws();
  const lock = await lockDataDir(dataDir, 'ringline start');
  const replicationPort = options.cluster?.replicationPort ?? options.replication?.port ?? -1;
  await assertPortsFree(options.gateway.host, [
    { name: 'TCP', port: options.gateway.tcpPort }, { name: 'WebSocket/HTTP', port: options.gateway.wsPort },
    ...(replicationPort < 0 ? [] : [{ name: 'replication', port: replicationPort }]),
  ]);
  if (options.cluster !== null) {
    try {
      return await clusterMode(options, dataDir, log);
    } finally {
      await lock.release();
    }
  }
  const epoch = readEpoch(dataDir);
  if (options.peers.length > 0) {
    for (const peer of await checkPeerEpochs(options.peers, epoch, 1000, options.replicationMembership)) {
      log(`peer ${peer.peer}: ${peer.epoch >= 0 ? `epoch ${peer.epoch}, last sequence ${peer.lastSequence}` : `unreachable (${peer.error})`}`);
    }
  }
  const engineLog = (line: string, level: 'info' | 'warn' | 'error' = 'info'): void => { logger[level](line.replace(/^ringline: /, '')); };
  const engine: EngineHandle = await startRinglineEngine({ dataDir, durability: options.durability, engine: options.engine, log: engineLog, replication: options.replication, epoch, epochStart: readEpochStart(dataDir) });
  const metrics = new MetricsRegistry({ version: packageVersion() });
  addEngineFamilies(metrics, engine, { durability: options.durability });
  const history = options.postgres === null ? null : new HistoryStore(options.postgres);
  // From here a signal drains (before, it ends the recovery at once: nothing was accepted yet).
  const stopRequested = firstStopSignal();
  let server;
  try {
    server = await startGatewayServer(engine, {
      history,
      dataDir,
      config: options.gateway,
      codec: createWireCodec(),
      adminKey: process.env.RINGLINE_ADMIN_KEY,
      metrics,
      engineMetrics: () => engine.metrics(),
      engineNotReadyReason: () => engine.notReadyReason(),
    });
  } catch (error) {
    await history?.close();
    await engine.stop();
    throw error;
  }
  if (history !== null) log(`history GET /v1/accounts/:id/orders|fills|statement from PostgreSQL ${redactUrl(history.url)}`);
  if (server.generatedAdminKey !== null) {
    logger.info({ adminKeyFile: server.adminKeyFile }, `admin principal created; its key is in ${server.adminKeyFile} (mode 0600)`);
    // The key itself goes to a person at a terminal only, never into a log stream (journald, docker logs).
    if (process.stdout.isTTY === true) process.stdout.write(`admin key (also in ${server.adminKeyFile}): ${server.generatedAdminKey}\n`);
  }
  for (const line of engine.memoryReport()) log(`memory ${line}`);
  const host = options.gateway.host;
  log(`durability ${options.durability}${options.durability === 'fsync' ? ' (acknowledged after fdatasync)' : ''}`);
  if (options.replication !== null) {
    log(`replication ${options.replication.mode} (epoch ${epoch}) listening on ${host}:${options.replication.port}` +
      (options.replication.membership === undefined ? ' (loopback, no secret)' : ' (followers prove --replication-secret-file)') +
      (options.replication.mode === 'sync' ? `; with no follower: ${options.replication.noFollower}` : ''));
  }
  logger.info({ host, tcpPort: server.tcpPort, wsPort: server.wsPort },
    `TCP ${server.tcpPort >= 0 ? `listening on ${host}:${server.tcpPort}` : 'off'}; ` +
    `WebSocket + HTTP/JSON ${server.wsPort >= 0 ? `listening on ${host}:${server.wsPort}` : 'off'}`);
  if (server.eventsTcpPort >= 0) logger.info({ host, eventsTcpPort: server.eventsTcpPort }, `event subscriptions over TCP listening on ${host}:${server.eventsTcpPort}`);
  if (options.engine.events === false) {
    log('events off (--events off / engine.events: false): no event records; subscriptions, history and projection answer EVENTS_DISABLED');
  }

  let staleReason = '';
  const signal = await new Promise<string>((done) => {
    void stopRequested.then(done);
    // A primary that learns of a newer epoch (a promoted peer) stops accepting writes: it stops.
    if (options.replication !== null || options.peers.length > 0) {
      const stopWatch = watchForNewerEpoch({
        peers: options.peers, epoch, membership: options.replicationMembership,
        newerEpochSeen: () => engine.metrics().replication?.newerEpochSeen ?? 0,
        onNewer: (reason) => { staleReason = reason; done('STALE_EPOCH'); },
      });
      process.once('exit', stopWatch);
    }
  });
  log(staleReason === '' ? `${signal}: draining` : `${staleReason}: refusing writes, draining and stopping`);
  await server.stop();
  await history?.close();
  await engine.stop();
  await lock.release();
  log('stopped');
  return staleReason === '' ? 0 : 1;
}
