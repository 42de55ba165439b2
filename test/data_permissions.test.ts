/**
 * Everything the engine writes is readable by its own user only: journal segments, snapshots, the
 * principal store (files 0600) and the directories holding them (0700), whatever the umask allows.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN_KEY, must, startE2eServer, type E2eServer } from './test_support/e2e_harness.ts';

const mode = (path: string): number => statSync(path).mode & 0o777;

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('data file permissions', () => {
  let e2e: E2eServer | null = null;
  afterAll(async () => { await e2e?.stop(); });

  it('journal, snapshots and principals are 0600 in 0700 directories', async () => {
    const previous = process.umask(0o022); // the usual umask: it would leave 0644 / 0755
    try {
      e2e = await startE2eServer({ durability: 'fsync' });
      const admin = await e2e.connect('tcp', ADMIN_KEY);
      e2e.addPrincipal('alice');
      await must(admin, { type: 'createAsset', assetId: 1 });
      await must(admin, { type: 'snapshot' });
      await admin.close();
      const snapshots = join(e2e.dataDir, 'snapshots');
      await until(() => existsSync(snapshots) && readdirSync(snapshots, { withFileTypes: true }).some((d) => d.isFile() && !d.name.endsWith('.tmp')), 'a snapshot file');
      const journal = join(e2e.dataDir, 'journal');
      const files = [
        ...readdirSync(journal).map((n) => join(journal, n)),
        ...readdirSync(snapshots).map((n) => join(snapshots, n)),
        join(e2e.dataDir, 'principals.json'),
      ];
      expect(files.length).toBeGreaterThanOrEqual(3);
      expect(Object.fromEntries(files.map((f) => [f, mode(f).toString(8)]))).toEqual(Object.fromEntries(files.map((f) => [f, '600'])));
      expect([mode(journal), mode(snapshots)].map((m) => m.toString(8))).toEqual(['700', '700']);
    } finally {
      process.umask(previous);
    }
  });
});
