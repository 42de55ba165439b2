/**
 * Writing a snapshot of exported state off the calling thread (the crash tests' child uses it; the
 * engine itself no longer exports: its snapshots are written by the snapshot shadow,
 * replay/shadow_replay.ts). The caller copies its state (StateMachine.exportState()) and hands the
 * copies here. `writeSnapshot` moves
 * them to a snapshot worker thread (transferring the copies' buffers, not copying them again), which
 * checksums, writes `<seq>.snapshot.tmp`, fdatasyncs, renames, fsyncs the directory and applies the
 * retention policy. The calling thread only awaits a message.
 */
import type { Worker } from 'node:worker_threads';
import type { StateSection } from '../core/logic/state_machine_api.ts';
import { spawnWorker } from '../core/spawn_worker.ts';
import type { RetentionResult } from './snapshot_retention.ts';

export interface SnapshotInfo extends RetentionResult {
  readonly path: string;
  readonly sequence: number;
  readonly stateHash: string;
  readonly fileBytes: number;
  /** Time the worker spent checksumming, writing and syncing, milliseconds. */
  readonly writeMs: number;
}

export interface SnapshotStoreOptions {
  /** Snapshots kept by the retention policy (older ones and the journal only they need are deleted). */
  readonly keep?: number;
  /** Delete journal segments only older snapshots need (default true). */
  readonly retireJournal?: boolean;
  /**
   * The journaler's sequence word (its input-ring consumer: `{ memory: inputRingMemory, valueIndex:
   * ring.consumers[INPUT_CONSUMER_JOURNALER].valueIndex }`). The business logic runs ahead of the
   * journal; with a gate the snapshot file appears only once the journal holds every command it
   * contains, so a snapshot never holds state the journal lacks. The worker waits up to
   * durableWaitMs and fails the snapshot if the journal does not catch up.
   */
  readonly durableGate?: { readonly memory: SharedArrayBuffer; readonly valueIndex: number };
  readonly durableWaitMs?: number;
}

export const DEFAULT_DURABLE_WAIT_MS = 30_000;

export const DEFAULT_SNAPSHOTS_KEPT = 2;

/** Message to the snapshot worker. */
export interface SnapshotRequest {
  readonly dataDir: string;
  readonly sequence: number;
  readonly stateHash: string;
  readonly keep: number;
  readonly retireJournal: boolean;
  readonly names: string[];
  readonly sections: Uint8Array[];
  readonly durableGate: { readonly memory: SharedArrayBuffer; readonly valueIndex: number } | null;
  readonly durableWaitMs: number;
}

/** Message back from the snapshot worker. */
export type SnapshotReply = { ok: true; info: SnapshotInfo } | { ok: false; message: string };

const WORKER_URL = new URL('./snapshot_worker.ts', import.meta.url);

export function writeSnapshot(
  dataDir: string, sequence: number, sections: StateSection[], stateHash: string, options: SnapshotStoreOptions = {},
): Promise<SnapshotInfo> {
  const keep = options.keep ?? DEFAULT_SNAPSHOTS_KEPT;
  const transfer: ArrayBuffer[] = [];
  for (const section of sections) {
    const buffer = section.bytes.buffer;
    // Only whole, unshared ArrayBuffers are moved; anything else (a view into a pool) is cloned.
    if (buffer instanceof ArrayBuffer && section.bytes.byteOffset === 0 && section.bytes.byteLength === buffer.byteLength
      && !transfer.includes(buffer)) transfer.push(buffer);
  }
  const request: SnapshotRequest = {
    dataDir, sequence, stateHash, keep, retireJournal: options.retireJournal ?? true, names: sections.map((s) => s.name), sections: sections.map((s) => s.bytes),
    durableGate: options.durableGate ?? null, durableWaitMs: options.durableWaitMs ?? DEFAULT_DURABLE_WAIT_MS,
  };
  const worker: Worker = spawnWorker(WORKER_URL, { request }, { transferList: transfer });
  return new Promise<SnapshotInfo>((resolve, reject) => {
    let settled = false;
    worker.once('message', (reply: SnapshotReply) => {
      settled = true;
      if (reply.ok) resolve(reply.info);
      else reject(new Error(reply.message));
    });
    worker.once('error', (error) => {
      settled = true;
      reject(error);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`snapshot worker exited with code ${code} before replying`));
    });
  });
}
