/**
 * Recovery as a user meets it, with `ringline start` in a child process on a real data directory:
 *   - a torn tail (the last segment cut inside a record) is truncated with a warning and the engine serves;
 *   - a corrupt byte in the middle of the journal stops start-up with a message naming the file, the
 *     offset and the sequence;
 *   - repair (config "engine": {"repair": true}) truncates there on purpose and the engine serves.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FIRST_SEQUENCE } from '../codec/records/command_descriptor.ts';
import { RinglineClient } from '../client/ringline_client.ts';
import { listSegments } from '../journal/segment_files.ts';
import { frameOffsets } from '../journal/test_support/journal_fixture.ts';

const CLI = fileURLToPath(new URL('../cli/ringline.mjs', import.meta.url));
const ADMIN_KEY = 'recovery-test-admin-key-0123456789';
/** The sequence of the journal's record k (frame k of the only segment): the engine's first command is FIRST_SEQUENCE. */
const seq = (k: number): number => FIRST_SEQUENCE + k;

interface Run {
  readonly code: number | null;
  readonly output: string;
  /** Balance of account 1 read through the running engine (when it served). */
  readonly balance?: number;
}

/** Starts `ringline start`; when it listens, runs `work` through a client, then SIGTERM. */
async function runServer(dataDir: string, configPath: string, work?: (client: RinglineClient) => Promise<number | undefined>): Promise<Run> {
  const proc = spawn(process.execPath, [CLI, 'start', '--data', dataDir, '--config', configPath, '--tcp-port', '0', '--ws-port=-1'], {
    env: { ...process.env, RINGLINE_ADMIN_KEY: ADMIN_KEY }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout.setEncoding('utf8').on('data', (d: string) => { output += d; });
  proc.stderr.setEncoding('utf8').on('data', (d: string) => { output += d; });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 30_000;
  let match: RegExpMatchArray | null = null;
  while ((match = /TCP listening on [\d.]+:(\d+)/.exec(output)) === null && proc.exitCode === null && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 25));
  }
  if (match === null) {
    proc.kill('SIGKILL');
    return { code: await exited, output };
  }
  let balance: number | undefined;
  try {
    const client = await RinglineClient.connect({ url: `tcp://127.0.0.1:${match[1]}`, apiKey: ADMIN_KEY, reconnect: false });
    balance = work === undefined ? undefined : await work(client);
    await client.close();
  } finally {
    proc.kill('SIGTERM');
  }
  return { code: await exited, output, balance };
}

let dataDir = '';
let configPath = '';
beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'ringline-recovery-start-'));
  configPath = join(dataDir, 'ringline.json');
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function balanceOf(client: RinglineClient): Promise<number> {
  const r = await client.send({ type: 'getBalance', accountId: 1, assetId: 1 });
  expect(r.code).toBe(0);
  return (r.result as { available: number }).available;
}

describe('ringline start recovery', () => {
  it('truncates a torn tail and serves; refuses mid-journal corruption naming file/offset/sequence; repair starts', async () => {
    writeFileSync(configPath, JSON.stringify({}));
    // 1. A journal: an account with 100 deposits of 1 (records 0..101, sequences seq(0)..seq(101)), written by the engine.
    const first = await runServer(dataDir, configPath, async (client) => {
      expect((await client.send({ type: 'createAsset', assetId: 1 })).code).toBe(0);
      expect((await client.send({ type: 'createAccount', accountId: 1 })).code).toBe(0);
      for (let i = 0; i < 100; i++) expect((await client.send({ type: 'deposit', accountId: 1, assetId: 1, amount: 1 })).code).toBe(0);
      return balanceOf(client);
    });
    expect(first.code, first.output).toBe(0);
    expect(first.balance).toBe(100);
    const [segment] = listSegments(dataDir);
    const offsets = frameOffsets(segment.path);
    expect(offsets.length).toBe(103); // + the getBalance

    // 2. Torn tail: cut the last two records' frames mid-record (the getBalance and the 100th deposit).
    const cut = offsets[101] + 30;
    truncateSync(segment.path, cut);
    const torn = await runServer(dataDir, configPath, balanceOf);
    expect(torn.code, torn.output).toBe(0);
    expect(torn.output).toMatch(new RegExp(`torn tail: .* in file ${segment.path.replace(/[.]/g, '\\.')}, offset ${offsets[101]}, after sequence ${seq(100)}; truncated 30 bytes; last good sequence ${seq(100)}`));
    expect(torn.balance).toBe(99); // the cut deposit was never durable, so never acknowledged in a real crash
    expect(statSync(segment.path).size).toBe(offsets[101]);

    // 3. A flipped byte in the middle of the journal: start-up refuses, naming file, offset and sequence.
    const file = readFileSync(segment.path);
    file[offsets[50] + 60] ^= 0x08; // a body byte of record 50 (sequence seq(50))
    writeFileSync(segment.path, file);
    const refused = await runServer(dataDir, configPath);
    expect(refused.code).not.toBe(0);
    expect(refused.output).toMatch(new RegExp(`journal corrupt: CRC mismatch in file ${segment.path.replace(/[.]/g, '\\.')}, offset ${offsets[50]}, after sequence ${seq(49)}`));
    expect(refused.output).toMatch(/--repair/);
    expect(statSync(segment.path).size).toBe(offsets[101]); // nothing touched

    // 4. Repair on purpose: truncated at the corruption, the engine serves the state before it.
    writeFileSync(configPath, JSON.stringify({ engine: { repair: true } }));
    const repaired = await runServer(dataDir, configPath, balanceOf);
    expect(repaired.code, repaired.output).toBe(0);
    expect(repaired.output).toMatch(new RegExp(`journal repair: CRC mismatch .* last good sequence ${seq(49)}`));
    expect(repaired.balance).toBe(48); // the deposits of records 2..49
  });
});
