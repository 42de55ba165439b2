import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runReplayCli } from './replay_command.ts';
import { journalWorkload, freshStateMachine } from '../journal/test_support/journal_fixture.ts';
import { SMALL_LOGIC_CONFIG } from '../journal/test_support/ledger_workload.ts';
import { recoverState } from '../replay/recovery.ts';
import { writeSnapshotFile, listSnapshots } from '../journal/snapshot_file.ts';
import { listSegments } from '../journal/segment_files.ts';
import { SEGMENT_MIN_BYTES } from '../journal/journal_descriptor.ts';
import { FIRST_SEQUENCE } from '../codec/records/command_descriptor.ts';

/** The sequence of a journal's record k (counting from 0): sequence 0 is the empty state, the first command is FIRST_SEQUENCE. */
const seq = (k: number): number => FIRST_SEQUENCE + k;

let dataDir = '';
let configPath = '';
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'ringline-replaycli-'));
  configPath = join(dataDir, 'ringline.json');
  writeFileSync(configPath, JSON.stringify({ engine: { logic: SMALL_LOGIC_CONFIG } }));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

async function cli(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runReplayCli(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

function snapshotAt(sequence: number): void {
  const sm = freshStateMachine();
  recoverState(sm, { dataDir, repair: false, toSequence: sequence, readOnly: true });
  writeSnapshotFile(dataDir, sequence, sm.exportState(), sm.stateHash());
}

describe('ringline replay', () => {
  it('prints the state hash of the rebuilt state', async () => {
    const { live } = journalWorkload(dataDir, seq(0), seq(400));
    const { code, out } = await cli(['--data', dataDir, '--config', configPath]);
    expect(code).toBe(0);
    expect(out[0]).toBe(`state hash ${live.stateHash()} at sequence ${seq(399)}`);
    expect(out[1]).toMatch(/snapshot none, 400 journal records replayed from 1 segment/);
  });

  it('--verify replays the journal from its start and checks the newest snapshot hash', async () => {
    journalWorkload(dataDir, seq(0), seq(600));
    snapshotAt(seq(299));
    const ok = await cli(['--data', dataDir, '--config', configPath, '--verify']);
    expect(ok.code).toBe(0);
    expect(ok.err.join('\n')).toMatch(new RegExp(`verify: ok: replay hash at sequence ${seq(299)} equals snapshot`));

    // A snapshot whose recorded hash disagrees with the journal: verification fails with exit 1.
    const sm = freshStateMachine();
    recoverState(sm, { dataDir, repair: false, toSequence: seq(450), readOnly: true });
    writeSnapshotFile(dataDir, seq(450), sm.exportState(), 'deadbeefdeadbeef');
    const bad = await cli(['--data', dataDir, '--config', configPath, '--verify']);
    expect(bad.code).toBe(1);
    expect(bad.err.join('\n')).toMatch(new RegExp(`verify: FAILED: replay hash at ${seq(450)} is [0-9a-f]+, snapshot .* says deadbeefdeadbeef`));
  });

  it('--verify uses an older snapshot when the journal before the newest was retired', async () => {
    journalWorkload(dataDir, seq(0), seq(3000), { journal: { segmentBytes: SEGMENT_MIN_BYTES } });
    const segments = listSegments(dataDir);
    snapshotAt(segments[1].firstSequence + 3);
    snapshotAt(seq(2500));
    rmSync(segments[0].path);
    const { code, err } = await cli(['--data', dataDir, '--config', configPath, '--verify']);
    expect(code).toBe(0);
    expect(err.join('\n')).toMatch(new RegExp(`verifying from an older snapshot[\\s\\S]*verify: ok: replay hash at sequence ${seq(2500)}`));
  });

  it('--print writes one JSON line per command with its result, --to stops, --account filters', async () => {
    journalWorkload(dataDir, seq(0), seq(200));
    const all = await cli(['--data', dataDir, '--config', configPath, '--print', '--to', String(seq(120))]);
    expect(all.code).toBe(0);
    expect(all.out).toHaveLength(121);
    const first = JSON.parse(all.out[0]);
    expect(first).toMatchObject({ sequence: FIRST_SEQUENCE, command: { type: 'createAsset', assetId: 1 }, result: { code: 0, status: 'OK', command: 'createAsset', flags: 0, failedLegIndex: -1 } });
    const deposit = JSON.parse(all.out[51]);
    expect(deposit).toMatchObject({ command: { type: 'deposit', accountId: 1, amount: 1_000_000 }, result: { command: 'deposit', result: { type: 'balance', available: 1_000_000 } } });
    expect(all.err.join('\n')).toMatch(new RegExp(`state hash [0-9a-f]+ at sequence ${seq(120)}`));

    const filtered = await cli(['--data', dataDir, '--config', configPath, '--print', '--account', '7']);
    expect(filtered.out.length).toBeGreaterThan(2);
    for (const line of filtered.out) {
      const { command } = JSON.parse(line);
      expect([command.accountId, command.fromAccountId, command.toAccountId]).toContain(7);
    }
  });

  it('is read-only: a torn tail is reported, not truncated', async () => {
    journalWorkload(dataDir, seq(0), seq(50));
    const [segment] = listSegments(dataDir);
    const size = statSync(segment.path).size;
    writeFileSync(segment.path, readFileSync(segment.path).subarray(0, size - 10));
    const { code, err, out } = await cli(['--data', dataDir, '--config', configPath]);
    expect(code).toBe(0);
    expect(err[0]).toMatch(/warning: journal torn tail: .*read-only: nothing truncated/);
    expect(out[0]).toMatch(new RegExp(`at sequence ${seq(48)}$`));
    expect(statSync(segment.path).size).toBe(size - 10);
    expect(listSnapshots(dataDir)).toEqual([]);
  });

  it('--verify checks every segment\'s frames across a thread pool first and names each corrupt segment (exit 1)', async () => {
    journalWorkload(dataDir, seq(0), seq(3000), { journal: { segmentBytes: SEGMENT_MIN_BYTES } });
    const segments = listSegments(dataDir);
    expect(segments.length).toBeGreaterThanOrEqual(3);
    const ok = await cli(['--data', dataDir, '--config', configPath, '--verify', '--threads', '2']);
    expect(ok.code).toBe(0);
    expect(ok.err.join('\n')).toMatch(new RegExp(`verify: journal: ${segments.length} segment\\(s\\), 3000 frames, [0-9.]+ MiB checked \\(length, CRC-32, sequence\\) on 2 thread\\(s\\)`));
    // Corrupt the last byte of a record in the first and the second segment: both are named, not only the first.
    for (const s of segments.slice(0, 2)) {
      const bytes = readFileSync(s.path);
      bytes[bytes.length - 1] ^= 0xff;
      writeFileSync(s.path, bytes);
    }
    const bad = await cli(['--data', dataDir, '--config', configPath, '--verify']);
    expect(bad.code).toBe(1);
    const failures = bad.err.filter((l) => l.startsWith('verify: FAILED: '));
    expect(failures.length).toBeGreaterThanOrEqual(2);
    expect(failures[0]).toContain(segments[0].path);
    expect(failures.some((l) => l.includes(segments[1].path))).toBe(true);
    expect(bad.err.join('\n')).toMatch(/CRC/);
  });

  it('answers bad usage with exit 2 and a message naming the option', async () => {
    const threadsAlone = await cli(['--data', dataDir, '--threads', '2']);
    expect([threadsAlone.code, threadsAlone.err[0]]).toEqual([2, 'ringline replay: --threads is used with --verify']);
    expect((await cli(['--data', dataDir, '--verify', '--threads', '0'])).err[0]).toBe('ringline replay: --threads must be an integer from 1 to 256; got 0');
    expect((await cli([])).err[0]).toBe('ringline replay: --data DIR is required');
    const bad = await cli(['--data', dataDir, '--to', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.err[0]).toBe('ringline replay: --to must be an integer from 0 to 2^53 - 1; got soon');
    expect((await cli(['--data', join(dataDir, 'missing')])).err[0]).toMatch(/data directory .*missing does not exist/);
  });
});
