/**
 * `ringline start --pre-login-door-policy idle` as a real process: the engine's pre-login door runs
 * under SCHED_IDLE (every thread) and a client logs in through it; without util-linux chrt on PATH the
 * door stays at nice +10 and the engine says why in one line.
 */
import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RinglineClient } from '../client/ringline_client.ts';
import { SCHED_IDLE_POLICY } from '../gateway/pre_login_door_launch.ts';
import { schedPolicies } from '../gateway/test_support/sched_policies.ts';

const CLI = fileURLToPath(new URL('../cli/ringline.mjs', import.meta.url));
const ADMIN_KEY = 'door-policy-test-admin-key-0123456789';

async function until<T>(what: string, probe: () => T | null, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The engine's child process running the pre-login door, or null. */
function doorPidOf(enginePid: number): number | null {
  for (const tid of readdirSync(`/proc/${enginePid}/task`)) {
    for (const child of readFileSync(`/proc/${enginePid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter((x) => x !== '')) {
      if (readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('pre_login_door')) return Number(child);
    }
  }
  return null;
}

async function withEngine(path: string, body: (engine: { pid: number; port: number; stderr: () => string }) => Promise<void>): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ringline-door-policy-'));
  const child = spawn(process.execPath, [CLI, 'start', '--data', dataDir, '--tcp-port', '0', '--ws-port', '0', '--durability', 'batch',
    '--pre-login-door-policy', 'idle'], { env: { ...process.env, RINGLINE_ADMIN_KEY: ADMIN_KEY, PATH: path }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const port = await until('the listening line', () => {
      if (child.exitCode !== null) throw new Error(`the engine exited; stderr:\n${stderr}`);
      const match = /TCP listening on [\d.]+:(\d+)/.exec(stdout);
      return match === null ? null : Number(match[1]);
    });
    await body({ pid: child.pid ?? -1, port, stderr: () => stderr });
  } finally {
    child.kill('SIGTERM');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function logsIn(port: number): Promise<void> {
  const client = await RinglineClient.connect({ url: `tcp://127.0.0.1:${port}`, apiKey: ADMIN_KEY, connectTimeoutMs: 30_000 });
  try {
    await client.send({ type: 'createAsset', assetId: 1 });
  } finally {
    await client.close();
  }
}

describe('ringline start --pre-login-door-policy idle', () => {
  it('runs every thread of the door under SCHED_IDLE once it is ready; a client logs in through it', async () => {
    await withEngine(process.env.PATH ?? '', async ({ pid, port }) => {
      const door = await until('the door process', () => doorPidOf(pid));
      await until('the door under SCHED_IDLE', () => (schedPolicies(door).every((p) => p === SCHED_IDLE_POLICY) ? true : null));
      await logsIn(port);
      expect(new Set(schedPolicies(door))).toEqual(new Set([SCHED_IDLE_POLICY]));
    });
  });

  it('without chrt on PATH: the door stays at nice +10, and the engine says why in one line', async () => {
    await withEngine(mkdtempSync(join(tmpdir(), 'ringline-nochrt-')), async ({ pid, port, stderr }) => {
      const line = await until('the fallback line', () => /.*preLoginDoorPolicy idle.*/.exec(stderr())?.[0] ?? null);
      expect(line).toBe('ringline gateway: preLoginDoorPolicy idle: no chrt on PATH (util-linux); the pre-login door runs at nice +10 instead');
      const door = doorPidOf(pid) ?? -1;
      expect(new Set(schedPolicies(door))).toEqual(new Set([0]));
      expect(getPriority(door)).toBe(Math.min(19, getPriority(pid) + 10));
      await logsIn(port);
      expect(stderr().match(/preLoginDoorPolicy idle/g)?.length).toBe(1);
    });
  });
});
