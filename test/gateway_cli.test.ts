/**
 * The `ringline` command as a user runs it: `start` in a child process on ephemeral ports, `call`
 * and `principal add` as separate processes against it, then SIGTERM: drain and exit 0.
 */
import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRingline, spawnRingline } from './test_support/ringline_child.ts';

const ADMIN_KEY = 'cli-test-admin-key-0123456789';

function ringline(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return runRingline(args, { ...process.env, ...env });
}

describe('ringline CLI', () => {
  it('rejects bad options with a message naming the option, and prints help', async () => {
    const bad = await ringline(['start', '--ws-port', '123456']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('wsPort must be an integer in [-1, 65535], got 123456');
    const help = await ringline(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('ringline start');
    expect(help.stdout).toContain('RINGLINE_TCP_PORT');
  });

  it('starts, serves call and principal add from other processes, and exits 0 on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ringline-cli-'));
    const engine = spawnRingline(['start', '--data', dataDir, '--tcp-port', '0', '--ws-port', '0', '--durability', 'batch'], { ...process.env, RINGLINE_ADMIN_KEY: ADMIN_KEY });
    try {
      const match = await engine.waitFor((out) => /TCP listening on [\d.]+:(\d+); WebSocket \+ HTTP\/JSON listening on [\d.]+:(\d+)/.exec(out), 30_000);
      const tcpUrl = `tcp://127.0.0.1:${match[1]}`;
      const httpUrl = `http://127.0.0.1:${match[2]}`;
      expect(engine.stdout()).toContain('durability batch');

      const asset = await ringline(['call', 'create-asset', '--json', '{"assetId":1}', '--url', tcpUrl], { RINGLINE_ADMIN_KEY: ADMIN_KEY });
      expect(asset.status, asset.stderr).toBe(0);
      expect(JSON.parse(asset.stdout)).toMatchObject({ code: 0, command: 'createAsset' });

      // A principal added offline (file only) is picked up by the running server on first use.
      const added = await ringline(['principal', 'add', '--name', 'alice', '--data', dataDir], { RINGLINE_ADMIN_KEY: ADMIN_KEY });
      expect(added.status, added.stderr).toBe(0);
      const alice = JSON.parse(added.stdout.trim().split('\n').at(-1) as string) as { id: number; key: string };
      const account = await ringline(['call', 'createAccount', '--json', '{"accountId":7}', '--key', alice.key, '--url', tcpUrl]);
      expect(account.status, account.stderr).toBe(0);
      const refused = await ringline(['call', 'deposit', '--json', '{"accountId":7,"assetId":1,"amount":5}', '--key', alice.key, '--url', tcpUrl]);
      expect(refused.status).toBe(1);
      expect(JSON.parse(refused.stdout)).toMatchObject({ code: 203, status: 'ADMIN_REQUIRED' });

      // And one added through the admin route of the running server.
      const viaHttp = await ringline(['principal', 'add', '--name', 'bob', '--url', httpUrl, '--key', ADMIN_KEY]);
      expect(viaHttp.status, viaHttp.stdout + viaHttp.stderr).toBe(0);
      const bobKey = (JSON.parse(viaHttp.stdout) as { key: string }).key;
      const health = await fetch(`${httpUrl}/health`);
      expect(health.status).toBe(200);
      const r = await fetch(`${httpUrl}/v1/commands/getBalance`, {
        method: 'POST', headers: { authorization: `Bearer ${bobKey}` }, body: '{"accountId":7,"assetId":1}',
      });
      expect(((await r.json()) as { code: number }).code).toBe(303); // ACCOUNT_NOT_FOUND: bob may not read alice's account, nor learn it exists
      // bob is replicated state (a journaled CREATE_PRINCIPAL): rotate gives a new key and kills the old one, revoke kills both.
      const bob = JSON.parse(viaHttp.stdout) as { id: number; key: string };
      expect(bob.id).toBeGreaterThanOrEqual(1_000_000);
      const balanceWith = async (key: string): Promise<number> => ((await (await fetch(`${httpUrl}/v1/commands/getBalance`, {
        method: 'POST', headers: { authorization: `Bearer ${key}` }, body: '{"accountId":7,"assetId":1}',
      })).json()) as { code: number }).code;
      const rotated = await ringline(['principal', 'rotate', '--id', String(bob.id), '--url', httpUrl, '--key', ADMIN_KEY]);
      expect(rotated.status, rotated.stdout + rotated.stderr).toBe(0);
      const newKey = (JSON.parse(rotated.stdout) as { key: string }).key;
      expect(await balanceWith(bobKey)).toBe(201); // BAD_CREDENTIALS
      expect(await balanceWith(newKey)).toBe(303);
      const revoked = await ringline(['principal', 'revoke', '--id', String(bob.id), '--url', httpUrl, '--key', ADMIN_KEY]);
      expect(revoked.status, revoked.stdout + revoked.stderr).toBe(0);
      expect(JSON.parse(revoked.stdout)).toEqual({ id: bob.id, revoked: true });
      expect(await balanceWith(newKey)).toBe(201);
      const again = await ringline(['principal', 'revoke', '--id', String(bob.id), '--url', httpUrl, '--key', ADMIN_KEY]);
      expect(again.status).toBe(1);
      expect(again.stderr).toContain('PRINCIPAL_REVOKED');
      expect((await ringline(['principal', 'revoke', '--id', 'x', '--url', httpUrl, '--key', ADMIN_KEY])).stderr).toContain('--id must be a principal id');
    } finally {
      engine.child.kill('SIGTERM');
    }
    await engine.expectExit(0);
    expect(engine.stdout()).toContain('stopped');
    rmSync(dataDir, { recursive: true, force: true });
  }, 180_000); // a dozen CLI processes one after another: over 60 s at load 25
});
