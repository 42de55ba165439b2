/**
 * Segment preparer worker entry (started by segment_preparer.ts through core/spawn_worker.ts): waits
 * until the journaler asks (PrepState.REQUESTED), writes next.journal-prepared (segment_preparation.ts),
 * says READY, and waits again, until STOP. It never throws: a failed attempt (a full disk, EIO) or a
 * disk without room for it is counted in PREP_FAILED, left behind as nothing, and tried again after
 * retryMs; meanwhile the journaler creates its segments the old way (appending), and a full disk
 * reaches it as its own storage fault.
 */
import { workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { hasRoomToPrepare, prepareSegmentFile, PREP_DONE, PREP_FAILED, PREP_LAST_MS, PREP_STATE, PrepState, ZERO_CHUNK_BYTES } from './segment_preparation.ts';

export interface SegmentPreparerWorkerData {
  readonly stateMemory: SharedArrayBuffer;
  readonly dir: string;
  readonly segmentBytes: number;
  readonly retryMs: number;
}

const data = workerData as SegmentPreparerWorkerData;
const state = new Int32Array(data.stateMemory);
const zeros = new Uint8Array(ZERO_CHUNK_BYTES);
/** Paces the zero-fill; false (give up) once the journaler says STOP. */
const pause = (ms: number): boolean => {
  Atomics.wait(state, PREP_STATE, PrepState.REQUESTED, ms);
  return Atomics.load(state, PREP_STATE) === PrepState.REQUESTED;
};
let paced = false; // the first file after start is written unpaced (segment_preparation.ts)

for (;;) {
  const now = Atomics.load(state, PREP_STATE);
  if (now === PrepState.STOP) break;
  if (now !== PrepState.REQUESTED) {
    Atomics.wait(state, PREP_STATE, now);
    continue;
  }
  const started = performance.now();
  let ok = false;
  try {
    if (hasRoomToPrepare(data.dir, data.segmentBytes)) {
      prepareSegmentFile(data.dir, data.segmentBytes, zeros, paced ? pause : undefined);
      ok = true;
      paced = true;
    }
  } catch {
    // counted below; the journaler never depends on a prepared file
  }
  if (ok) {
    state[PREP_LAST_MS] = Math.round(performance.now() - started);
    Atomics.add(state, PREP_DONE, 1);
    // READY only if still REQUESTED (a STOP meanwhile wins).
    Atomics.compareExchange(state, PREP_STATE, PrepState.REQUESTED, PrepState.READY);
  } else {
    Atomics.add(state, PREP_FAILED, 1);
    Atomics.wait(state, PREP_STATE, PrepState.REQUESTED, data.retryMs);
  }
}
