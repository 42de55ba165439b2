/**
 * Worker entry of the Redis load generator (ioredis, as a Node service would call Redis):
 *   closed loop — connections × concurrentPipelines loops, each sending `pipelineDepth` EVALSHA per
 *                 pipeline exec and starting the next when it returns (latency per command = its
 *                 pipeline's round trip);
 *   open loop   — one EVALSHA at a time per intended send slot at `ratePerS`, latency from the intended
 *                 send time (no coordinated omission), like the ringline open loop.
 * Posts a LoadWorkerResult like load_worker.ts so run_load.ts merges it the same way.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { nowNs } from '../clock.ts';
import { startPacingTicker } from '../load/pacing_ticker.ts';
import { startGcCounter } from '../gc_counter.ts';
import { createLatencyHistogram } from '../histogram.ts';
import type { LoadWorkerResult } from '../load/load_spec.ts';
import type { RedisLoadSpec } from './redis_load_spec.ts';
import { STOCK_KEY } from './redis_stock_script.ts';

/** Reply code used for a Redis error reply (ringline codes are < 1000). */
const REDIS_ERROR_CODE = 9999;
/** Code for "sold out" (script returned 0): counted, not an error. */
const SOLD_OUT_CODE = 1;

async function runRedisLoad(spec: RedisLoadSpec): Promise<LoadWorkerResult> {
  const histogram = createLatencyHistogram();
  const clients = Array.from({ length: spec.connections }, () => new Redis({ host: spec.host, port: spec.port, lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false }));
  await Promise.all(clients.map((c) => c.connect()));
  let measureStart = Infinity;
  let measureEnd = Infinity;
  let completed = 0;
  let errors = 0;
  let sent = 0;
  let outstanding = 0;
  const codeCounts = new Map<number, number>();
  const count = (code: number, n: number, now: number): void => {
    if (now < measureStart || now >= measureEnd) return;
    completed += n;
    if (code === REDIS_ERROR_CODE) errors += n;
    codeCounts.set(code, (codeCounts.get(code) ?? 0) + n);
  };
  // Open loop: the pacing thread is up before the clock starts (a worker takes a while to boot).
  const ticker = spec.mode === 'open' ? await startPacingTicker(spec.pacingSleepUs) : null;
  const gc = startGcCounter();
  const t0 = nowNs();
  measureStart = t0 + spec.warmupMs * 1e6;
  measureEnd = measureStart + spec.durationMs * 1e6;

  if (spec.mode === 'closed') {
    const loop = async (client: Redis): Promise<void> => {
      while (nowNs() < measureEnd) {
        const p = client.pipeline();
        for (let i = 0; i < spec.pipelineDepth; i++) p.evalsha(spec.scriptSha, 1, STOCK_KEY, 1);
        const start = nowNs();
        sent += spec.pipelineDepth;
        const replies = (await p.exec()) ?? [];
        const now = nowNs();
        let ok = 0;
        let soldOut = 0;
        let failed = 0;
        for (const [err, value] of replies) {
          if (err !== null) failed++;
          else if (value === 1) ok++;
          else soldOut++;
        }
        count(0, ok, now);
        count(SOLD_OUT_CODE, soldOut, now);
        count(REDIS_ERROR_CODE, failed, now);
        if (start >= measureStart && start < measureEnd) histogram.recordNsWithCount(now - start, replies.length);
      }
    };
    const loops: Promise<void>[] = [];
    for (const c of clients) for (let k = 0; k < spec.concurrentPipelines; k++) loops.push(loop(c));
    await Promise.all(loops);
  } else {
    const intervalNs = 1e9 / spec.ratePerS;
    let scheduled = 0;
    const client = clients[0];
    const onReply = (intended: number, code: number): void => {
      const now = nowNs();
      outstanding--;
      count(code, 1, now);
      if (intended >= measureStart && intended < measureEnd) histogram.recordNs(now - intended);
    };
    await new Promise<void>((resolve) => {
      const tick = (): void => {
        const now = nowNs();
        if (now >= measureEnd) {
          resolve();
          return;
        }
        const due = Math.min(4096, Math.floor((now - t0) / intervalNs) + 1 - scheduled);
        for (let i = 0; i < due; i++) {
          const intended = t0 + scheduled * intervalNs;
          scheduled++;
          sent++;
          outstanding++;
          client.evalsha(spec.scriptSha, 1, STOCK_KEY, 1).then(
            (v) => onReply(intended, v === 1 ? 0 : SOLD_OUT_CODE),
            () => onReply(intended, REDIS_ERROR_CODE),
          );
        }
        ticker?.onTick(tick);
      };
      tick();
    });
    await ticker?.stop();
    const drainUntil = nowNs() + spec.drainMs * 1e6;
    while (outstanding > 0 && nowNs() < drainUntil) await sleep(2);
  }
  const gcCount = await gc.stop();
  await Promise.all(clients.map((c) => c.quit().catch(() => undefined)));
  const result: LoadWorkerResult = {
    sent, completed, errors,
    codeCounts: Object.fromEntries([...codeCounts].map(([k, v]) => [String(k), v])),
    dropped: 0,
    windowNs: measureEnd - measureStart,
    histogram: histogram.count > 0 ? histogram.encode() : null,
    gcEvents: gcCount.events,
    unanswered: outstanding,
  };
  histogram.destroy();
  return result;
}

const port = parentPort;
if (port === null) throw new Error('redis_load_worker.ts must run in a worker thread');
runRedisLoad((workerData as { spec: RedisLoadSpec }).spec).then(
  (result) => port.postMessage({ ok: true, result }),
  (err: unknown) => port.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) }),
);
