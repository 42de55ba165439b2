/**
 * The log stream of `ringline start` as an operator's log collector sees it (stdout and stderr piped,
 * not a terminal): every line a JSON object with time and level; the admin key generated on first start
 * is in DATA/admin.key (mode 0600) and appears nowhere in what the process wrote — yet it works.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnRingline } from './test_support/ringline_child.ts';

describe('ringline start logs', () => {
  it('writes JSON lines with time and level, and never the generated admin key', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ringline-logs-'));
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.RINGLINE_ADMIN_KEY;
    delete env.RINGLINE_LOG_FORMAT;
    const engine = spawnRingline(['start', '--data', dataDir, '--tcp-port', '0', '--ws-port', '0', '--durability', 'none'], env);
    try {
      const listening = await engine.waitFor((out) => out.split('\n').slice(0, -1).filter((l) => l.includes('"wsPort"')).map((l) => JSON.parse(l) as { wsPort: number })[0]);
      const keyFile = join(dataDir, 'admin.key');
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      const key = readFileSync(keyFile, 'utf8').trim();
      expect(key).toMatch(/^rk_1_[A-Za-z0-9_-]{20,}$/);
      const created = await fetch(`http://127.0.0.1:${listening.wsPort}/v1/commands/createAsset`, {
        method: 'POST', headers: { authorization: `Bearer ${key}` }, body: '{"assetId":1}',
      });
      expect(((await created.json()) as { code: number }).code).toBe(0);
    } finally {
      engine.child.kill('SIGTERM');
    }
    await engine.expectExit(0);
    const [stdout, stderr] = [engine.stdout(), engine.stderr()];
    const key = readFileSync(join(dataDir, 'admin.key'), 'utf8').trim();
    const secret = key.slice('rk_1_'.length);
    expect(stdout + stderr).not.toContain(secret);
    expect(stdout + stderr).toContain(join(dataDir, 'admin.key')); // where to find it is logged
    const lines = (stdout + stderr).split('\n').filter((l) => l !== '');
    expect(lines.length).toBeGreaterThan(4);
    for (const line of lines) {
      const record = JSON.parse(line) as { time?: unknown; level?: unknown; msg?: unknown };
      expect(typeof record.msg, line).toBe('string');
      expect(['info', 'warn', 'error', 'fatal'], line).toContain(record.level);
      expect(Number.isNaN(Date.parse(String(record.time))), line).toBe(false);
    }
    expect(lines.some((l) => l.includes('"msg":"stopped"'))).toBe(true);
    rmSync(dataDir, { recursive: true, force: true });
  }, 120_000);
});
