/**
 * GET /metrics of a real engine (workers, journal with fdatasync) after real traffic over TCP, WebSocket
 * and HTTP: prom-client's exposition parsed line by line. Every family has HELP and TYPE; counters end
 * in _total; durations are seconds; threads and transports are labels; histograms are real (cumulative
 * buckets ending in +Inf, _sum, _count); no placeholder values; process and Node metrics and build info
 * are there. /livez and /readyz answer separately from /health.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExposition, type ExpositionFamily } from '../gateway/test_support/exposition_text.ts';
import { metricSample, SoakSeries } from '../perf/engine/engine_metrics.ts';
import { ADMIN_KEY, must, startE2eServer, type E2eServer } from './test_support/e2e_harness.ts';

describe('GET /metrics of a running engine', () => {
  let e2e: E2eServer;
  let families: Map<string, ExpositionFamily>;
  let text = '';

  beforeAll(async () => {
    e2e = await startE2eServer({ durability: 'fsync' });
    for (const transport of ['tcp', 'ws', 'http'] as const) {
      const channel = await e2e.connect(transport, ADMIN_KEY);
      await must(channel, { type: 'createAsset', assetId: transport === 'tcp' ? 1 : transport === 'ws' ? 2 : 3 });
      await channel.close();
    }
    const response = await fetch(`${e2e.httpUrl}/metrics`);
    expect(response.status).toBe(200);
    text = await response.text();
    families = parseExposition(text);
  }, 60_000);

  afterAll(async () => {
    await e2e?.stop();
  });

  const family = (name: string): ExpositionFamily => {
    const f = families.get(name);
    if (f === undefined) throw new Error(`no family ${name} in:\n${text}`);
    return f;
  };

  it('has the series the soak bench follows (a renamed metric would leave its timeline NaN)', () => {
    expect(metricSample(text, SoakSeries.SNAPSHOTS)).toBe(0);
    expect(metricSample(text, SoakSeries.LOGIC_GC_EVENTS)).toBeGreaterThanOrEqual(0);
    expect(metricSample(text, SoakSeries.LOGIC_GC_PAUSE_S)).toBeGreaterThanOrEqual(0);
    expect(family(SoakSeries.SNAPSHOT_PAUSE_MAX_S.slice(0, SoakSeries.SNAPSHOT_PAUSE_MAX_S.indexOf('{'))).type).toBe('gauge');
  });

  it('gives every family a HELP and a TYPE', () => {
    expect(families.size).toBeGreaterThan(40);
    const missing = [...families.values()].filter((f) => f.help === null || f.help.trim() === '' || f.type === null).map((f) => f.name);
    expect(missing).toEqual([]);
  });

  it('names counters _total (and no ringline gauge so); no thread name or unit other than seconds/bytes in a ringline name', () => {
    for (const f of families.values()) {
      if (f.type === 'counter') expect(f.name, f.name).toMatch(/_total$/);
      // prom-client's own nodejs_active_resources_total is a gauge: the rule is ours, not Node's.
      if (!f.name.startsWith('ringline_')) continue;
      if (f.type !== 'counter') expect(f.name, f.name).not.toMatch(/_total$/);
      expect(f.name, f.name).not.toMatch(/_(main|logic|journaler|replicator|tcp|ws)(_|$)/); // HTTP requests exist only over HTTP
      expect(f.name, f.name).not.toMatch(/_(ms|us|ns|micros|millis)(_|$)/);
    }
  });

  it('has no placeholder values in ringline families: nothing negative, nothing NaN', () => {
    for (const f of families.values()) {
      if (!f.name.startsWith('ringline_')) continue;
      for (const s of f.samples) {
        expect(Number.isNaN(s.value), `${s.name} ${JSON.stringify(s.labels)}`).toBe(false);
        expect(s.value, `${s.name} ${JSON.stringify(s.labels)}`).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it('labels threads and transports', () => {
    expect(family('ringline_gc_events_total').type).toBe('counter');
    expect(family('ringline_gc_events_total').samples.map((s) => s.labels.thread).sort()).toEqual(['journaler', 'logic', 'main']);
    expect(family('ringline_gc_pause_seconds_total').samples.map((s) => s.labels.thread).sort()).toEqual(['journaler', 'logic', 'main']);
    expect(family('ringline_connections_open').samples.map((s) => s.labels.transport).sort()).toEqual(['tcp', 'ws']);
  });

  it('counts what was sent: commands by name, results by code, sequences by stage', () => {
    const commands = family('ringline_commands_total').samples.find((s) => s.labels.command === 'CREATE_ASSET');
    expect(commands?.value).toBe(3);
    const ok = family('ringline_results_total').samples.find((s) => s.labels.code === '0');
    expect(ok).toMatchObject({ labels: { name: 'OK' } });
    expect(ok?.value).toBeGreaterThanOrEqual(3);
    const stages = Object.fromEntries(family('ringline_sequence').samples.map((s) => [s.labels.stage, s.value]));
    expect(stages.published).toBeGreaterThanOrEqual(3);
    expect(stages.durable).toBe(stages.published);
    expect(Object.keys(stages).sort()).toEqual(['applied', 'durable', 'published', 'released']);
    expect(family('ringline_journal_records_total').samples[0].value).toBeGreaterThanOrEqual(3);
  });

  it('exposes real histograms in seconds: fsync time, journal batch size, command latency', () => {
    for (const name of ['ringline_journal_fsync_seconds', 'ringline_journal_batch_records', 'ringline_command_latency_seconds']) {
      const f = family(name);
      expect(f.type, name).toBe('histogram');
      const buckets = f.samples.filter((s) => s.name === `${name}_bucket`);
      const les = buckets.map((b) => Number(b.labels.le === '+Inf' ? Infinity : b.labels.le));
      expect(les.at(-1), name).toBe(Infinity);
      for (let i = 1; i < buckets.length; i++) {
        expect(les[i], name).toBeGreaterThan(les[i - 1]);
        expect(buckets[i].value, name).toBeGreaterThanOrEqual(buckets[i - 1].value);
      }
      const count = f.samples.find((s) => s.name === `${name}_count`)?.value;
      expect(count, name).toBe(buckets.at(-1)?.value);
      expect(count, name).toBeGreaterThan(0);
      expect(f.samples.find((s) => s.name === `${name}_sum`)?.value, name).toBeGreaterThan(0);
    }
    // Seconds: an fdatasync on this machine takes well under 10 s and well over 1 ns.
    const fsync = family('ringline_journal_fsync_seconds');
    const mean = (fsync.samples.find((s) => s.name.endsWith('_sum'))?.value ?? 0) / (fsync.samples.find((s) => s.name.endsWith('_count'))?.value ?? 1);
    expect(mean).toBeGreaterThan(1e-7);
    expect(mean).toBeLessThan(10);
    expect(family('ringline_command_latency_seconds').samples.find((s) => s.name.endsWith('_count'))?.value).toBeGreaterThanOrEqual(3);
  });

  it('includes the process and Node.js metrics and the build info', () => {
    expect(family('process_cpu_seconds_total').type).toBe('counter');
    expect(family('process_resident_memory_bytes').samples[0].value).toBeGreaterThan(0);
    expect(family('nodejs_heap_size_used_bytes').type).toBe('gauge');
    expect(family('nodejs_eventloop_lag_seconds').type).toBe('gauge');
    const info = family('ringline_build_info').samples[0];
    expect(info.value).toBe(1);
    expect(info.labels.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(info.labels.node_version).toBe(process.version);
    expect(family('ringline_engine_info').samples[0].labels).toMatchObject({ durability: 'fsync', replication: 'off' });
  });

  it('answers liveness and readiness apart from /health', async () => {
    expect((await fetch(`${e2e.httpUrl}/livez`)).status).toBe(200);
    const ready = await fetch(`${e2e.httpUrl}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready' }]);
    expect(await (await fetch(`${e2e.httpUrl}/health`)).json()).toMatchObject({ status: 'ok' });
  });
});

describe('parseExposition', () => {
  it('fails on a family without HELP or TYPE, as a scraper-side check would', () => {
    const families = parseExposition('# HELP a_total A\n# TYPE a_total counter\na_total 1\nb_gauge 2\n');
    const missing = [...families.values()].filter((f) => f.help === null || f.type === null).map((f) => f.name);
    expect(missing).toEqual(['b_gauge']);
  });

  it('groups histogram parts under their family and rejects malformed lines', () => {
    const families = parseExposition('# HELP h H\n# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 3\nh_count 2\n');
    expect([...families.keys()]).toEqual(['h']);
    expect(families.get('h')?.samples.length).toBe(4);
    expect(() => parseExposition('what is this\n')).toThrow(/not an exposition line/);
    expect(() => parseExposition('x{a="1",b} 1\n')).toThrow(/malformed labels/);
  });
});
