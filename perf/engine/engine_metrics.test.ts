import { describe, it, expect } from 'vitest';
import { gcDelta, parseGcMetrics } from './engine_metrics.ts';

describe('engine GC metrics', () => {
  const before = parseGcMetrics([
    '# HELP ringline_gc_events_total Garbage collections, by thread',
    '# TYPE ringline_gc_events_total counter',
    'ringline_gc_events_total{thread="main"} 3',
    'ringline_gc_events_total{thread="logic"} 10',
    'ringline_gc_pause_seconds_total{thread="logic"} 0.0015',
    'ringline_sessions_open 2',
  ].join('\n'));

  it('takes the GC event counts by thread, not pauses or other metrics', () => {
    expect([...before.entries()]).toEqual([['main', 3], ['logic', 10]]);
  });

  it('reports the events between two readings per engine thread', () => {
    const after = parseGcMetrics('ringline_gc_events_total{thread="main"} 3\nringline_gc_events_total{thread="logic"} 14\nringline_gc_events_total{thread="replicator"} 5\n');
    expect(gcDelta(before, after)).toEqual({ 'engine:main': 0, 'engine:logic': 4, 'engine:replicator': 5 });
  });
});
