/**
 * Real processes for the replication tests: `ringline start --replication ...` and `ringline follow`
 * as child processes on temp directories, ephemeral ports, and an independent replay of a data
 * directory (recoverState, read-only) for its state hash.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { CommandJson } from '../../codec/types/command_json.ts';
import type { ResponseJson } from '../../codec/types/response_json.ts';
import { createStateMachine } from '../../core/logic/state_machine.ts';
import { RinglineClient } from '../../client/ringline_client.ts';
import type { LogicConfig } from '../../core/logic/state_machine_api.ts';
import { freePort } from '../../perf/engine/free_port.ts';
import { recoverState } from '../../replay/recovery.ts';
import { SMALL_LOGIC_CONFIG } from '../../journal/test_support/ledger_workload.ts';

export { freePort };

export const CLI = fileURLToPath(new URL('../../cli/ringline.mjs', import.meta.url));
export const ADMIN_KEY = 'replication-test-admin-key-0123456789';
export const LOGIC: LogicConfig = { ...SMALL_LOGIC_CONFIG, idempotencyWindow: 1 << 16 };

export interface Proc {
  readonly proc: ChildProcess;
  readonly exited: Promise<number | null>;
  output(): string;
  /** Waits until the output matches `pattern`; returns the match. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

/** Sends `signal` and waits for the exit; a process still running after `timeoutMs` fails the test with its output. */
export async function stopWithin(p: Proc, signal: NodeJS.Signals, timeoutMs = 30_000): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still running ${timeoutMs} ms after ${signal}:\n${p.output().slice(-4000)}`)), timeoutMs);
  });
  try {
    return await Promise.race([p.kill(signal), late]);
  } finally {
    clearTimeout(timer);
  }
}

export function writeConfig(dir: string, engine: Record<string, unknown> = {}, name = 'ringline.json'): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify({ engine: { logic: LOGIC, ringCapacity: 4096, ...engine } }));
  return path;
}


/** Every child still running: killAll() (afterEach in each test file) ends them whatever failed. */
const live = new Set<Proc>();

export async function killAll(): Promise<void> {
  await Promise.all([...live].map((p) => p.kill('SIGKILL')));
}

/** A test file's temporary directory: `path('primary')` is a data directory inside it. */
export interface TestRoot {
  path(...parts: string[]): string;
}

/**
 * Registers a replication test file's hooks: a fresh temporary directory before its tests, every
 * child killed after each test (whatever failed), the directory removed at the end.
 */
export function useTestRoot(prefix: string): TestRoot {
  let root = '';
  beforeAll(() => { root = mkdtempSync(join(tmpdir(), prefix)); });
  afterEach(killAll);
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  return { path: (...parts) => join(root, ...parts) };
}

/** How to launch `ringline`: default the source CLI through tsx; the compiled one is `{ argv: [dist/cli/ringline.js] }`. */
export interface Launch {
  /** node's arguments before the ringline arguments (node flags, then the CLI script). */
  readonly argv?: readonly string[];
  /** The whole environment (default: this process's, plus RINGLINE_ADMIN_KEY). */
  readonly env?: NodeJS.ProcessEnv;
}

export function run(args: readonly string[], launch: Launch = {}): Proc {
  return spawnProc([process.execPath, ...(launch.argv ?? [CLI]), ...args], Number.MAX_SAFE_INTEGER, launch.env);
}

/** Spawns `command` (program first, e.g. `ip netns exec ns node …`) with the admin key; output kept (the last `keepChars`). */
export function spawnProc(command: readonly string[], keepChars = Number.MAX_SAFE_INTEGER, env?: NodeJS.ProcessEnv): Proc {
  const proc = spawn(command[0], command.slice(1), {
    env: env ?? { ...process.env, RINGLINE_ADMIN_KEY: ADMIN_KEY }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: string): void => { out = (out + d).slice(-keepChars); };
  proc.stdout?.setEncoding('utf8').on('data', keep);
  proc.stderr?.setEncoding('utf8').on('data', keep);
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const handle: Proc = {
    proc, exited, output: () => out,
    async waitFor(pattern, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      let match: RegExpMatchArray | null;
      while ((match = pattern.exec(out)) === null) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}:\n${out}`);
        if (proc.exitCode !== null) throw new Error(`process exited (${proc.exitCode}) before ${pattern}:\n${out}`);
        await sleep(20);
      }
      return match;
    },
    async kill(signal) {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
  live.add(handle);
  void exited.then(() => live.delete(handle));
  return handle;
}

export interface Primary extends Proc {
  readonly tcpUrl: string;
  readonly httpUrl: string;
  readonly replicationPort: number;
  /** GET /health's engine.replication object. */
  replication(): Promise<Record<string, number>>;
}

export async function startPrimary(dataDir: string, config: string, options: {
  mode: 'async' | 'sync'; replicationPort?: number; noFollower?: 'wait' | 'degrade'; peers?: string;
  /** More `ringline start` flags. */
  extra?: readonly string[];
}): Promise<Primary> {
  const replicationPort = options.replicationPort ?? await freePort();
  const args = ['start', '--data', dataDir, '--config', config, '--tcp-port', '0', '--ws-port', '0', '--durability', 'fsync',
    '--replication', options.mode, '--replication-port', String(replicationPort), '--no-follower', options.noFollower ?? 'wait'];
  if (options.peers !== undefined) args.push('--peers', options.peers);
  if (options.extra !== undefined) args.push(...options.extra);
  const p = run(args);
  const match = await p.waitFor(/TCP listening on [\d.]+:(\d+); WebSocket \+ HTTP\/JSON listening on [\d.]+:(\d+)/);
  const httpUrl = `http://127.0.0.1:${match[2]}`;
  return {
    ...p, tcpUrl: `tcp://127.0.0.1:${match[1]}`, httpUrl, replicationPort,
    async replication() {
      const health = (await (await fetch(`${httpUrl}/health`)).json()) as { engine: { replication: Record<string, number> } };
      return health.engine.replication;
    },
  };
}

