/**
 * An event replay worker for EventHub tests (event_hub.test.ts): says it started by creating
 * `<dataDir>/started-<afterSequence>`, then holds its replay until the test creates
 * `<dataDir>/go-<afterSequence>`, and reports it done with no events (the hub then serves the
 * subscriber from its retention, as after a real replay); or, once `<dataDir>/vanish-<afterSequence>`
 * exists, ends without a word (as a replay thread killed or out of memory would).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import type { EventReplayMessage } from '../../core/engine_worker_protocol.ts';

const { dataDir, afterSequence } = workerData as { dataDir: string; afterSequence: number };
const port = parentPort;
if (port === null) throw new Error('held_event_replay_worker.ts must run as a worker thread');
writeFileSync(join(dataDir, `started-${afterSequence}`), '');
const go = join(dataDir, `go-${afterSequence}`);
const vanish = join(dataDir, `vanish-${afterSequence}`);
const poll = setInterval(() => {
  if (existsSync(vanish)) process.exit(0);
  if (!existsSync(go)) return;
  clearInterval(poll);
  const done: EventReplayMessage = { type: 'done', count: 0 };
  port.postMessage(done);
}, 5);
