/**
 * The README's first commands run as written: its curl session (test_support/readme_session.ts reads
 * it from README.md) replayed with fetch against a fresh engine with default options, each answer
 * compared with the JSON the README shows. A README example that drifts from the engine fails here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { ADMIN_KEY, startE2eServer, type E2eServer } from './test_support/e2e_harness.ts';
import { readSession, type SessionStep } from './test_support/readme_session.ts';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('the README curl session', () => {
  const steps: SessionStep[] = readSession(README);
  let e2e: E2eServer;

  beforeAll(async () => {
    e2e = await startE2eServer({ durability: 'fsync' }); // what `npx ringline start` runs: fsync, default capacities
  }, 60_000);

  afterAll(async () => {
    await e2e?.stop();
  });

  it('has several requests, each with the answer it promises', () => {
    expect(steps.length).toBeGreaterThanOrEqual(8);
    for (const step of steps) expect(step.expected, step.command).not.toBeNull();
  });

  it('gets, on a fresh engine, exactly the answers the README shows, in order', async () => {
    for (const step of steps) {
      const response = await fetch(`${e2e.httpUrl}${step.path}`, {
        method: step.method,
        headers: step.authorized ? { authorization: `Bearer ${ADMIN_KEY}` } : {},
        body: step.body ?? undefined,
      });
      const actual: unknown = JSON.parse(await response.text());
      expect(actual, step.command).toEqual(JSON.parse(step.expected ?? 'null'));
    }
  }, 60_000);
});

describe('readSession', () => {
  it('reads curl lines with continuations and the answers under them', () => {
    const steps = readSession([
      '<!-- session: replayed by test/readme_session.test.ts -->', '```sh', 'KEY=$(cat data/admin.key)',
      'curl -s localhost:7401/readyz', '# {"status":"ready"}',
      'curl -s localhost:7401/v1/commands/buy -H "authorization: Bearer $KEY" \\', "     -d '{\"itemId\":1}'", '# {"code":0,', '#  "sequence":6}', '```',
    ].join('\n'));
    expect(steps.map((s) => [s.method, s.path, s.body, s.authorized, s.expected])).toEqual([
      ['GET', '/readyz', null, false, '{"status":"ready"}'],
      ['POST', '/v1/commands/buy', '{"itemId":1}', true, '{"code":0,"sequence":6}'],
    ]);
  });

  it('refuses a README without the marked session', () => {
    expect(() => readSession('# no session here')).toThrow(/has no <!-- session/);
  });
});
