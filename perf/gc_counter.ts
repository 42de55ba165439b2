/**
 * Counts garbage-collection events in the current thread (main or worker) with a PerformanceObserver
 * on 'gc' entries. Node delivers those entries asynchronously, so `stop()` is async: it lets the event
 * loop turn until the pending entries arrive, then disconnects.
 *
 *   const gc = startGcCounter();
 *   ...measured work...
 *   const { events, majorEvents, pauseMs } = await gc.stop();
 *
 * A thread that busy-loops without yielding still gets its events counted, at `stop()`.
 */
import { PerformanceObserver, constants, type PerformanceEntry } from 'node:perf_hooks';
import { setImmediate as immediate, setTimeout as sleep } from 'node:timers/promises';

export interface GcCount {
  /** Every GC event (scavenges, mark-sweeps, incremental marking, weak callbacks). */
  readonly events: number;
  /** Mark-sweep-compact events only (the long pauses). */
  readonly majorEvents: number;
  /** Sum of the events' durations. */
  readonly pauseMs: number;
}

export interface GcCounter {
  /** Counts so far (events already delivered by the event loop). */
  readonly current: GcCount;
  /** Lets pending entries arrive, stops observing and returns the totals. */
  stop(): Promise<GcCount>;
}

interface GcDetail {
  readonly kind?: number;
}

/** Starts counting GC events of this thread now. */
export function startGcCounter(): GcCounter {
  let events = 0;
  let majorEvents = 0;
  let pauseMs = 0;
  let stopped = false;
  const observer = new PerformanceObserver((list) => {
    if (stopped) return;
    for (const entry of list.getEntries()) {
      events++;
      pauseMs += entry.duration;
      const detail = (entry as PerformanceEntry & { readonly detail?: GcDetail }).detail;
      if (detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majorEvents++;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    get current(): GcCount {
      return { events, majorEvents, pauseMs };
    },
    async stop(): Promise<GcCount> {
      // GC entries are queued to the event loop; an immediate alone is not enough, a timer turn is.
      await immediate();
      await sleep(0);
      await immediate();
      stopped = true;
      observer.disconnect();
      return { events, majorEvents, pauseMs };
    },
  };
}
