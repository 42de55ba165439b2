/**
 * Finds a headless-capable Chromium for the console's browser test (test/console_browser.test.ts),
 * installing Debian's `chromium` package when there is none:
 *
 *   1. $RINGLINE_CHROMIUM_BIN, when set (must be a Chromium that runs);
 *   2. `chromium` (or `chromium-browser`) on PATH;
 *   3. the binary of an installed `chromium` package, wherever it is (`dpkg-query -L chromium`): a
 *      Chromium installed but not on PATH is used as it is (apt would not install it again, so the
 *      no-root path below would find nothing to fetch);
 *   4. as root: `apt-get install -y chromium` (after `apt-get update` when apt does not know it);
 *   5. otherwise, without root: the package and every dependency apt would install with it are
 *      fetched with `apt-get download` and unpacked with `dpkg-deb -x` into `<repo>/.cache/chromium`;
 *      the binary then runs with LD_LIBRARY_PATH over the unpacked library folders (a wrapper script).
 *
 * Run as a script it prints the binary's path: `node --import tsx scripts/ensure_chromium.ts`.
 * Anything that cannot be done throws with the command that failed and its output: the browser test
 * fails loudly, it is never skipped.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { isRoot, privateAptOptions, runCommand, runOrThrow as runOrThrowAs, versionOutput, type RunOptions, type RunResult } from './apt_packages.ts';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CHROMIUM_PACKAGE = 'chromium';
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_CHROMIUM_CACHE = join(REPO_ROOT, '.cache', 'chromium');
const NAMES = ['chromium', 'chromium-browser'];

const LONG_MS = 900_000;
const run = (command: string, args: readonly string[], options: RunOptions = {}): RunResult => runCommand(command, args, { timeoutMs: LONG_MS, ...options });
const runOrThrow = (command: string, args: readonly string[], options: RunOptions = {}): string =>
  runOrThrowAs('ensure_chromium', command, args, { timeoutMs: LONG_MS, ...options });

/** The version line of a Chromium that runs (`Chromium 156.0...`), or null when `path` is missing or does not run. */
export function chromiumVersion(path: string): string | null {
  const output = versionOutput(path);
  if (output === null) return null;
  const line = output.split('\n').find((l) => /chrom/i.test(l));
  return line === undefined ? null : line.trim();
}

function onPath(path: string): string | null {
  for (const folder of path.split(delimiter)) {
    if (folder === '') continue;
    for (const name of NAMES) {
      const candidate = join(folder, name);
      if (chromiumVersion(candidate) !== null) return candidate;
    }
  }
  return null;
}

/**
 * The binary of the installed `chromium` package (or null when none is installed or none of its
 * files named chromium / chromium-browser runs): what dpkg says the package put on disk.
 */
export function installedChromium(): string | null {
  for (const name of [CHROMIUM_PACKAGE, 'chromium-browser']) {
    const listed = run('dpkg-query', ['-L', name]);
    if (listed.status !== 0) continue;
    const files = listed.output.split('\n').map((l) => l.trim()).filter((l) => NAMES.includes(l.slice(l.lastIndexOf('/') + 1)));
    // The launcher in a bin folder first (it sets the flags Debian wants), the raw binary after.
    files.sort((a, b) => Number(b.includes('/bin/')) - Number(a.includes('/bin/')));
    for (const file of files) if (chromiumVersion(file) !== null) return file;
  }
  return null;
}

const aptEnv = (): NodeJS.ProcessEnv => ({ ...process.env, DEBIAN_FRONTEND: 'noninteractive' });

function installAsRoot(): void {
  const first = run('apt-get', ['install', '-y', '-q', '--no-install-recommends', CHROMIUM_PACKAGE], { env: aptEnv() });
  if (first.status === null) throw new Error(`ensure_chromium: apt-get is not available (${first.output}); install chromium or set RINGLINE_CHROMIUM_BIN`);
  if (first.status === 0) return;
  runOrThrow('apt-get', ['update', '-q'], { env: aptEnv() });
  runOrThrow('apt-get', ['install', '-y', '-q', '--no-install-recommends', CHROMIUM_PACKAGE], { env: aptEnv() });
}

/** The packages `apt-get install chromium` would add on this machine (`Inst <name> ...` lines of a simulation). */
function packagesToFetch(options: readonly string[]): string[] {
  let simulated = run('apt-get', [...options, '-s', '--no-install-recommends', 'install', CHROMIUM_PACKAGE]);
  if (simulated.status !== 0) {
    runOrThrow('apt-get', [...options, 'update', '-q']);
    simulated = run('apt-get', [...options, '-s', '--no-install-recommends', 'install', CHROMIUM_PACKAGE]);
  }
  if (simulated.status !== 0) throw new Error(`ensure_chromium: apt-get cannot resolve ${CHROMIUM_PACKAGE}:\n${simulated.output.slice(-4000)}`);
  const names = simulated.output.split('\n').filter((l) => l.startsWith('Inst ')).map((l) => l.split(' ')[1]);
  if (!names.includes(CHROMIUM_PACKAGE)) {
    throw new Error(`ensure_chromium: apt-get would not install ${CHROMIUM_PACKAGE} (installed already, but none of its files runs? ` +
      `see \`dpkg-query -L ${CHROMIUM_PACKAGE}\`):\n${simulated.output.slice(-4000)}`);
  }
  return names;
}

