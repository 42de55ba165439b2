// etcd comes from the project's own files: a fresh cache gets Debian's etcd-server unpacked into it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureEtcd, etcdVersion } from './ensure_etcd.ts';

const cache = mkdtempSync(join(tmpdir(), 'ringline-etcd-cache-'));
afterAll(() => rmSync(cache, { recursive: true, force: true }));
/** An environment where etcd is not on PATH, so only the cache (or a download) can provide it. */
const noEtcdEnv = { PATH: '/nonexistent', RINGLINE_ETCD_CACHE: cache } as NodeJS.ProcessEnv;

describe('ensureEtcd', () => {
  it('downloads and unpacks etcd-server into an empty cache, then reuses it', () => {
    const path = ensureEtcd(noEtcdEnv);
    expect(path).toBe(join(cache, 'root', 'usr', 'bin', 'etcd'));
    expect(etcdVersion(path)).toMatch(/^3\.\d+\.\d+/);
    expect(ensureEtcd(noEtcdEnv)).toBe(path);
  });

  it('refuses a RINGLINE_ETCD_BIN that is not a working etcd', () => {
    expect(() => ensureEtcd({ RINGLINE_ETCD_BIN: '/bin/true' })).toThrow(/RINGLINE_ETCD_BIN=\/bin\/true is not an etcd binary that runs/);
    expect(() => ensureEtcd({ RINGLINE_ETCD_BIN: join(cache, 'missing') })).toThrow(/is not an etcd binary/);
  });

  it('uses an etcd found on PATH', () => {
    const path = ensureEtcd(noEtcdEnv);
    const folder = join(cache, 'root', 'usr', 'bin');
    expect(ensureEtcd({ PATH: folder, RINGLINE_ETCD_CACHE: join(cache, 'unused') })).toBe(join(folder, 'etcd'));
    expect(path).toBe(join(folder, 'etcd'));
  });
});
