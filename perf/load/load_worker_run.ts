/**
 * The body of a load worker: opens `spec.connections` raw connections, logs in, then drives them
 *   closed loop — keeps `pipelineMax` commands in flight per connection, refilling `writeBatch` at a
 *                 time as replies arrive (maximum throughput with pipelining);
 *   open loop   — schedules command k at t0 + k / ratePerS whatever the replies do, and measures each
 *                 reply from that intended time, so a stall shows up in the latency of every command
 *                 that should have been sent during it (no coordinated omission).
 * Warm-up first, then a measurement window; replies are counted when they arrive inside the window,
 * latencies for commands intended (or written) inside it. Runs in a worker (load_worker.ts) or in
 * process (tests).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { nowNs } from '../clock.ts';
import { startGcCounter } from '../gc_counter.ts';
import { createLatencyHistogram } from '../histogram.ts';
import { startPacingTicker } from './pacing_ticker.ts';
import { LoadConnection, type ReplyCounter } from './load_connection.ts';
import { validateLoadSpec, type LoadInterval, type LoadSpec, type LoadWorkerResult } from './load_spec.ts';

/** Most commands an open-loop tick schedules at once (a long pause catches up over several ticks). */
const OPEN_LOOP_TICK_MAX = 4096;

export async function runLoadWorker(spec: LoadSpec, onInterval: (interval: LoadInterval) => void = () => undefined): Promise<LoadWorkerResult> {
  validateLoadSpec(spec);
  const histogram = spec.recordLatency ? createLatencyHistogram() : null;
  const intervalNs = (spec.intervalMs ?? 0) * 1e6;
  const intervalHistogram = intervalNs > 0 ? createLatencyHistogram() : null;
  /** Counts at the start of the current interval, and the interval's index. */
  const intervalStart = { index: 0, completed: 0, errors: 0, dropped: 0 };
  let measureStartNs = Infinity;
  let measureEndNs = Infinity;
  let completed = 0;
  let errors = 0;
  let dropped = 0;
  let sent = 0;
  let stopping = false;
  let failure: string | null = null;
  const codeCounts = new Map<number, number>();
  const ids = { next: spec.idStart };
  const closedLoop = spec.mode === 'closed';

  const counter: ReplyCounter = {
    onReplies(code, sentNs, now) {
      if (now >= measureStartNs && now < measureEndNs) {
        completed++;
        if (code !== 0) errors++;
        codeCounts.set(code, (codeCounts.get(code) ?? 0) + 1);
      }
      if (histogram !== null && sentNs >= measureStartNs && sentNs < measureEndNs) histogram.recordNs(now - sentNs);
      if (intervalHistogram !== null && now >= measureStartNs && now < measureEndNs) intervalHistogram.recordNs(now - sentNs);
    },
    onChunkDone(connection, now) {
      if (!closedLoop) {
        // Open loop: commands queued behind a full pipeline leave as soon as replies make room.
        if (connection.queued > 0 && !stopping) sent += connection.flush(ids);
        return;
      }
      if (stopping || now >= measureEndNs) return;
      while (spec.pipelineMax - connection.inFlight - connection.queued >= spec.writeBatch) {
        for (let i = 0; i < spec.writeBatch; i++) connection.enqueue(now);
      }
      sent += connection.flush(ids);
    },
    onConnectionClosed(reason) {
      if (!stopping && failure === null) failure = reason;
    },
  };

  const connections: LoadConnection[] = [];
  for (let i = 0; i < spec.connections; i++) connections.push(new LoadConnection(spec, counter, nowNs));
  try {
    await Promise.all(connections.map((c) => c.open()));
  } catch (err) {
    for (const c of connections) c.close();
    throw new Error(`load worker could not open its connections to ${spec.host}:${spec.port}: ${(err as Error).message}`);
  }
  // Open loop: the pacing thread is up before the clock starts (a worker takes a while to boot).
  const ticker = closedLoop ? null : await startPacingTicker(spec.pacingSleepUs);
  const gc = startGcCounter();
  const t0 = nowNs();
  measureStartNs = t0 + spec.warmupMs * 1e6;
  measureEndNs = measureStartNs + spec.durationMs * 1e6;

  if (closedLoop) {
    for (const c of connections) {
      for (let i = 0; i < spec.pipelineMax; i++) c.enqueue(t0);
      sent += c.flush(ids);
    }
    while (nowNs() < measureEndNs && failure === null) await sleep(Math.min(50, Math.max(1, (measureEndNs - nowNs()) / 1e6)));
  } else {
    const sendIntervalNs = 1e9 / spec.ratePerS;
    let scheduled = 0;
    /** Reports every whole interval that has ended by `now` (the last one when the window closes). */
    const reportIntervals = (now: number): void => {
      if (intervalHistogram === null) return;
      while (now >= measureStartNs + (intervalStart.index + 1) * intervalNs && intervalStart.index < Math.floor(spec.durationMs * 1e6 / intervalNs)) {
        onInterval({
          index: intervalStart.index, completed: completed - intervalStart.completed, errors: errors - intervalStart.errors,
          dropped: dropped - intervalStart.dropped, histogram: intervalHistogram.encode(),
        });
        intervalHistogram.reset();
        Object.assign(intervalStart, { index: intervalStart.index + 1, completed, errors, dropped });
      }
    };
    /** Queues the commands intended before `endK` (command k is intended at t0 + k × interval), at most `max`. */
    const schedule = (endK: number, max: number): void => {
      let due = endK - scheduled;
      if (due > max) due = max;
      for (let i = 0; i < due; i++) {
        const intended = t0 + scheduled * sendIntervalNs;
        if (!connections[scheduled % connections.length].enqueue(intended) && intended >= measureStartNs) dropped++;
        scheduled++;
      }
      for (const c of connections) if (c.queued > 0) sent += c.flush(ids);
    };
        await new Promise<void>((resolve) => {
      const tick = (): void => {
        const now = nowNs();
        reportIntervals(now);
        if (now >= measureEndNs || failure !== null) {
          // Every command intended inside the window is sent (late, if this thread was held up) or
          // counted as dropped: the window's count never depends on when the last tick ran.
          if (failure === null) schedule(Math.ceil((measureEndNs - t0) / sendIntervalNs), Infinity);
          resolve();
          return;
        }
        schedule(Math.floor((now - t0) / sendIntervalNs) + 1, OPEN_LOOP_TICK_MAX);
        ticker?.onTick(tick); // between ticks this thread waits in its event loop: replies are read as they arrive
      };
      tick();
    });
    await ticker?.stop();
  }

  // Drain: stop sending new work, keep flushing what open loop had queued, wait for replies.
  const drainUntil = nowNs() + spec.drainMs * 1e6;
  while (failure === null && nowNs() < drainUntil) {
    let outstanding = 0;
    for (const c of connections) {
      if (!closedLoop) sent += c.flush(ids);
      outstanding += c.inFlight + c.queued;
    }
    if (outstanding === 0) break;
    await sleep(2);
  }
  stopping = true;
  let unanswered = 0;
  for (const c of connections) unanswered += c.inFlight + c.queued;
  const gcCount = await gc.stop();
  for (const c of connections) c.close();
  intervalHistogram?.destroy();
  if (failure !== null) {
    histogram?.destroy();
    throw new Error(`load connection to ${spec.host}:${spec.port} closed during the run: ${failure}`);
  }
  const result: LoadWorkerResult = {
    sent,
    completed,
    errors,
    codeCounts: Object.fromEntries([...codeCounts].map(([k, v]) => [String(k), v])),
    dropped,
    windowNs: measureEndNs - measureStartNs,
    histogram: histogram === null ? null : histogram.encode(),
    gcEvents: gcCount.events,
    unanswered,
  };
  histogram?.destroy();
  return result;
}
