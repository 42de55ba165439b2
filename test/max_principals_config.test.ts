/**
 * `engine.logic.maxPrincipals` in the config file reaches a real `ringline start`: with 2 rows in the
 * quota table the third principal given a quota is QUOTA_TABLE_FULL. A bad value stops start-up
 * before anything runs, with a message naming the option and its range. The same engine takes
 * reserveIds over HTTP: an account id reserved for principal 2 cannot be given to principal 3.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResultCode } from '../codec/result_codes.ts';
import { spawnRingline } from './test_support/ringline_child.ts';

function startEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.RINGLINE_ADMIN_KEY;
  delete env.RINGLINE_CONFIG;
  return env;
}

describe('maxPrincipals from the config file, id ranges over HTTP', () => {
  it('sizes the quota table of a running engine', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ringline-principals-'));
    const config = join(dataDir, 'ringline.json');
    writeFileSync(config, JSON.stringify({ engine: { logic: { maxPrincipals: 2 } } }));
    const engine = spawnRingline(['start', '--config', config, '--data', join(dataDir, 'data'), '--tcp-port', '0', '--ws-port', '0',
      '--durability', 'none'], startEnv());
    try {
      const listening = await engine.waitFor((out) => out.split('\n').slice(0, -1).filter((l) => l.includes('"wsPort"'))
        .map((l) => JSON.parse(l) as { wsPort: number })[0]);
      const key = readFileSync(join(dataDir, 'data', 'admin.key'), 'utf8').trim();
      const setQuota = async (principalId: number): Promise<number> => {
        const reply = await fetch(`http://127.0.0.1:${listening.wsPort}/v1/commands/setQuota`, {
          method: 'POST', headers: { authorization: `Bearer ${key}` }, body: JSON.stringify({ principalId, quota: 'accounts', limit: 5 }),
        });
        return ((await reply.json()) as { code: number }).code;
      };
      expect([await setQuota(2), await setQuota(3), await setQuota(4), await setQuota(2)])
        .toEqual([ResultCode.OK, ResultCode.OK, ResultCode.QUOTA_TABLE_FULL, ResultCode.OK]);
      const call = async (type: string, body: object): Promise<{ code: number; message?: string }> => {
        const reply = await fetch(`http://127.0.0.1:${listening.wsPort}/v1/commands/${type}`, {
          method: 'POST', headers: { authorization: `Bearer ${key}` }, body: JSON.stringify(body),
        });
        return (await reply.json()) as { code: number; message?: string };
      };
      expect((await call('reserveIds', { principalId: 2, idKind: 'accounts', firstId: 1000, lastId: 1999 })).code).toBe(ResultCode.OK);
      const refused = await call('createAccount', { accountId: 1500, ownerPrincipalId: 3 });
      expect(refused).toMatchObject({ code: ResultCode.ID_RESERVED, message: 'this id lies in a range an admin reserved for another principal' });
      expect((await call('createAccount', { accountId: 1500, ownerPrincipalId: 2 })).code).toBe(ResultCode.OK);
    } finally {
      engine.child.kill('SIGTERM');
      await engine.exited;
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);

  it('refuses a bad value before starting, naming the option and its range', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ringline-principals-'));
    const config = join(dataDir, 'ringline.json');
    writeFileSync(config, JSON.stringify({ engine: { logic: { maxPrincipals: 0 } } }));
    const engine = spawnRingline(['start', '--config', config, '--data', join(dataDir, 'data'), '--tcp-port', '0', '--ws-port', '0'], startEnv());
    try {
      expect(await engine.exited).not.toBe(0);
      expect(engine.stderr() + engine.stdout()).toContain('maxPrincipals must be an integer between 1 and 268435456, got 0');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
