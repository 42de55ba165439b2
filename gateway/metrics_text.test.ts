import { describe, it, expect } from 'vitest';
import { GatewayMetrics } from './gateway_metrics.ts';
import { renderMetrics } from './metrics_text.ts';
import { CommandType } from '../codec/records/command_descriptor.ts';
import { ResultCode } from '../codec/result_codes.ts';

describe('renderMetrics', () => {
  it('renders gateway counters by command and code, and every numeric leaf of the engine metrics', () => {
    const m = new GatewayMetrics();
    m.connectionsOpenTcp = 2;
    m.countCommand(CommandType.BUY);
    m.countCommand(CommandType.BUY);
    m.countResult(ResultCode.INSUFFICIENT_STOCK);
    const text = renderMetrics(m, { sequences: { published: 10, durable: 9 }, journal: { fsyncUsLast: 120.5 }, gc: [3, 4] }, 5);
    expect(text).toContain('ringline_connections_open 2');
    expect(text).toContain('ringline_commands_total{command="BUY"} 2');
    expect(text).toContain('ringline_results_total{code="402",name="INSUFFICIENT_STOCK"} 1');
    expect(text).toContain('ringline_engine_sequences_published 10');
    expect(text).toContain('ringline_engine_sequences_durable 9');
    expect(text).toContain('ringline_engine_journal_fsync_us_last 120.500000');
    expect(text).toContain('ringline_engine_gc_1 4');
    expect(text).toContain('ringline_sessions 5');
    for (const line of text.trim().split('\n')) expect(line).toMatch(/^(# (HELP|TYPE) \w+ .+|\w+(\{[^}]*\})? -?[\d.e+]+)$/);
  });
});
