/**
 * Finds an etcd server binary, installing one from Debian's `etcd-server` package when none is there,
 * without root and without touching the system: the package is downloaded with `apt-get download` and
 * unpacked with `dpkg-deb -x` into a cache folder of this checkout.
 *
 *   1. $RINGLINE_ETCD_BIN, when set (must be an etcd that runs);
 *   2. `etcd` on PATH;
 *   3. the cache, `<repo>/.cache/etcd` (or $RINGLINE_ETCD_CACHE);
 *   4. apt-get download + dpkg-deb -x into the cache. When apt's package lists do not know the package
 *      (a fresh machine), the lists are refreshed: as root with `apt-get update`, otherwise into a
 *      private lists folder inside the cache (apt's Dir::State::Lists / Dir::Cache options).
 *
 * Run as a script it prints the binary's path: `node --import tsx scripts/ensure_etcd.ts`. Anything
 * that cannot be done throws with the command that failed and its output: a test that needs etcd must
 * fail loudly, never skip.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { isRoot, privateAptOptions, runCommand, runOrThrow as runOrThrowAs, versionOutput, type RunResult } from './apt_packages.ts';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ETCD_PACKAGE = 'etcd-server';
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Where the unpacked package lives: <cache>/root/usr/bin/etcd. */
export const DEFAULT_ETCD_CACHE = join(REPO_ROOT, '.cache', 'etcd');

const run = (command: string, args: readonly string[], cwd?: string): RunResult => runCommand(command, args, { cwd });
const runOrThrow = (command: string, args: readonly string[], cwd?: string): void => {
  runOrThrowAs('ensure_etcd', command, args, { cwd });
};

/** The version line of a working etcd binary, or null when `path` is missing or does not run. */
export function etcdVersion(path: string): string | null {
  const output = versionOutput(path);
  if (output === null) return null;
  const line = output.split('\n').find((l) => l.startsWith('etcd Version:'));
  return line === undefined ? null : line.slice('etcd Version:'.length).trim();
}

function onPath(name: string, path: string): string | null {
  for (const folder of path.split(delimiter)) {
    if (folder === '') continue;
    const candidate = join(folder, name);
    if (etcdVersion(candidate) !== null) return candidate;
  }
  return null;
}

/** Downloads the .deb into `folder`; refreshes apt's lists first when they do not know the package. */
function downloadPackage(folder: string, cacheDir: string): void {
  let options: string[] = [];
  let first = run('apt-get', ['download', ETCD_PACKAGE], folder);
  if (first.status === null) throw new Error(`ensure_etcd: apt-get is not available (${first.output}); install etcd or set RINGLINE_ETCD_BIN`);
  if (first.status === 0) return;
  if (isRoot()) {
    runOrThrow('apt-get', ['update']);
  } else {
    options = privateAptOptions(cacheDir);
    runOrThrow('apt-get', [...options, 'update']);
  }
  first = run('apt-get', [...options, 'download', ETCD_PACKAGE], folder);
  if (first.status !== 0) throw new Error(`ensure_etcd: \`apt-get download ${ETCD_PACKAGE}\` failed after refreshing the lists:\n${first.output}`);
}

function cachedBinary(cacheDir: string): string {
  return join(cacheDir, 'root', 'usr', 'bin', 'etcd');
}

/** Installs the package into `cacheDir` (unpacked beside it, then renamed: concurrent callers are safe). */
function installIntoCache(cacheDir: string): void {
  mkdirSync(cacheDir, { recursive: true });
  const work = mkdtempSync(join(cacheDir, 'download-'));
  try {
    downloadPackage(work, cacheDir);
    const deb = readdirSync(work).find((name) => name.startsWith(`${ETCD_PACKAGE}_`) && name.endsWith('.deb'));
    if (deb === undefined) throw new Error(`ensure_etcd: apt-get download left no ${ETCD_PACKAGE}_*.deb in ${work}`);
    const unpacked = join(work, 'root');
    runOrThrow('dpkg-deb', ['-x', join(work, deb), unpacked]);
    if (etcdVersion(join(unpacked, 'usr', 'bin', 'etcd')) === null) {
      throw new Error(`ensure_etcd: ${deb} unpacked, but ${join(unpacked, 'usr/bin/etcd')} does not run`);
    }
    try {
      renameSync(unpacked, join(cacheDir, 'root'));
    } catch (error) {
      // Another process installed it first: theirs is as good as ours.
      if (etcdVersion(cachedBinary(cacheDir)) === null) throw error;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Path of a working etcd binary; installs one into the cache when needed. Throws when it cannot. */
export function ensureEtcd(env: NodeJS.ProcessEnv = process.env): string {
  const given = env.RINGLINE_ETCD_BIN;
  if (given !== undefined && given !== '') {
    if (etcdVersion(given) === null) throw new Error(`ensure_etcd: RINGLINE_ETCD_BIN=${given} is not an etcd binary that runs (etcd --version failed)`);
    return given;
  }
  const found = onPath('etcd', env.PATH ?? '');
  if (found !== null) return found;
  const cacheDir = env.RINGLINE_ETCD_CACHE !== undefined && env.RINGLINE_ETCD_CACHE !== '' ? resolve(env.RINGLINE_ETCD_CACHE) : DEFAULT_ETCD_CACHE;
  const cached = cachedBinary(cacheDir);
  if (etcdVersion(cached) !== null) return cached;
  if (existsSync(join(cacheDir, 'root'))) rmSync(join(cacheDir, 'root'), { recursive: true, force: true }); // a broken earlier install
  installIntoCache(cacheDir);
  return cached;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const path = ensureEtcd();
    process.stdout.write(`${path}\n`);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
