import { describe, it, expect } from 'vitest';
import { gcDelta, parseGcMetrics } from './engine_metrics.ts';

describe('engine GC metrics', () => {
  const before = parseGcMetrics([
    '# HELP ringline_engine_logic_gc_events x',
    'ringline_engine_logic_gc_events 3',
    'ringline_engine_journaler_gcEvents 10',
    'ringline_engine_logic_gc_pause_ms 1.5',
    'ringline_sessions 2',
  ].join('\n'));

  it('takes the engine counters that mention gc, not pauses or other metrics', () => {
    expect([...before.entries()]).toEqual([['ringline_engine_logic_gc_events', 3], ['ringline_engine_journaler_gcEvents', 10]]);
  });

  it('reports the events between two readings per engine thread', () => {
    const after = parseGcMetrics('ringline_engine_logic_gc_events 3\nringline_engine_journaler_gcEvents 14\nringline_engine_gateway_gc 5\n');
    expect(gcDelta(before, after)).toEqual({ 'engine:logic_gc_events': 0, 'engine:journaler_gcEvents': 4, 'engine:gateway_gc': 5 });
  });
});
