/** Helpers for the engine tests: a temporary data directory, small capacities, records in, results out. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CmdHeader } from '../../codec/records/command_descriptor.ts';
import type { RecordBuffer } from '../../codec/records/record_buffer.ts';
import { ResHeader } from '../../codec/records/result_descriptor.ts';
import { writeCommand } from '../../core/logic/test_support/command_writer.ts';
import type { Engine } from '../../engine/engine.ts';
import type { EngineOptions } from '../../engine/engine_options.ts';
import { publishCommand } from '../../perf/engine/publish_command.ts';
import { afterEach } from 'vitest';

/** A state machine that answers every command OK (and fails on ENGINE_TEST_BOOM): engine tests without business rules. */
export const ECHO_STATE_MACHINE = new URL('./engine_echo_state_machine.ts', import.meta.url);
/** A stand-in journaler whose "durable" a test releases through DURABLE_GATE_CHANNEL (or that misbehaves on TEST_JOURNALER_MODE). */
export const TEST_JOURNALER_ENTRY = new URL('./engine_test_journaler_worker.ts', import.meta.url);

/**
 * Registers an afterEach that runs what the test pushed, newest first (engines stopped before their data
 * directories are removed), and clears TEST_JOURNALER_MODE. Returns the list to push onto.
 */
export function useCleanups(): (() => Promise<void> | void)[] {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()!();
    delete process.env.TEST_JOURNALER_MODE;
  });
  return cleanups;
}

/** BroadcastChannel on which tests tell the gated stand-in journaler how far it may release. */
export const DURABLE_GATE_CHANNEL = 'ringline-durable-gate';

export const SMALL_LOGIC = {
  maxAssets: 16, maxAccounts: 1024, maxBalances: 4096, maxPendingTransfers: 64, maxItems: 64, maxEvents: 8,
  maxSeats: 256, maxSymbols: 4, maxOrders: 1024, maxPriceLevels: 256, idempotencyWindow: 1024,
} as const;

export function tempDataDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'ringline-engine-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function testOptions(dataDir: string, extra: Partial<EngineOptions> = {}): EngineOptions {
  return {
    dataDir, ringCapacity: 256, batchMax: 64, logic: SMALL_LOGIC, journal: { durability: 'none' },
    log: () => undefined, onFatal: () => undefined, ...extra,
  };
}

export interface Received {
  readonly sequence: number;
  readonly code: number;
  readonly correlationId: number;
}

/** Collects every result the engine releases. */
export function collectResults(engine: Engine): Received[] {
  const received: Received[] = [];
  engine.onResult((buf: RecordBuffer, base: number) => {
    received.push({
      sequence: buf.f64[(base + ResHeader.INPUT_SEQUENCE) >>> 3],
      code: buf.u16[(base + ResHeader.CODE) >>> 1],
      correlationId: buf.f64[(base + ResHeader.CORRELATION_ID) >>> 3],
    });
  });
  return received;
}

/** Claims, writes and publishes one command; returns its sequence, or -1 when the ring is full. */
export const send = publishCommand;

/** Claims and publishes a record of a raw command type (for the echo state machine). */
export function sendRaw(engine: Engine, commandType: number, correlationId: number): number {
  const base = engine.input.tryClaim();
  if (base < 0) return -1;
  const sequence = engine.input.lastClaimedSequence;
  const buf = engine.input.buffer;
  writeCommand(buf, base, { sequence, principalId: 1, correlationId, sessionId: 1 }, { kind: 'getStateHash' });
  buf.u16[(base + CmdHeader.TYPE) >>> 1] = commandType;
  engine.input.publish();
  return sequence;
}

export async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
