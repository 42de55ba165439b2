/**
 * The engine as the CLI and the end-to-end tests start it: core/engine.ts's startEngine with the
 * data directory, the durability mode and the config file's "engine" options.
 */
import type { GatewayEngine } from '../gateway_core.ts';
import type { DurabilityMode } from './start_options.ts';

export interface EngineHandle extends GatewayEngine {
  stop(): Promise<void>;
  /** Sequences, lag, fsync latency, GC counts...: rendered as-is on GET /metrics. */
  metrics(): unknown;
  /** One line per preallocated region, for the start-up log. */
  memoryReport(): string[];
}

export interface EngineStartOptions {
  readonly dataDir: string;
  readonly durability: DurabilityMode;
  readonly engine?: Readonly<Record<string, unknown>>;
  readonly log?: (line: string) => void;
}

interface CoreEngine extends GatewayEngine {
  stop(): Promise<void>;
  metrics(): { ringCapacity?: number };
  readonly recoveredSequence?: number;
  readonly recoveredStateHash?: string;
}

const RING_SLOT_BYTES = 512;

// Resolved at run time so this file type-checks before core/engine.ts lands.
const ENGINE_MODULE = '../../core/engine.ts';

export async function startRinglineEngine(options: EngineStartOptions): Promise<EngineHandle> {
  const { startEngine } = (await import(ENGINE_MODULE)) as { startEngine(o: Record<string, unknown>): Promise<CoreEngine> };
  const fromFile = options.engine ?? {};
  const journal = typeof fromFile.journal === 'object' && fromFile.journal !== null ? fromFile.journal : {};
  const engine = await startEngine({
    ...fromFile,
    dataDir: options.dataDir,
    journal: { ...journal, durability: options.durability },
    ...(options.log === undefined ? {} : { log: options.log }),
  });
  return {
    input: engine.input,
    onResult: (listener) => engine.onResult(listener),
    stop: () => engine.stop(),
    metrics: () => engine.metrics(),
    memoryReport: () => {
      const slots = engine.metrics().ringCapacity ?? 0;
      const ringMiB = ((slots * RING_SLOT_BYTES) / 1048576).toFixed(1);
      return [
        `input ring ${ringMiB} MiB and output ring ${ringMiB} MiB (${slots} slots × ${RING_SLOT_BYTES} B, shared memory)`,
        `recovered to sequence ${engine.recoveredSequence ?? -1}, state hash ${engine.recoveredStateHash ?? '?'}`,
      ];
    },
  };
}
