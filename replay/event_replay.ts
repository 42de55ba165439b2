/**
 * Events older than the gateway's retention window, rebuilt from the journal: a fresh state machine
 * loads the newest snapshot taken before the resume position, replays the journal (read-only: no
 * file is changed, the running engine keeps writing) and keeps the events after the resume position
 * up to a stop position. Replay is deterministic, so these are exactly the events emitted live.
 *
 * Runs in its own worker thread (event_replay_worker.ts) so neither the engine nor other subscribers
 * wait for it; replayEvents is the synchronous core, also used by tests and tools.
 */
import { EvtHeader, EVT_RECORD_BYTES, isAfterPosition } from '../codec/records/event_descriptor.ts';
import { BufferEventSink } from '../core/logic/event_emitter.ts';
import type { LogicConfig } from '../core/logic/state_machine_api.ts';
import { createStateMachine } from '../core/logic/state_machine.ts';
import { listSegments } from '../journal/segment_files.ts';
import { listSnapshots } from '../journal/snapshot_file.ts';
import { recoverState } from './recovery.ts';

/**
 * The range starts before anything the data folder still holds: no snapshot at or before it, and the
 * journal's first segment begins after the first command (retention retired the rest; the engine
 * option keepJournal keeps it). The gateway answers it with HISTORY_RETIRED.
 */
export class HistoryRetiredError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HistoryRetiredError';
  }
}

/** Throws HistoryRetiredError when no snapshot at or before `snapshotAtMost` exists and the journal does not start at the first command. */
function ensureHistoryKept(dataDir: string, snapshotAtMost: number, afterSequence: number): void {
  if (listSnapshots(dataDir).some((s) => s.sequence <= snapshotAtMost)) return;
  const segments = listSegments(dataDir);
  if (segments.length === 0 || segments[0].firstSequence <= 1) return;
  throw new HistoryRetiredError(`the events after sequence ${afterSequence} are no longer kept: the journal starts at sequence ${segments[0].firstSequence} `
    + `and no snapshot at or before ${snapshotAtMost} is kept (retention retired them; the engine option keepJournal keeps every segment)`);
}

export interface EventReplayRange {
  readonly dataDir: string;
  readonly logic: LogicConfig;
  /** Events strictly after (afterSequence, afterIndex)… */
  readonly afterSequence: number;
  readonly afterIndex: number;
  /** …and at or before (throughSequence, throughIndex). */
  readonly throughSequence: number;
  readonly throughIndex: number;
}

/** Events per chunk handed to onEvents. */
export const REPLAY_CHUNK_EVENTS = 4096;

/**
 * Calls onEvents with consecutive chunks of event records in the range (copies; the callee may keep
 * them). Returns the count of events delivered. Throws when the journal cannot cover the range
 * (retired before the resume position) with a message naming the positions.
 */
export function replayEvents(range: EventReplayRange, onEvents: (records: Uint8Array) => void): number {
  let delivered = 0;
  const keep = new Uint8Array(REPLAY_CHUNK_EVENTS * EVT_RECORD_BYTES);
  let kept = 0;
  const flushKept = (): void => {
    if (kept === 0) return;
    onEvents(keep.slice(0, kept * EVT_RECORD_BYTES));
    delivered += kept;
    kept = 0;
  };
  const sink = new BufferEventSink(REPLAY_CHUNK_EVENTS, (records, byteLength) => {
    const view = new DataView(records.buffer, records.byteOffset, byteLength);
    for (let at = 0; at < byteLength; at += EVT_RECORD_BYTES) {
      const sequence = view.getFloat64(at + EvtHeader.SEQUENCE, true);
      const index = view.getUint32(at + EvtHeader.INDEX, true);
      if (!isAfterPosition(sequence, index, range.afterSequence, range.afterIndex)) continue;
      if (isAfterPosition(sequence, index, range.throughSequence, range.throughIndex)) continue;
      keep.set(records.subarray(at, at + EVT_RECORD_BYTES), kept * EVT_RECORD_BYTES);
      if (++kept === REPLAY_CHUNK_EVENTS) flushKept();
    }
  });
  const snapshotAtMost = range.afterSequence >= 1 ? range.afterSequence - 1 : 0;
  ensureHistoryKept(range.dataDir, snapshotAtMost, range.afterSequence);
  const sm = createStateMachine(range.logic);
  sm.attachEventSink(sink);
  // The state just before the first command that may hold a wanted event: a snapshot at or before it.
  const report = recoverState(sm, {
    dataDir: range.dataDir, repair: false, readOnly: true, toSequence: range.throughSequence,
    snapshotAtMost,
  });
  sink.flush();
  flushKept();
  if (report.snapshotSequence >= range.afterSequence) {
    throw new HistoryRetiredError(`event replay: the oldest usable snapshot is at ${report.snapshotSequence}, after the resume position ${range.afterSequence}`);
  }
  if (report.lastSequence < range.throughSequence) {
    throw new Error(`event replay: the journal ends at ${report.lastSequence}, before ${range.throughSequence}`);
  }
  return delivered;
}
