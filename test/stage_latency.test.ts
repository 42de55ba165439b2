/**
 * Per-stage latency end to end: a real engine (logic, journaler with fdatasync) behind the real gateway,
 * commands over TCP and WebSocket, then GET /metrics. Every sampled command (1 in SAMPLE_EVERY) lands
 * in each stage's histogram; the stages add up (total ≥ publish + journal + reply for every sample).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_EVERY } from '../core/stage_stamps_descriptor.ts';
import { parseExposition, type ExpositionFamily } from '../gateway/test_support/exposition_text.ts';
import { ADMIN_KEY, startE2eServer, type E2eServer } from './test_support/e2e_harness.ts';

const NAME = 'ringline_stage_latency_seconds';

describe('per-stage latency in /metrics', () => {
  let e2e: E2eServer;
  let stages: ExpositionFamily;
  let published = 0;

  beforeAll(async () => {
    e2e = await startE2eServer({ durability: 'fsync' });
    for (const transport of ['tcp', 'ws'] as const) {
      const channel = await e2e.connect(transport, ADMIN_KEY, 256);
      const replies = await Promise.all(Array.from({ length: 3 * SAMPLE_EVERY }, (_, i) =>
        channel.send({ type: 'createAccount', accountId: (transport === 'tcp' ? 1 : 1_000_000) + i })));
      expect(replies.every((r) => r.code === 0)).toBe(true);
      await channel.close();
    }
    published = e2e.engine.metrics().sequences.published;
    const text = await (await fetch(`${e2e.httpUrl}/metrics`)).text();
    const family = parseExposition(text).get(NAME);
    if (family === undefined) throw new Error(`no ${NAME} in /metrics`);
    stages = family;
  }, 120_000);

  afterAll(async () => {
    await e2e?.stop();
  });

  const value = (metric: string, stage: string): number => {
    const sample = stages.samples.find((s) => s.name === metric && s.labels.stage === stage);
    if (sample === undefined) throw new Error(`no ${metric}{stage="${stage}"}`);
    return sample.value;
  };

  it('is a histogram in seconds with one series per stage (no replicate stage without replication)', () => {
    expect(stages.type).toBe('histogram');
    expect(stages.help).toMatch(/stage/);
    expect([...new Set(stages.samples.map((s) => s.labels.stage))].sort()).toEqual(['apply', 'journal', 'publish', 'reply', 'total']);
    for (const stage of ['publish', 'apply', 'journal', 'reply', 'total']) {
      const buckets = stages.samples.filter((s) => s.name === `${NAME}_bucket` && s.labels.stage === stage);
      expect(buckets.at(-1)?.labels.le).toBe('+Inf');
      for (let i = 1; i < buckets.length; i++) expect(buckets[i].value).toBeGreaterThanOrEqual(buckets[i - 1].value);
      expect(buckets.at(-1)?.value).toBe(value(`${NAME}_count`, stage));
    }
  });

  it('counts every sampled command in every stage', () => {
    const sampled = Math.floor(published / SAMPLE_EVERY);
    expect(sampled).toBeGreaterThanOrEqual(6);
    for (const stage of ['apply', 'journal', 'reply']) expect(value(`${NAME}_count`, stage), stage).toBe(sampled);
    // Every command here came from a socket, so every sample has its receive time.
    expect(value(`${NAME}_count`, 'publish')).toBe(sampled);
    expect(value(`${NAME}_count`, 'total')).toBe(sampled);
  });

  it('adds up: total covers publish, the journal (fdatasync) and the reply; the journal took real time', () => {
    const sum = (stage: string): number => value(`${NAME}_sum`, stage);
    expect(sum('journal')).toBeGreaterThan(0);
    expect(sum('total')).toBeGreaterThanOrEqual((sum('publish') + sum('journal') + sum('reply')) * 0.999);
    expect(sum('total')).toBeGreaterThanOrEqual((sum('publish') + sum('apply') + sum('reply')) * 0.999);
    // Seconds, not µs: a command on this machine takes well under 10 s end to end.
    expect(sum('total') / value(`${NAME}_count`, 'total')).toBeLessThan(10);
  });
});