function wrapperPath(cacheDir: string): string {
  return join(cacheDir, 'root', 'chromium');
}

/** Every folder of the unpacked tree that holds a shared library (`*.so*`), for LD_LIBRARY_PATH. */
function libraryFolders(root: string): string[] {
  const out: string[] = [];
  const walk = (folder: string): void => {
    const entries = readdirSync(folder, { withFileTypes: true });
    if (entries.some((e) => !e.isDirectory() && /\.so(\.|$)/.test(e.name))) out.push(folder);
    for (const e of entries) if (e.isDirectory()) walk(join(folder, e.name));
  };
  for (const top of ['lib', 'usr/lib']) if (existsSync(join(root, top))) walk(join(root, top));
  return out;
}

/** Without root: download the package and its missing dependencies, unpack them, write a wrapper. */
function installIntoCache(cacheDir: string): void {
  mkdirSync(cacheDir, { recursive: true });
  const options = privateAptOptions(cacheDir);
  const work = mkdtempSync(join(cacheDir, 'download-'));
  try {
    const names = packagesToFetch(options);
    runOrThrow('apt-get', [...options, 'download', ...names], { cwd: work });
    const unpacked = join(work, 'root');
    mkdirSync(unpacked);
    for (const deb of readdirSync(work).filter((n) => n.endsWith('.deb'))) runOrThrow('dpkg-deb', ['-x', join(work, deb), unpacked]);
    const binary = join(unpacked, 'usr', 'lib', 'chromium', 'chromium');
    if (!existsSync(binary)) throw new Error(`ensure_chromium: the unpacked packages have no usr/lib/chromium/chromium in ${unpacked}`);
    const finalRoot = join(cacheDir, 'root');
    const libraryPath = libraryFolders(unpacked).map((f) => f.replace(unpacked, finalRoot)).join(':');
    writeFileSync(join(unpacked, 'chromium'),
      `#!/bin/sh\nLD_LIBRARY_PATH="${libraryPath}\${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" exec "${join(finalRoot, 'usr', 'lib', 'chromium', 'chromium')}" "$@"\n`);
    chmodSync(join(unpacked, 'chromium'), 0o755);
    try {
      renameSync(unpacked, finalRoot);
    } catch (error) {
      if (chromiumVersion(wrapperPath(cacheDir)) === null) throw error; // another process installed it first
    }
    if (chromiumVersion(wrapperPath(cacheDir)) === null) {
      const tried = run(wrapperPath(cacheDir), ['--version']);
      throw new Error(`ensure_chromium: the unpacked chromium does not run:\n${tried.output.slice(-4000)}`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Path of a Chromium that runs; installs one when needed. Throws when it cannot. */
export function ensureChromium(env: NodeJS.ProcessEnv = process.env): string {
  const given = env.RINGLINE_CHROMIUM_BIN;
  if (given !== undefined && given !== '') {
    if (chromiumVersion(given) === null) throw new Error(`ensure_chromium: RINGLINE_CHROMIUM_BIN=${given} is not a Chromium that runs (--version failed)`);
    return given;
  }
  const found = onPath(env.PATH ?? '') ?? installedChromium();
  if (found !== null) return found;
  const cacheDir = env.RINGLINE_CHROMIUM_CACHE !== undefined && env.RINGLINE_CHROMIUM_CACHE !== '' ? resolve(env.RINGLINE_CHROMIUM_CACHE) : DEFAULT_CHROMIUM_CACHE;
  if (chromiumVersion(wrapperPath(cacheDir)) !== null) return wrapperPath(cacheDir);
  if (isRoot() && env.RINGLINE_CHROMIUM_NO_ROOT !== '1') {
    installAsRoot();
    const installed = onPath(env.PATH ?? '') ?? installedChromium();
    if (installed === null) throw new Error('ensure_chromium: apt-get installed chromium, but no chromium on PATH or among the package\'s files runs');
    return installed;
  }
  if (existsSync(join(cacheDir, 'root'))) rmSync(join(cacheDir, 'root'), { recursive: true, force: true }); // a broken earlier install
  installIntoCache(cacheDir);
  return wrapperPath(cacheDir);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.stdout.write(`${ensureChromium()}\n`);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
