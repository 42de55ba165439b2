/**
 * What a load worker is asked to do and what it reports. Validated in the parent before any thread
 * starts; every message names the option and its accepted range.
 */
import type { PatchableRequest } from './wire_requests.ts';

export type LoadTransport = 'tcp' | 'ws' | 'http';
export type LoadMode = 'closed' | 'open';

export interface LoadSpec {
  readonly transport: LoadTransport;
  readonly host: string;
  readonly port: number;
  /** ws: the upgrade request's path. */
  readonly wsPath: string;
  /** Connections per worker. */
  readonly connections: number;
  /** closed: keep `pipelineMax` commands in flight per connection; open: send at `ratePerS`. */
  readonly mode: LoadMode;
  /** Most commands in flight per connection (both modes; open-loop sends wait beyond it). */
  readonly pipelineMax: number;
  /** closed: frames per socket write (refill granularity). */
  readonly writeBatch: number;
  /** open: commands per second for this worker, spread over its connections. */
  readonly ratePerS: number;
  /**
   * open: the generator sends what is due at every tick of a pacing thread that ticks this often
   * (pacing_ticker.ts; no spinning): commands leave in batches at most a tick late, and that delay
   * counts in their latency. Between ticks the generator waits in its event loop, so replies are read
   * and timed as they arrive.
   */
  readonly pacingSleepUs: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** Most time to wait for outstanding replies after the measurement. */
  readonly drainMs: number;
  /** Login message sent first on every connection (its reply must be OK), or null. */
  readonly login: Uint8Array | null;
  /** Commands sent round-robin, ids patched per message. */
  readonly messages: readonly PatchableRequest[];
  /** First correlation / idempotency id of this worker; ids count up from here. */
  readonly idStart: number;
  /** Record reply latency (open: from each command's intended send time; closed: from its write). */
  readonly recordLatency: boolean;
  /**
   * open loop, soak: every this many ms of the measurement, report a LoadInterval (0 or absent: none).
   * An interval holds the replies that arrived in it, so a stall shows where it was felt.
   */
  readonly intervalMs?: number;
}

/** One interval of an open-loop load (LoadSpec.intervalMs): what arrived in it, and what was dropped. */
export interface LoadInterval {
  /** 0, 1, ...: the interval ends intervalMs × (index + 1) after the measurement began. */
  readonly index: number;
  readonly completed: number;
  readonly errors: number;
  readonly dropped: number;
  /** Encoded histogram (perf/histogram.ts) of the latencies of the replies that arrived in it. */
  readonly histogram: string;
}

export interface LoadWorkerResult {
  readonly sent: number;
  /** Replies received inside the measurement window. */
  readonly completed: number;
  /** Replies (inside the window) whose code was not OK, or unreadable. */
  readonly errors: number;
  /** Result code → count over the window (OK included). */
  readonly codeCounts: Record<string, number>;
  /** open mode: commands that could not even be queued (the backlog was full). */
  readonly dropped: number;
  readonly windowNs: number;
  /** Encoded histogram (perf/histogram.ts) or null. */
  readonly histogram: string | null;
  readonly gcEvents: number;
  /** Replies still missing when the drain time ran out. */
  readonly unanswered: number;
}

const LIMITS = {
  connections: [1, 1024],
  pipelineMax: [1, 65_536],
  writeBatch: [1, 65_536],
  warmupMs: [0, 600_000],
  durationMs: [1, 3_600_000],
  drainMs: [0, 600_000],
  pacingSleepUs: [0, 10_000],
} as const;

export function validateLoadSpec(spec: LoadSpec): void {
  if (spec.transport !== 'tcp' && spec.transport !== 'ws' && spec.transport !== 'http') {
    throw new RangeError(`load transport must be tcp, ws or http, got ${String(spec.transport)}`);
  }
  if (spec.transport === 'http' && spec.login !== null) throw new RangeError('load option login must be null over http (the key travels in each request)');
  if (spec.mode !== 'closed' && spec.mode !== 'open') throw new RangeError(`load mode must be closed or open, got ${String(spec.mode)}`);
  if (!Number.isInteger(spec.port) || spec.port < 1 || spec.port > 65_535) throw new RangeError(`load port must be an integer in [1, 65535], got ${spec.port}`);
  for (const [name, [min, max]] of Object.entries(LIMITS)) {
    const v = spec[name as keyof typeof LIMITS];
    if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`load option ${name} must be an integer in [${min}, ${max}], got ${v}`);
  }
  if (spec.writeBatch > spec.pipelineMax) throw new RangeError(`load option writeBatch (${spec.writeBatch}) must not exceed pipelineMax (${spec.pipelineMax})`);
  if (spec.mode === 'open' && !(spec.ratePerS > 0 && spec.ratePerS <= 10_000_000)) {
    throw new RangeError(`load option ratePerS must be in (0, 10000000] for open loop, got ${spec.ratePerS}`);
  }
  const intervalMs = spec.intervalMs ?? 0;
  if (!Number.isInteger(intervalMs) || intervalMs < 0 || intervalMs > spec.durationMs) {
    throw new RangeError(`load option intervalMs must be an integer in [0, durationMs = ${spec.durationMs}], got ${intervalMs}`);
  }
  if (intervalMs > 0 && (spec.mode !== 'open' || !spec.recordLatency)) throw new RangeError('load option intervalMs needs an open-loop load that records latency');
  if (spec.messages.length === 0) throw new RangeError('load option messages must hold at least one command');
  if (!Number.isSafeInteger(spec.idStart) || spec.idStart < 1) throw new RangeError(`load option idStart must be a safe integer >= 1, got ${spec.idStart}`);
}
