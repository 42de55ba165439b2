/**
 * A recovery reader thread that takes the walk over and then ends without a word: no records, no
 * outcome, the ring never halted — as a reader killed or out of memory would (pipelined_replay.test.ts).
 */
import { workerData } from 'node:worker_threads';
import { FeedControl } from '../replay_feed.ts';
import type { ReaderWorkerData } from '../replay_reader_worker.ts';

const data = workerData as ReaderWorkerData;
const control = new FeedControl(data.feed.control);
if (control.start() && control.awaitGo(data.feed) !== null) process.exit(0);
