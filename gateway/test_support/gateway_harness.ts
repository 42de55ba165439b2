/**
 * A gateway (startGatewayServer) over the loopback engine on ephemeral ports, with one principal
 * (alice) besides the admin: the harness of the gateway's own tests.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWireCodec } from '../codec_adapter.ts';
import { resolveGatewayConfig, type GatewayConfig } from '../gateway_config.ts';
import { startGatewayServer, type GatewayServer } from '../gateway_server.ts';
import { MetricsRegistry } from '../metrics_registry.ts';
import { LoopbackEngine } from './loopback_engine.ts';

export const ADMIN_KEY = 'test-admin-key-0123456789';

export interface Harness {
  engine: LoopbackEngine;
  server: GatewayServer;
  aliceKey: string;
  aliceId: number;
  http: string;
  ws: string;
}

export interface HarnessOptions {
  /** Ring slots of the loopback engine. */
  readonly slots?: number;
  /** Resolve before the door process accepts (a test of the switch from inline to the door). */
  readonly beforeDoorReady?: boolean;
}

export async function startHarness(overrides: Partial<GatewayConfig> = {}, { slots = 64, beforeDoorReady = false }: HarnessOptions = {}): Promise<Harness> {
  const engine = new LoopbackEngine(slots);
  const dataDir = mkdtempSync(join(tmpdir(), 'ringline-gw-'));
  const server = await startGatewayServer(engine, {
    dataDir, adminKey: ADMIN_KEY, codec: createWireCodec(),
    config: resolveGatewayConfig({ tcpPort: 0, wsPort: 0, ...overrides }),
    engineMetrics: () => ({ sequences: { published: engine.lastClaimedSequence } }),
    metrics: loopbackMetrics(engine),
  });
  const alice = server.core.principals.add('alice');
  // The door process accepts once it has started (the gateway accepts inline until then): wait, so a
  // test knows who holds its connections.
  if (!beforeDoorReady) await server.tcp?.door?.ready;
  return {
    engine, server, aliceKey: alice.key, aliceId: alice.principal.id,
    http: `http://127.0.0.1:${server.wsPort}`, ws: `ws://127.0.0.1:${server.wsPort}/`,
  };
}

export async function waitUntil(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function loopbackMetrics(engine: LoopbackEngine): MetricsRegistry {
  const metrics = new MetricsRegistry({ version: '0.0.0-test' });
  metrics.add({ name: 'ringline_test_published_sequence', type: 'gauge', help: 'The loopback engine\'s last claimed sequence', collect: () => [{ value: engine.lastClaimedSequence }] });
  return metrics;
}
