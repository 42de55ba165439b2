/**
 * End-to-end test harness: the real engine (workers, journal in a temp directory) and the real
 * gateway in this process on ephemeral ports, plus helpers to reach it over each transport.
 */
import { MetricsRegistry } from '../../gateway/metrics_registry.ts';
import { addEngineFamilies } from '../../cli/engine_metric_families.ts';
import { packageVersion } from '../../cli/package_version.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResultCode } from '../../codec/result_codes.ts';
import type { CommandJson } from '../../codec/types/command_json.ts';
import type { ResponseJson } from '../../codec/types/response_json.ts';
import { startRinglineEngine, type EngineHandle } from '../../cli/engine_handle.ts';
import type { DurabilityMode } from '../../cli/start_options.ts';
import { RinglineClient } from '../../client/ringline_client.ts';
import { createWireCodec } from '../../gateway/codec_adapter.ts';
import { resolveGatewayConfig, type GatewayConfig } from '../../gateway/gateway_config.ts';
import { startGatewayServer, type GatewayServer } from '../../gateway/gateway_server.ts';
import type { HistoryStore } from '../../projection/history_store.ts';

export const ADMIN_KEY = 'e2e-admin-key-0123456789';
export type Transport = 'tcp' | 'ws' | 'http';
export const TRANSPORTS: readonly Transport[] = ['tcp', 'ws', 'http'];

export interface E2eServer {
  readonly engine: EngineHandle;
  readonly server: GatewayServer;
  readonly dataDir: string;
  readonly tcpUrl: string;
  readonly wsUrl: string;
  readonly httpUrl: string;
  /** Creates a principal and returns its key. */
  addPrincipal(name: string): { id: number; key: string };
  /** A command channel as `key` over `transport`. */
  connect(transport: Transport, key: string, maxInFlight?: number): Promise<CommandChannel>;
  stop(): Promise<void>;
}

/** One way to send commands: a RinglineClient (TCP / WebSocket) or HTTP requests. */
export interface CommandChannel {
  readonly transport: Transport;
  send(command: CommandJson): Promise<ResponseJson>;
  close(): Promise<void>;
}

export async function startE2eServer(options: {
  durability?: DurabilityMode;
  gateway?: Partial<GatewayConfig>;
  engine?: Record<string, unknown>;
  /** Use (and keep on stop) this data directory instead of a fresh temporary one. */
  dataDir?: string;
  /** History routes from this PostgreSQL projection (ringline start --postgres). */
  history?: HistoryStore;
} = {}): Promise<E2eServer> {
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'ringline-e2e-'));
  const engine = await startRinglineEngine({ dataDir, durability: options.durability ?? 'fsync', engine: options.engine });
  let server: GatewayServer;
  try {
    server = await startGatewayServer(engine, {
      dataDir,
      adminKey: ADMIN_KEY,
      codec: createWireCodec(),
      config: resolveGatewayConfig({ tcpPort: 0, wsPort: 0, ...options.gateway }),
      metrics: engineMetricsRegistry(engine, options.durability ?? 'fsync'),
      engineMetrics: () => engine.metrics(),
      engineNotReadyReason: () => engine.notReadyReason(),
      history: options.history ?? null,
    });
  } catch (error) {
    await engine.stop();
    throw error;
  }
  const tcpUrl = `tcp://127.0.0.1:${server.tcpPort}`;
  const wsUrl = `ws://127.0.0.1:${server.wsPort}/`;
  const httpUrl = `http://127.0.0.1:${server.wsPort}`;
  return {
    engine, server, dataDir, tcpUrl, wsUrl, httpUrl,
    addPrincipal(name) {
      const added = server.core.principals.add(name);
      return { id: added.principal.id, key: added.key };
    },
    async connect(transport, key, maxInFlight = 64) {
      if (transport === 'http') return httpChannel(httpUrl, key);
      const client = await RinglineClient.connect({ url: transport === 'tcp' ? tcpUrl : wsUrl, apiKey: key, maxInFlight });
      return { transport, send: (c) => client.send(c), close: () => client.close() };
    },
    async stop() {
      await server.stop(2000);
      await engine.stop();
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function httpChannel(httpUrl: string, key: string): CommandChannel {
  return {
    transport: 'http',
    async send(command) {
      const response = await fetch(`${httpUrl}/v1/commands`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(command),
      });
      return (await response.json()) as ResponseJson;
    },
    close: async () => {},
  };
}

/** Sends and insists on OK (for setup steps). */
export async function must(channel: CommandChannel, command: CommandJson): Promise<ResponseJson> {
  const r = await channel.send(command);
  if (r.code !== ResultCode.OK) throw new Error(`${command.type} failed: ${r.status} ${r.message ?? ''} (${JSON.stringify(command)})`);
  return r;
}

/** Sends over HTTP, retrying BUSY (HTTP answers BUSY instead of queueing). */
export async function sendRetryingBusy(channel: CommandChannel, command: CommandJson): Promise<ResponseJson> {
  for (let attempt = 0; ; attempt++) {
    const r = await channel.send(command);
    if (r.code !== ResultCode.BUSY || attempt > 1000) return r;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

export async function stateHash(channel: CommandChannel): Promise<string> {
  const r = await must(channel, { type: 'getStateHash' });
  if (r.result?.type !== 'stateHash') throw new Error(`getStateHash returned ${JSON.stringify(r.result)}`);
  return `${r.result.hashHigh.toString(16)}:${r.result.hashLow.toString(16)}`;
}

export async function balanceOf(channel: CommandChannel, accountId: number, assetId: number): Promise<number> {
  const r = await must(channel, { type: 'getBalance', accountId, assetId });
  if (r.result?.type !== 'balance') throw new Error(`getBalance returned ${JSON.stringify(r.result)}`);
  return r.result.available + r.result.reserved;
}

/** The registry `ringline start` builds: build info, process metrics, the engine's families. */
function engineMetricsRegistry(engine: EngineHandle, durability: string): MetricsRegistry {
  const metrics = new MetricsRegistry({ version: packageVersion() });
  addEngineFamilies(metrics, engine, { durability });
  return metrics;
}
