/**
 * Snapshot worker entry (started by snapshot_store.ts through core/spawn_worker.ts): writes one
 * snapshot file, applies retention, replies once and exits.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { writeSnapshotFile } from './snapshot_file.ts';
import { applyRetention } from './snapshot_retention.ts';
import type { SnapshotReply, SnapshotRequest } from './snapshot_store.ts';
import { widen } from '../core/ring/sequence.ts';

/** Blocks this worker until the journaler's sequence reaches `sequence`; throws after waitMs. */
function awaitDurable(gate: NonNullable<SnapshotRequest['durableGate']>, sequence: number, waitMs: number): void {
  const words = new Int32Array(gate.memory);
  const deadline = performance.now() + waitMs;
  for (;;) {
    const observed = Atomics.load(words, gate.valueIndex); // seq-cst: the journaler's release
    if (widen(sequence, observed) >= sequence) return;
    const left = deadline - performance.now();
    if (left <= 0) throw new Error(`the journal did not reach sequence ${sequence} within ${waitMs} ms (at ${widen(sequence, observed)})`);
    Atomics.wait(words, gate.valueIndex, observed, Math.min(left, 10));
  }
}

const request = (workerData as { request: SnapshotRequest }).request;
let reply: SnapshotReply;
try {
  if (request.durableGate !== null) awaitDurable(request.durableGate, request.sequence, request.durableWaitMs);
  const started = performance.now();
  const sections = request.names.map((name, i) => ({ name, bytes: request.sections[i] }));
  const { path, fileBytes } = writeSnapshotFile(request.dataDir, request.sequence, sections, request.stateHash);
  const writeMs = performance.now() - started;
  const retention = applyRetention(request.dataDir, request.keep, request.retireJournal);
  reply = { ok: true, info: { path, sequence: request.sequence, stateHash: request.stateHash, fileBytes, writeMs, ...retention } };
} catch (error) {
  reply = { ok: false, message: error instanceof Error ? error.message : String(error) };
}
parentPort?.postMessage(reply);
