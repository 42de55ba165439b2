/**
 * `ringline start`: validate options, start the engine (recovery, workers), then the gateway;
 * print where it listens, the durability mode and the memory report; on SIGINT/SIGTERM stop
 * accepting, drain in-flight results, stop the engine and return 0.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { createWireCodec } from '../gateway/codec_adapter.ts';
import { startGatewayServer } from '../gateway/gateway_server.ts';
import { startRinglineEngine, type EngineHandle } from './engine_handle.ts';
import { resolveStartOptions } from './start_options.ts';
import { readEpoch, readEpochStart } from '../replication/replication_epoch.ts';
import { checkPeerEpochs, watchForNewerEpoch } from '../replication/promote_peers.ts';
import { ClusterNode } from './cluster_node.ts';
import type { StartOptions } from './start_options.ts';

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
  log(`cluster ${cluster.options.clusterName}: node ${cluster.options.nodeId} (clients ${cluster.options.clientAddress}, replication ` +
    `${cluster.options.replicationAddress}) on etcd ${cluster.options.endpoints.join(',')}, lease TTL ${cluster.options.leaseTtlSeconds} s`);
  const signal = await new Promise<string>((done) => {
    process.once('SIGINT', () => done('SIGINT'));
    process.once('SIGTERM', () => done('SIGTERM'));
  });
  log(`${signal}: leaving the cluster`);
  await node.stop();
  log('stopped');
  return 0;
}

export async function startCommand(argv: readonly string[]): Promise<number> {
  const options = resolveStartOptions(argv, process.env);
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const log = (line: string): void => { process.stdout.write(`ringline: ${line}\n`); };
  log(`starting: data ${dataDir}, durability ${options.durability}`);
  if (options.cluster !== null) return clusterMode(options, dataDir, log);
  const epoch = readEpoch(dataDir);
  if (options.peers.length > 0) {
    for (const peer of await checkPeerEpochs(options.peers, epoch)) {
      log(`peer ${peer.peer}: ${peer.epoch >= 0 ? `epoch ${peer.epoch}, last sequence ${peer.lastSequence}` : `unreachable (${peer.error})`}`);
    }
  }
  // The engine's own lines already start with "ringline: ".
  const engineLog = (line: string): void => { process.stdout.write(`${line.startsWith('ringline') ? line : `ringline: ${line}`}\n`); };
  const engine: EngineHandle = await startRinglineEngine({ dataDir, durability: options.durability, engine: options.engine, log: engineLog, replication: options.replication, epoch, epochStart: readEpochStart(dataDir) });
  let server;
  try {
    server = await startGatewayServer(engine, {
      dataDir,
      config: options.gateway,
      codec: createWireCodec(),
      adminKey: process.env.RINGLINE_ADMIN_KEY,
      engineMetrics: () => engine.metrics(),
    });
  } catch (error) {
    await engine.stop();
    throw error;
  }
  if (server.generatedAdminKey !== null) {
    log(`admin principal created; admin key (shown once, store it): ${server.generatedAdminKey}`);
  }
  for (const line of engine.memoryReport()) log(`memory ${line}`);
  const host = options.gateway.host;
  log(`durability ${options.durability}${options.durability === 'fsync' ? ' (acknowledged after fdatasync)' : ''}`);
  if (options.replication !== null) {
    log(`replication ${options.replication.mode} (epoch ${epoch}) listening on ${host}:${options.replication.port}` +
      (options.replication.mode === 'sync' ? `; with no follower: ${options.replication.noFollower}` : ''));
  }
  log(`TCP ${server.tcpPort >= 0 ? `listening on ${host}:${server.tcpPort}` : 'off'}; ` +
    `WebSocket + HTTP/JSON ${server.wsPort >= 0 ? `listening on ${host}:${server.wsPort}` : 'off'}`);

  let staleReason = '';
  const signal = await new Promise<string>((done) => {
    process.once('SIGINT', () => done('SIGINT'));
    process.once('SIGTERM', () => done('SIGTERM'));
    // A primary that learns of a newer epoch (a promoted peer) stops accepting writes: it stops.
    if (options.replication !== null || options.peers.length > 0) {
      const stopWatch = watchForNewerEpoch({
        peers: options.peers, epoch,
        newerEpochSeen: () => engine.metrics().replication?.newerEpochSeen ?? 0,
        onNewer: (reason) => { staleReason = reason; done('STALE_EPOCH'); },
      });
      process.once('exit', stopWatch);
    }
  });
  log(staleReason === '' ? `${signal}: draining` : `${staleReason}: refusing writes, draining and stopping`);
  await server.stop();
  await engine.stop();
  log('stopped');
  return staleReason === '' ? 0 : 1;
}
