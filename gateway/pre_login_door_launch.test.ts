import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { doorLaunch } from './pre_login_door_launch.ts';

/** doorLaunch('idle') as a fresh node process with `path` as its PATH sees it (the probe runs once per process). */
function launchWithPath(path: string): unknown {
  const module = new URL('./pre_login_door_launch.ts', import.meta.url).href;
  const script = `import(${JSON.stringify(module)}).then((m) => process.stdout.write(JSON.stringify(m.doorLaunch('idle'))))`;
  return JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { env: { ...process.env, PATH: path }, encoding: 'utf8' }));
}

describe('doorLaunch', () => {
  it('nice: forked and niced, nothing to report', () => {
    expect(doorLaunch('nice')).toEqual({ policy: 'nice', fallbackReason: null });
  });

  it('idle: through chrt --idle 0 and this node (util-linux is on this machine)', () => {
    expect(doorLaunch('idle')).toEqual({ policy: 'idle', command: 'chrt', prefixArgs: ['--idle', '0', process.execPath] });
  });

  it('idle without chrt on PATH: nice, and says why', () => {
    expect(launchWithPath(mkdtempSync(join(tmpdir(), 'ringline-nochrt-')))).toEqual({ policy: 'nice', fallbackReason: 'no chrt on PATH (util-linux)' });
  });

  it('idle where chrt refuses: nice, with chrt\'s exit status and first line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ringline-chrt-refuses-'));
    writeFileSync(join(dir, 'chrt'), '#!/bin/sh\necho "chrt: failed to set pid 0\'s policy: Operation not permitted" >&2\nexit 1\n');
    chmodSync(join(dir, 'chrt'), 0o755);
    expect(launchWithPath(dir)).toEqual({
      policy: 'nice', fallbackReason: 'chrt --idle 0 refused (exit 1: chrt: failed to set pid 0\'s policy: Operation not permitted)',
    });
  });
});
