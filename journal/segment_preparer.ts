/**
 * The journaler's side of segments prepared ahead (segment_preparation.ts): starts the preparer worker,
 * says whether a prepared file is ready (one Atomics.load: nothing allocated, no system call), and asks
 * for the next one when the writer has taken it. The worker is unref'd and stops with the journaler.
 */
import type { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { spawnWorker } from '../core/spawn_worker.ts';
import { ensureDirectory } from './segment_files.ts';
import {
  PREPARED_FILE_NAME, PREP_DONE, PREP_FAILED, PREP_SLOTS, PREP_STATE, PrepState, tidyPreparedFiles,
} from './segment_preparation.ts';
import type { SegmentPreparerWorkerData } from './segment_preparer_worker.ts';

const WORKER_URL = new URL('./segment_preparer_worker.ts', import.meta.url);

export class SegmentPreparer {
  /** The prepared file the writer renames into its next segment when `ready`. */
  readonly preparedPath: string;
  private readonly state: Int32Array;
  private worker: Worker | null;

  constructor(dir: string, segmentBytes: number, retryMs: number) {
    ensureDirectory(dir, true, true);
    this.preparedPath = join(dir, PREPARED_FILE_NAME);
    this.state = new Int32Array(new SharedArrayBuffer(PREP_SLOTS * 4));
    this.state[PREP_STATE] = tidyPreparedFiles(dir, segmentBytes) ? PrepState.READY : PrepState.REQUESTED;
    const data: SegmentPreparerWorkerData = { stateMemory: this.state.buffer as SharedArrayBuffer, dir, segmentBytes, retryMs };
    const worker = spawnWorker(WORKER_URL, { ...data });
    // The worker never throws by design; should it fail to start, the journaler simply never gets a
    // prepared file and appends as before. (Its events arrive only when the journaler's loop runs.)
    worker.on('error', () => undefined);
    worker.unref();
    this.worker = worker;
  }

  /** A complete, durable prepared file is waiting at preparedPath. */
  get ready(): boolean {
    return Atomics.load(this.state, PREP_STATE) === PrepState.READY;
  }

  /** The writer renamed the prepared file into a segment: prepare the next one. */
  taken(): void {
    Atomics.store(this.state, PREP_STATE, PrepState.REQUESTED);
    Atomics.notify(this.state, PREP_STATE);
  }

  /** Files prepared, and attempts that failed or found no room, so far. */
  get prepared(): number {
    return Atomics.load(this.state, PREP_DONE);
  }

  get failed(): number {
    return Atomics.load(this.state, PREP_FAILED);
  }

  /** Stops the worker (a file it was writing stays as next.journal-preparing: the next start removes it). */
  close(): void {
    if (this.worker === null) return;
    Atomics.store(this.state, PREP_STATE, PrepState.STOP);
    Atomics.notify(this.state, PREP_STATE);
    void this.worker.terminate();
    this.worker = null;
  }
}
