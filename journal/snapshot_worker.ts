/**
 * Snapshot worker entry (started by snapshot_store.ts through core/spawn_worker.ts): writes one
 * snapshot file, applies retention, replies once and exits.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { writeSnapshotFile } from './snapshot_file.ts';
import { applyRetention } from './snapshot_retention.ts';
import type { SnapshotReply, SnapshotRequest } from './snapshot_store.ts';

const request = (workerData as { request: SnapshotRequest }).request;
let reply: SnapshotReply;
try {
  const started = performance.now();
  const sections = request.names.map((name, i) => ({ name, bytes: request.sections[i] }));
  const { path, fileBytes } = writeSnapshotFile(request.dataDir, request.sequence, sections, request.stateHash);
  const writeMs = performance.now() - started;
  const retention = applyRetention(request.dataDir, request.keep);
  reply = { ok: true, info: { path, sequence: request.sequence, stateHash: request.stateHash, fileBytes, writeMs, ...retention } };
} catch (error) {
  reply = { ok: false, message: error instanceof Error ? error.message : String(error) };
}
parentPort?.postMessage(reply);