export interface FollowerProc extends Proc {
  readonly httpUrl: string;
  /** The follower's read-only TCP gateway (with `queries`), else ''. */
  readonly tcpUrl: string;
  health(): Promise<Record<string, number>>;
}

export async function startFollowerProc(dataDir: string, config: string, primaryPort: number, queries = false, extra: readonly string[] = []): Promise<FollowerProc> {
  const p = run(['follow', '--primary', `127.0.0.1:${primaryPort}`, '--data', dataDir, '--config', config, '--http-port', '0',
    ...(queries ? ['--tcp-port', '0'] : []), ...extra]);
  const match = await p.waitFor(/HTTP \/health on [\d.]+:(\d+)/);
  const httpUrl = `http://127.0.0.1:${match[1]}`;
  const tcpUrl = queries ? `tcp://127.0.0.1:${(await p.waitFor(/read-only queries on TCP [\d.]+:(\d+)/))[1]}` : '';
  return {
    ...p, httpUrl, tcpUrl,
    async health() {
      const response = await fetch(`${httpUrl}/health`);
      return (await response.json()) as Record<string, number>;
    },
  };
}

/** State hash and last sequence of a data directory, by an independent read-only replay. */
export function replayHash(dataDir: string): { hash: string; lastSequence: number } {
  const sm = createStateMachine(LOGIC);
  const report = recoverState(sm, { dataDir, repair: false, readOnly: true });
  return { hash: sm.stateHash(), lastSequence: report.lastSequence };
}

/** State hash of a data directory's journal replayed from the start (no snapshot) up to `sequence`. */
export function hashAt(dataDir: string, sequence: number): string {
  const sm = createStateMachine(LOGIC);
  let hash = '';
  recoverState(sm, {
    dataDir, repair: false, readOnly: true, useSnapshots: false,
    checkpoint: { sequence, reached: (at) => { hash = at.stateHash(); } },
  });
  return hash;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function until(what: string, condition: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(25);
  }
}

// ---- load -----------------------------------------------------------------------------------------

export const ACCOUNTS = 40;
let nextIdempotencyId = 1;

export function nextId(): number {
  return nextIdempotencyId++;
}

export function setupCommands(): CommandJson[] {
  const setup: CommandJson[] = [{ type: 'createAsset', assetId: 1, idempotencyId: nextId() }];
  for (let a = 1; a <= ACCOUNTS; a++) setup.push({ type: 'createAccount', accountId: a, idempotencyId: nextId() });
  for (let a = 1; a <= ACCOUNTS; a++) setup.push({ type: 'deposit', accountId: a, assetId: 1, amount: 1_000_000, idempotencyId: nextId() });
  setup.push({ type: 'createItem', itemId: 1, merchantAccountId: 1, priceAssetId: 1, unitPrice: 5, stock: 1_000_000, idempotencyId: nextId() });
  return setup;
}

export function randomCommand(): CommandJson {
  const from = 1 + Math.floor(Math.random() * ACCOUNTS);
  const to = 1 + Math.floor(Math.random() * ACCOUNTS);
  const amount = 1 + Math.floor(Math.random() * 300);
  const pick = Math.random();
  if (pick < 0.6) return { type: 'transfer', fromAccountId: from, toAccountId: to, assetId: 1, amount, idempotencyId: nextId() };
  if (pick < 0.85) return { type: 'buy', itemId: 1, buyerAccountId: from, quantity: 1 + (amount % 3), idempotencyId: nextId() };
  if (pick < 0.95) return { type: 'withdraw', accountId: from, assetId: 1, amount: (amount % 20) + 1, idempotencyId: nextId() };
  return { type: 'getBalance', accountId: from, assetId: 1 };
}

export interface Acked {
  readonly command: CommandJson;
  readonly response: ResponseJson;
}

/** Sends setupCommands() in order, keeping each with its answer in `acked`. */
export async function sendSetup(client: { send(command: CommandJson): Promise<ResponseJson> }, acked: Acked[]): Promise<void> {
  for (const command of setupCommands()) acked.push({ command, response: await client.send(command) });
}

/** Sends random commands `inFlight` at a time until `stop()` returns true or the connection fails. */
export async function drive(client: RinglineClient, stop: () => boolean, acked: Acked[], inFlight = 32): Promise<void> {
  const lanes = Array.from({ length: inFlight }, async () => {
    while (!stop()) {
      const command = randomCommand();
      let response: ResponseJson;
      try {
        response = await client.send(command);
      } catch {
        return;
      }
      acked.push({ command, response });
    }
  });
  await Promise.all(lanes);
}

export async function connectClient(tcpUrl: string, maxInFlight = 64): Promise<RinglineClient> {
  return RinglineClient.connect({ url: tcpUrl, apiKey: ADMIN_KEY, maxInFlight, reconnect: false });
}

export function maxSequence(acked: readonly Acked[]): number {
  let max = -1;
  for (const a of acked) if (a.response.sequence > max) max = a.response.sequence;
  return max;
}
