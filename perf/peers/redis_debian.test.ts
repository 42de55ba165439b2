/**
 * The Redis peer on a machine without redis-server: Debian's packages fetched without root and
 * unpacked into a cache, their extra libraries found, a real server started from them and answering.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { fetchDebianRedis, locateRedis, missingLibraries } from './redis_debian.ts';
import { startRedis } from './redis_server.ts';

const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'ringline-redis-debian-'));
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

describe('redis-server from Debian packages', () => {
  it('fetches and unpacks the packages, resolves every library, and the server answers', async () => {
    const lines: string[] = [];
    const fetched = fetchDebianRedis(cacheDir, (l) => lines.push(l));
    expect(fetched.source).toBe('debian packages (fetched now)');
    expect(lines[0]).toContain('apt-get download redis-server redis-tools liblzf1 libjemalloc2');
    expect(missingLibraries(fetched)).toEqual([]);
    // Without the unpacked libraries on LD_LIBRARY_PATH the same binary lacks liblzf and jemalloc: the check sees it.
    expect(missingLibraries({ ...fetched, env: { LD_LIBRARY_PATH: '' } }).join(' ')).toMatch(/liblzf/);
    const located = locateRedis(() => undefined, cacheDir); // the cache (or PATH, where a machine has redis-server)
    const server = await startRedis(located.path, 'default', located.env);
    try {
      const client = new Redis({ host: server.host, port: server.port, lazyConnect: true, maxRetriesPerRequest: 0 });
      await client.connect();
      expect(await client.ping()).toBe('PONG');
      await client.quit();
      expect(server.version).toMatch(/^\d+\.\d+/);
    } finally {
      await server.stop();
    }
  }, 180_000);
});
