/**
 * One engine per data directory and per port, checked before recovery, with real processes: a second
 * `ringline start` (or `follow`) on a directory in use, and a start on a taken TCP or WebSocket/HTTP
 * port (also one held by another uWebSockets.js program that shares ports through SO_REUSEPORT),
 * each exit 1 with a message naming the directory or the port, and leave their own data directory
 * untouched. A SIGKILLed holder leaves no stale lock.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { freePort, killAll, run, type Proc } from './test_support/replication_harness.ts';

const LISTENING = /TCP listening on [\d.]+:(\d+); WebSocket \+ HTTP\/JSON listening on [\d.]+:(\d+)/;
const UWS_PATH = createRequire(import.meta.url).resolve('@trufflesuite/uws-js-unofficial');
const dirs: string[] = [];
afterEach(killAll);
afterAll(() => { for (const dir of dirs) rmSync(dir, { recursive: true, force: true }); });

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ringline-exclusive-'));
  dirs.push(dir);
  return dir;
}

async function start(dataDir: string, ...flags: string[]): Promise<Proc> {
  return run(['start', '--data', dataDir, '--tcp-port', '0', '--ws-port', '0', '--durability', 'none', ...flags]);
}

/** Waits for the process to exit; returns its code and output. */
async function refused(p: Proc): Promise<{ code: number | null; output: string }> {
  const code = await p.exited;
  return { code, output: p.output() };
}

describe('exclusive data directory and ports', () => {
  it('refuses a second start and a follower on a data directory in use, before recovery; a SIGKILLed holder leaves no lock', async () => {
    const dataDir = tempDir();
    const first = await start(dataDir);
    await first.waitFor(LISTENING);

    const second = await refused(await start(dataDir));
    expect(second.code).toBe(1);
    expect(second.output).toContain(`data directory ${dataDir} is in use by another ringline process (pid ${first.proc.pid}: ringline start): refusing to start`);
    expect(second.output).not.toContain('recovered to sequence');

    const follower = await refused(run(['follow', '--primary', `127.0.0.1:${await freePort()}`, '--data', dataDir]));
    expect(follower.code).toBe(1);
    expect(follower.output).toContain(`data directory ${dataDir} is in use by another ringline process (pid ${first.proc.pid}: ringline start)`);

    await first.kill('SIGKILL');
    const after = await start(dataDir);
    await after.waitFor(LISTENING);
    expect(await after.kill('SIGTERM')).toBe(0);
  });

  it('refuses a taken TCP port and a taken WebSocket/HTTP port, naming it, before touching its data directory', async () => {
    const first = await start(tempDir());
    const [, tcpPort, wsPort] = await first.waitFor(LISTENING);
    for (const [flag, port, name] of [['--tcp-port', tcpPort, 'TCP'], ['--ws-port', wsPort, 'WebSocket/HTTP']] as const) {
      const dataDir = tempDir();
      const other = await refused(run(['start', '--data', dataDir, '--tcp-port', '0', '--ws-port', '0', flag, port, '--durability', 'none']));
      expect(other.code).toBe(1);
      expect(other.output).toContain(`${name} port ${port} on 127.0.0.1 is already in use (another ringline or another program): refusing to start`);
      expect(readdirSync(dataDir)).toEqual([]);
    }
    expect(await first.kill('SIGTERM')).toBe(0);
  });

  it('refuses a WebSocket/HTTP port held by another uWebSockets.js program listening with SO_REUSEPORT', async () => {
    const port = await freePort();
    // uWS's default listen shares the port with any later SO_REUSEPORT listener of the same user.
    const holder = spawn(process.execPath, ['-e', `
      const uws = require(${JSON.stringify(UWS_PATH)});
      uws.App().any('/*', (res) => res.end('not ringline')).listen('127.0.0.1', ${port}, (s) => console.log(s ? 'held' : 'failed'));
    `], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => holder.stdout.on('data', (d: Buffer) => (String(d).includes('held') ? resolve() : reject(new Error(String(d))))));
      const dataDir = tempDir();
      const engine = await refused(run(['start', '--data', dataDir, '--tcp-port', '0', '--ws-port', String(port), '--durability', 'none']));
      expect(engine.code).toBe(1);
      expect(engine.output).toContain(`WebSocket/HTTP port ${port} on 127.0.0.1 is already in use`);
      expect(readdirSync(dataDir)).toEqual([]);
    } finally {
      holder.kill('SIGKILL');
    }
  });
});
