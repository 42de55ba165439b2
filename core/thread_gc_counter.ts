/**
 * Counts the GC events and pause time of the calling thread into its line of the engine's shared
 * metrics (the ThreadSlot slots every line starts with). The entries arrive on the thread's event
 * loop: a thread that never returns to it reports them late (core/logic_worker.ts TURN_EVERY_MS).
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { type MetricsLine, metricsIndex, ThreadSlot } from './metrics_descriptor.ts';

/** Starts counting; disconnect() the observer when the thread stops. */
export function observeThreadGc(metrics: Float64Array, line: MetricsLine): PerformanceObserver {
  const events = metricsIndex(line, ThreadSlot.GC_EVENTS);
  const pauseMs = metricsIndex(line, ThreadSlot.GC_PAUSE_MS);
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      metrics[events]++;
      metrics[pauseMs] += entry.duration;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return observer;
}
