/**
 * Worker entry of a pacing ticker (pacing_ticker.ts): bumps word 0 of the shared cells and notifies
 * it every `periodUs`, until word 1 is set. Its sleeps run with a 1 µs timer slack, so a "100 µs" tick
 * is ~110–120 µs here instead of ~170 µs.
 */
import { workerData } from 'node:worker_threads';
import { setThreadTimerSlackNs, YIELDING_THREAD_TIMER_SLACK_NS } from '../../core/timer_slack.ts';
import { TICK_COUNT, TICK_STOP } from './pacing_ticker.ts';

const data = workerData as { cells: SharedArrayBuffer; periodUs: number };
const cells = new Int32Array(data.cells);
const sleepCell = new Int32Array(new SharedArrayBuffer(4));
const periodMs = data.periodUs / 1000;
setThreadTimerSlackNs(YIELDING_THREAD_TIMER_SLACK_NS);
while (Atomics.load(cells, TICK_STOP) === 0) {
  Atomics.wait(sleepCell, 0, 0, periodMs);
  Atomics.add(cells, TICK_COUNT, 1);
  Atomics.notify(cells, TICK_COUNT);
}
