import { describe, it, expect } from 'vitest';
import { gcDelta, metricSample, parseGatewayHeap, parseGcMetrics, parseGcPauseMs } from './engine_metrics.ts';

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

  it('takes the time spent in GC by thread, in ms', () => {
    const pauseBefore = parseGcPauseMs('ringline_gc_pause_seconds_total{thread="logic"} 0.0015\nringline_gc_events_total{thread="main"} 3\n');
    expect([...pauseBefore.entries()]).toEqual([['logic', 1.5]]);
    const pauseAfter = parseGcPauseMs('ringline_gc_pause_seconds_total{thread="logic"} 0.004\nringline_gc_pause_seconds_total{thread="main"} 0.012\n');
    const delta = gcDelta(pauseBefore, pauseAfter);
    expect(delta['engine:logic']).toBeCloseTo(2.5, 9);
    expect(delta['engine:main']).toBeCloseTo(12, 9);
  });
});

describe('metricSample', () => {
  const text = 'ringline_snapshots_total 3\nringline_snapshots_total_x 9\nringline_gc_events_total{thread="logic"} 12\nringline_gc_events_total{thread="main"} 40\n';

  it('reads one series by its exact name and labels', () => {
    expect(metricSample(text, 'ringline_snapshots_total')).toBe(3);
    expect(metricSample(text, 'ringline_gc_events_total{thread="logic"}')).toBe(12);
  });

  it('is NaN for a series that is not there or a text that could not be read', () => {
    expect(metricSample(text, 'ringline_engine_logic_snapshots')).toBeNaN();
    expect(metricSample(text, 'ringline_snapshots')).toBeNaN();
    expect(metricSample(null, 'ringline_snapshots_total')).toBeNaN();
  });
});

describe('the gateway heap from Node\'s default metrics', () => {
  const text = [
    'nodejs_gc_duration_seconds_count{kind="minor"} 120',
    'nodejs_gc_duration_seconds_count{kind="incremental"} 3',
    'nodejs_heap_space_size_used_bytes{space="old"} 20971520',
    'nodejs_heap_space_size_total_bytes{space="new"} 33554432',
    'nodejs_heap_space_size_used_bytes{space="new"} 1048576',
    'nodejs_external_memory_bytes 31457280',
  ].join('\n');

  it('reads GC counts by kind (0 for a kind not collected yet) and the old, young and external sizes in MiB', () => {
    expect(parseGatewayHeap(text)).toEqual({ major: 0, minor: 120, incremental: 3, oldUsedMib: 20, newCapacityMib: 32, externalMib: 30 });
  });

  it('is null without the heap series (or without a body)', () => {
    expect(parseGatewayHeap('nodejs_gc_duration_seconds_count{kind="minor"} 120')).toBeNull();
    expect(parseGatewayHeap(null)).toBeNull();
  });
});
