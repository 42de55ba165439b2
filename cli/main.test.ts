/**
 * The command line's contract: --version, --help on every subcommand, exit codes 0 ok / 1 failure /
 * 2 usage, and unknown config keys refused at any depth with their path.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { main } from './main.ts';

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const dir = mkdtempSync(join(tmpdir(), 'ringline-main-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => { vi.restoreAllMocks(); });

async function ringline(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { out += String(chunk); return true; });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => { err += String(chunk); return true; });
  try {
    return { code: await main(argv), out, err };
  } finally {
    vi.restoreAllMocks();
  }
}

function config(name: string, body: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(body));
  return path;
}

describe('ringline main', () => {
  it('prints its version and the package version', async () => {
    for (const flag of ['--version', '-v']) {
      const r = await ringline(flag);
      expect(r.code).toBe(0);
      expect(r.out).toBe(`ringline ${VERSION} (node ${process.version})\n`);
    }
  });

  it.each(['start', 'call', 'principal', 'replay', 'follow', 'promote'])('%s --help prints its usage and exits 0', async (command) => {
    for (const flag of ['--help', '-h']) {
      const r = await ringline(command, flag);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(new RegExp(`^usage: ringline ${command}\\b`));
      expect(r.err).toBe('');
    }
  });

  it.each([
    [['frobnicate'], /unknown command "frobnicate"/],
    [['start', '--bogus'], /ringline start: Unknown option '--bogus'/],
    [['start', '--tcp-port', 'x'], /--tcp-port must be an integer/],
    [['call', '--bogus', 'x'], /ringline call: Unknown option '--bogus'/],
    [['call'], /name exactly one command/],
    [['principal', 'add', '--bogus'], /ringline principal: Unknown option '--bogus'/],
    [['principal', 'frob'], /unknown action "frob"/],
    [['replay', '--bogus'], /ringline replay: Unknown option '--bogus'/],
    [['replay'], /--data DIR is required/],
    [['follow', '--data', join(dir, 'never')], /--primary host:port is required/],
    [['follow', '--primary', 'h:99999', '--data', join(dir, 'never')], /ringline follow: --primary must be host:port with a port from 1 to 65535/],
    [['promote', '--bogus'], /ringline promote: Unknown option '--bogus'/],
  ])('usage error %j exits 2 and says why', async (argv, message) => {
    const r = await ringline(...argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });

  it.each([
    [{ engine: { logic: { maxAcounts: 5 } } }, 'unknown key engine.logic.maxAcounts; known in engine.logic: maxAssets, maxAccounts'],
    [{ engine: { journal: { segmentByte: 5 } } }, 'unknown key engine.journal.segmentByte; known in engine.journal: batchIntervalMs, segmentBytes'],
    [{ engine: { ringCapacty: 5 } }, 'unknown key engine.ringCapacty; known in engine: ringCapacity'],
    [{ engine: { stateMachineModule: 'file:///evil.js' } }, 'unknown key engine.stateMachineModule'],
    [{ engine: { logic: 5 } }, 'engine.logic must be an object'],
  ])('a config file with %j is refused by start, follow and replay with the key path (exit 2)', async (body, message) => {
    const path = config('bad.json', body);
    for (const argv of [
      ['start', '--data', join(dir, 'never'), '--config', path],
      ['follow', '--primary', '127.0.0.1:1', '--data', join(dir, 'never'), '--config', path],
      ['replay', '--data', join(dir, 'never'), '--config', path],
    ]) {
      const r = await ringline(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).toContain(`config file ${path}: ${message}`);
    }
  });
});
