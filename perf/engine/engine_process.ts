/**
 * Starts the real engine for an end-to-end bench: `ringline start` in a child process with a fresh
 * temp --data directory, free loopback ports, a known admin key and the asked durability mode, and
 * stops it with SIGTERM (then SIGKILL after a grace period) and removes the data.
 *
 * With `profileDir`, the child runs under `node --cpu-prof`: each of its threads (gateway, logic,
 * journaler...) writes a .cpuprofile into profileDir when the engine exits (open them in Chrome
 * DevTools › Performance, or VS Code).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ScenarioUnavailableError } from '../scenario_unavailable.ts';
import { freePort, waitForPort } from './free_port.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = path.join(REPO_ROOT, 'cli/ringline.mjs');
const CLI_MAIN = path.join(REPO_ROOT, 'cli/main.ts');
const START_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 15_000;
const STDERR_TAIL_CHARS = 4000;
/**
 * A measurement aid: node flags for the engine child, space-separated (`--no-memory-reducer`,
 * `--trace-gc`..., which NODE_OPTIONS does not take), and a file for its stdout (where --trace-gc
 * writes; otherwise stdout is discarded). docs/performance.md, soak.
 */
const ENGINE_NODE_FLAGS_ENV = 'RINGLINE_BENCH_ENGINE_NODE_FLAGS';
const ENGINE_STDOUT_ENV = 'RINGLINE_BENCH_ENGINE_STDOUT';

export type Durability = 'fsync' | 'batch' | 'none';

export interface EngineProcessOptions {
  readonly durability: Durability;
  /** Write CPU profiles of the engine's threads here (node --cpu-prof), or null. */
  readonly profileDir: string | null;
  /** The config file's "engine" object (capacities, wait strategy...), passed through as is. */
  readonly engine?: Readonly<Record<string, unknown>>;
  /** More `ringline start` flags (e.g. gateway limits). */
  readonly extraArgs?: readonly string[];
  /**
   * Raise the child's open-file limit to this (`ulimit -n` in a /bin/sh wrapper that then execs node,
   * so the pid is the engine's). Needs the hard limit or root; for benches holding many sockets.
   */
  readonly maxOpenFiles?: number;
  /**
   * Run `ringline start` from another checkout (its cli/ringline.mjs, its node_modules): an A/B of
   * the engine against a base commit in the same run. Default: this checkout.
   */
  readonly repoRoot?: string;
  readonly log: (line: string) => void;
}

export interface EngineProcess {
  readonly host: string;
  readonly tcpPort: number;
  readonly wsPort: number;
  readonly adminKey: string;
  readonly dataDir: string;
  readonly pid: number;
  /** Stops the engine; resolves with the profile files written (empty without profiling). */
  stop(): Promise<string[]>;
  /** The last few KB the engine wrote to stderr (for error messages). */
  stderrTail(): string;
}

/** Engine children still running: killed if the harness exits or is interrupted first. */
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function trackChild(child: ChildProcess): void {
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const c of liveChildren) c.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const c of liveChildren) c.kill('SIGKILL');
      process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
    });
  }
}

/** True when the `ringline start` command exists in this checkout. */
export function engineCliAvailable(): boolean {
  return existsSync(CLI) && existsSync(CLI_MAIN);
}

export async function startEngineProcess(options: EngineProcessOptions): Promise<EngineProcess> {
  if (!engineCliAvailable()) throw new ScenarioUnavailableError('cli/main.ts (the `ringline start` command) does not exist yet');
  const host = '127.0.0.1';
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ringline-bench-'));
  const tcpPort = await freePort(host);
  let wsPort = await freePort(host);
  while (wsPort === tcpPort) wsPort = await freePort(host);
  const adminKey = `bench-admin-key-${process.pid}-${Date.now()}`;
  const args: string[] = (process.env[ENGINE_NODE_FLAGS_ENV] ?? '').split(' ').filter((flag) => flag !== '');
  if (options.profileDir !== null) {
    await mkdir(options.profileDir, { recursive: true });
    args.push('--cpu-prof', `--cpu-prof-dir=${options.profileDir}`);
  }
  const repoRoot = options.repoRoot ?? REPO_ROOT;
  args.push(path.join(repoRoot, 'cli/ringline.mjs'), 'start', '--data', dataDir, '--host', host, '--tcp-port', String(tcpPort), '--ws-port', String(wsPort),
    '--durability', options.durability, ...(options.extraArgs ?? []));
  if (options.engine !== undefined) {
    const configPath = path.join(dataDir, 'bench-config.json');
    await writeFile(configPath, JSON.stringify({ engine: options.engine }));
    args.push('--config', configPath);
  }
  const before = options.profileDir === null ? new Set<string>() : new Set(await readdir(options.profileDir));
  const command = options.maxOpenFiles === undefined ? process.execPath : '/bin/sh';
  const commandArgs = options.maxOpenFiles === undefined ? args
    : ['-c', `ulimit -n ${Math.trunc(options.maxOpenFiles)} && exec "$0" "$@"`, process.execPath, ...args];
  const child: ChildProcess = spawn(command, commandArgs, {
    cwd: repoRoot,
    env: { ...process.env, RINGLINE_ADMIN_KEY: adminKey },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  trackChild(child);
  let stderr = '';
  let exited = false;
  let exitCode: number | null = null;
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    stderr = (stderr + d).slice(-STDERR_TAIL_CHARS);
  });
  const stdoutFile = process.env[ENGINE_STDOUT_ENV];
  if (stdoutFile === undefined) child.stdout?.resume();
  else child.stdout?.pipe(createWriteStream(stdoutFile));
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      exitCode = code ?? (signal === null ? null : -1);
      resolve();
    });
  });
  try {
    await waitForPort(host, tcpPort, START_TIMEOUT_MS, () => !exited);
  } catch (err) {
    if (!exited) child.kill('SIGKILL');
    await exitPromise;
    await rm(dataDir, { recursive: true, force: true });
    const missing = /Cannot find module '([^']+)'/.exec(stderr)?.[1];
    if (missing !== undefined && missing.startsWith(REPO_ROOT)) {
      throw new ScenarioUnavailableError(`ringline start cannot load ${path.relative(REPO_ROOT, missing)}: that part of the engine does not exist yet`);
    }
    throw new Error(`ringline start did not come up (${(err as Error).message}); exit code ${String(exitCode)}; stderr:\n${stderr}`);
  }
  options.log(`engine pid ${child.pid} up: tcp ${tcpPort}, ws ${wsPort}, durability ${options.durability}, data ${dataDir}`);
  return {
    host, tcpPort, wsPort, adminKey, dataDir, pid: child.pid ?? 0,
    stderrTail: () => stderr,
    async stop(): Promise<string[]> {
      if (!exited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => {
          if (!exited) {
            options.log(`engine pid ${child.pid} did not stop within ${STOP_GRACE_MS} ms of SIGTERM: killed`);
            child.kill('SIGKILL');
          }
        }, STOP_GRACE_MS);
        await exitPromise;
        clearTimeout(timer);
      }
      await rm(dataDir, { recursive: true, force: true });
      if (options.profileDir === null) return [];
      const after = await readdir(options.profileDir);
      return after.filter((f) => f.endsWith('.cpuprofile') && !before.has(f)).map((f) => path.join(options.profileDir as string, f));
    },
  };
}
