import { describe, it, expect } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { moveToSchedIdle, SCHED_IDLE_POLICY } from './pre_login_door_launch.ts';
import { schedPolicies } from './test_support/sched_policies.ts';

/** moveToSchedIdle(its own pid) in a fresh node process whose PATH is `path`: why not, or null. */
function moveItselfWithPath(path: string): unknown {
  const module = new URL('./pre_login_door_launch.ts', import.meta.url).href;
  const script = `import(${JSON.stringify(module)}).then(async (m) => process.stdout.write(JSON.stringify(await m.moveToSchedIdle(process.pid))))`;
  return JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { env: { ...process.env, PATH: path }, encoding: 'utf8' }));
}

describe('moveToSchedIdle', () => {
  it('moves every thread of a running node process to SCHED_IDLE (util-linux chrt is on this machine)', async () => {
    // Running its script: node's own threads (V8 platform, libuv) are up.
    const child = spawn(process.execPath, ['-e', 'process.stdout.write("up"); setTimeout(() => {}, 60_000)'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const pid = child.pid ?? -1;
      await new Promise((r) => child.stdout.once('data', r));
      expect(await moveToSchedIdle(pid)).toBeNull();
      const policies = schedPolicies(pid);
      expect(policies.length).toBeGreaterThan(1);
      expect(new Set(policies)).toEqual(new Set([SCHED_IDLE_POLICY]));
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('without chrt on PATH: says why', () => {
    expect(moveItselfWithPath(mkdtempSync(join(tmpdir(), 'ringline-nochrt-')))).toBe('no chrt on PATH (util-linux)');
  });

  it('where chrt refuses: chrt\'s exit status and first line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ringline-chrt-refuses-'));
    writeFileSync(join(dir, 'chrt'), '#!/bin/sh\necho "chrt: failed to set pid 1\'s policy: Operation not permitted" >&2\nexit 1\n');
    chmodSync(join(dir, 'chrt'), 0o755);
    expect(moveItselfWithPath(dir)).toMatch(/^chrt --all-tasks --idle --pid 0 \d+ refused \(exit 1: chrt: failed to set pid 1's policy: Operation not permitted\)$/);
  });
});
