/**
 * Worker entry for replayEvents (event_replay.ts): receives an EventReplayRange in workerData, posts
 * { type: 'events', records } chunks (transferred), then { type: 'done', count } or
 * { type: 'error', message }, and exits. One worker per catching-up subscriber; the gateway bounds how
 * many run at once. It runs at nice EVENT_REPLAY_NICE: rebuilding one subscriber's history yields the
 * cores to the engine's threads, whose commands every client is waiting for.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { EventReplayMessage } from '../core/engine_worker_protocol.ts';
import { niceThisThread } from '../core/os_thread.ts';
import { HistoryRetiredError, replayEvents, type EventReplayRange } from './event_replay.ts';

const port = parentPort;
if (port === null) throw new Error('event_replay_worker.ts must run as a worker thread');
/** The replay thread's nice value (the engine's threads run at the process's, usually 0). */
const EVENT_REPLAY_NICE = 10;
niceThisThread(EVENT_REPLAY_NICE);
const post = (message: EventReplayMessage, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);
try {
  const count = replayEvents(workerData as EventReplayRange, (records) => post({ type: 'events', records }, [records.buffer as ArrayBuffer]));
  post({ type: 'done', count });
} catch (error) {
  post({ type: 'error', message: error instanceof Error ? error.message : String(error), retired: error instanceof HistoryRetiredError });
}
