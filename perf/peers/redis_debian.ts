/**
 * Redis for the peers bench on a machine without it: Debian's own packages, fetched without root
 * (`apt-get download`, which needs only the package lists) and unpacked with `dpkg-deb -x` into a cache
 * under perf/out/ (git-ignored). The server links two libraries a bare Debian lacks (liblzf, jemalloc):
 * they come from their packages too and are found through LD_LIBRARY_PATH; anything else `ldd` still
 * cannot resolve is named in the error.
 *
 *   const redis = locateRedis(log);   // PATH / RINGLINE_REDIS_SERVER first, else the cache, else fetch
 *   spawn(redis.path, args, { env: { ...process.env, ...redis.env } });
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { redisServerPath } from './redis_server.ts';

export interface RedisBinary {
  readonly path: string;
  /** Extra environment for the server process (LD_LIBRARY_PATH for unpacked libraries). */
  readonly env: Readonly<Record<string, string>>;
  /** Where it came from, for the log and the row. */
  readonly source: 'PATH' | 'debian packages (cached)' | 'debian packages (fetched now)';
}

/** The Debian packages that together hold redis-server and the libraries it needs beyond a base system. */
export const REDIS_DEBIAN_PACKAGES = ['redis-server', 'redis-tools', 'liblzf1', 'libjemalloc2'] as const;

export const REDIS_CACHE_DIR_DEFAULT = fileURLToPath(new URL('../out/cache/redis-debian/', import.meta.url));

function unpacked(cacheDir: string): RedisBinary | null {
  const binary = path.join(cacheDir, 'root/usr/bin/redis-server');
  if (!existsSync(binary)) return null;
  const libDirs = ['root/usr/lib/x86_64-linux-gnu', 'root/usr/lib/aarch64-linux-gnu', 'root/usr/lib']
    .map((d) => path.join(cacheDir, d)).filter((d) => existsSync(d));
  return { path: binary, env: { LD_LIBRARY_PATH: [...libDirs, process.env.LD_LIBRARY_PATH ?? ''].filter((d) => d !== '').join(':') }, source: 'debian packages (cached)' };
}

/** Shared libraries the binary still cannot resolve with `env` (ldd's "not found" lines). */
export function missingLibraries(binary: RedisBinary): string[] {
  const out = execFileSync('ldd', [binary.path], { env: { ...process.env, ...binary.env }, encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes('not found')).map((l) => l.trim().split(/\s+/)[0]);
}

/** Downloads and unpacks the packages into `cacheDir`; throws naming the step that failed. */
export function fetchDebianRedis(cacheDir: string, log: (line: string) => void): RedisBinary {
  mkdirSync(cacheDir, { recursive: true });
  log(`redis-server is not on PATH: apt-get download ${REDIS_DEBIAN_PACKAGES.join(' ')} into ${cacheDir}`);
  try {
    execFileSync('apt-get', ['download', ...REDIS_DEBIAN_PACKAGES], { cwd: cacheDir, stdio: ['ignore', 'ignore', 'pipe'], timeout: 120_000 });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim() ?? '';
    throw new Error(`apt-get download ${REDIS_DEBIAN_PACKAGES.join(' ')} failed (${(err as Error).message.split('\n')[0]}): ${stderr}; ` +
      'run apt-get update, or install redis-server, or set RINGLINE_REDIS_SERVER');
  }
  for (const name of readdirSync(cacheDir).filter((n) => n.endsWith('.deb'))) {
    execFileSync('dpkg-deb', ['-x', path.join(cacheDir, name), path.join(cacheDir, 'root')]);
  }
  const binary = unpacked(cacheDir);
  if (binary === null) throw new Error(`the packages in ${cacheDir} hold no usr/bin/redis-server`);
  return { ...binary, source: 'debian packages (fetched now)' };
}

/** redis-server from PATH (or RINGLINE_REDIS_SERVER), else from the cache, else fetched now; checked to run. */
export function locateRedis(log: (line: string) => void, cacheDir: string = REDIS_CACHE_DIR_DEFAULT): RedisBinary {
  const onPath = redisServerPath();
  if (onPath !== null) return { path: onPath, env: {}, source: 'PATH' };
  const binary = unpacked(cacheDir) ?? fetchDebianRedis(cacheDir, log);
  const missing = missingLibraries(binary);
  if (missing.length > 0) throw new Error(`${binary.path} needs shared libraries this machine lacks: ${missing.join(', ')}`);
  const version = execFileSync(binary.path, ['--version'], { env: { ...process.env, ...binary.env }, encoding: 'utf8' }).trim();
  log(`redis-server from ${binary.source}: ${version}`);
  return binary;
}
