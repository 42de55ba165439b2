/**
 * Worker entry for replayEvents (event_replay.ts): receives an EventReplayRange in workerData, posts
 * { type: 'events', records } chunks (transferred), then { type: 'done', count } or
 * { type: 'error', message }, and exits. One worker per catching-up subscriber; the gateway bounds how
 * many run at once.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { EventReplayMessage } from '../core/engine_worker_protocol.ts';
import { HistoryRetiredError, replayEvents, type EventReplayRange } from './event_replay.ts';

const port = parentPort;
if (port === null) throw new Error('event_replay_worker.ts must run as a worker thread');
const post = (message: EventReplayMessage, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);
try {
  const count = replayEvents(workerData as EventReplayRange, (records) => post({ type: 'events', records }, [records.buffer as ArrayBuffer]));
  post({ type: 'done', count });
} catch (error) {
  post({ type: 'error', message: error instanceof Error ? error.message : String(error), retired: error instanceof HistoryRetiredError });
}
