/**
 * A full disk is a state, not a death. The real engine runs with its data directory on a small tmpfs
 * mounted by this test (it runs as root here; a test that cannot mount fails loudly). The disk is
 * filled until the journal's write fails with ENOSPC; then:
 *   - the command whose batch failed is not answered (not acknowledged) and not lost;
 *   - new writes are refused with STORAGE_UNAVAILABLE, reads are answered, /health says degraded;
 *   - a snapshot that does not fit fails cleanly (SNAPSHOT_FAILED, no temporary file left);
 * and once space is freed, the held command is answered OK, writes resume by themselves, a snapshot
 * reply means the file is on disk, and a restart recovers every acknowledged deposit.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResultCode } from '../codec/result_codes.ts';
import type { ResponseJson } from '../codec/types/response_json.ts';
import { ADMIN_KEY, balanceOf, must, startE2eServer, type E2eServer } from './test_support/e2e_harness.ts';
import { SMALL_LOGIC } from './test_support/engine_fixture.ts';
import { depositUntilHeld } from './test_support/held_deposit.ts';

const USD = 1;
const ACCOUNT = 7;
const FILLER_CHUNK = Buffer.alloc(64 * 1024, 0x5a);

/** Writes filler files of 64 KiB into `dir` until the file system refuses (ENOSPC); returns their paths. */
function fillDisk(dir: string): string[] {
  const files: string[] = [];
  for (let i = 0; ; i++) {
    const path = join(dir, `filler-${i}`);
    const fd = openSync(path, 'w');
    files.push(path);
    try {
      let written = 0;
      while (written < FILLER_CHUNK.length) written += writeSync(fd, FILLER_CHUNK, written);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOSPC') return files;
      throw error;
    } finally {
      closeSync(fd);
    }
  }
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function health(e2e: E2eServer): Promise<{ status: string; storage: string }> {
  return (await (await fetch(`${e2e.httpUrl}/health`)).json()) as { status: string; storage: string };
}

describe('a full disk', () => {
  const mountPoint = mkdtempSync(join(tmpdir(), 'ringline-enospc-'));
  let mounted = false;
  let e2e: E2eServer | null = null;

  afterAll(async () => {
    await e2e?.stop().catch(() => undefined);
    if (mounted) execFileSync('umount', [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  });

  it('refuses writes, serves reads, keeps what it acknowledged, and resumes by itself when space returns', async () => {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m,mode=0700', 'tmpfs', mountPoint]);
    mounted = true;
    const dataDir = join(mountPoint, 'data');
    const fillerDir = join(mountPoint, 'filler');
    execFileSync('mkdir', ['-p', dataDir, fillerDir]);
    // Small capacities: a snapshot of ~0.6 MB, which 64 KiB of free space cannot hold.
    const engineOptions = { journal: { storageRetryMs: 20 }, logic: SMALL_LOGIC };
    e2e = await startE2eServer({ durability: 'fsync', dataDir, engine: engineOptions });
    const admin = await e2e.connect('tcp', ADMIN_KEY);
    const reader = await e2e.connect('tcp', ADMIN_KEY);
    await must(admin, { type: 'createAsset', assetId: USD });
    await must(admin, { type: 'createAccount', accountId: ACCOUNT });

    let acknowledged = 0; // the sum of every deposit answered OK
    let idempotencyId = 1000;
    const deposit = (amount: number): Promise<ResponseJson> =>
      admin.send({ type: 'deposit', accountId: ACCOUNT, assetId: USD, amount, idempotencyId: idempotencyId++ });
    expect((await deposit(5)).code).toBe(ResultCode.OK);
    acknowledged += 5;

    // Fill the disk, then deposit until one batch cannot be written (the segment's last page may
    // still take a few records). That deposit stays unanswered: it is held, not acknowledged.
    const fillers = fillDisk(fillerDir);
    const stopped = await depositUntilHeld({ deposit, unavailable: async () => (await health(e2e!)).storage === 'unavailable', maxDeposits: 500 });
    acknowledged += stopped.acknowledged;
    const { held, heldAmount } = stopped;
    expect(await health(e2e)).toMatchObject({ status: 'degraded', storage: 'unavailable' });
    const metrics = await (await fetch(`${e2e.httpUrl}/metrics`)).text();
    expect(metrics).toContain('ringline_storage_available{fault="ENOSPC"} 0');
    expect(metrics).toMatch(/^ringline_storage_faults_total 1$/m);

    // Writes are refused before they are sequenced; reads are answered (they see the held deposit,
    // which the logic applied and the journal will take).
    const refused = await deposit(1000);
    expect(refused).toMatchObject({ code: ResultCode.STORAGE_UNAVAILABLE, sequence: 0 });
    expect((await admin.send({ type: 'snapshot' })).code).toBe(ResultCode.STORAGE_UNAVAILABLE);
    expect(await balanceOf(reader, ACCOUNT, USD)).toBe(acknowledged + heldAmount);
    let heldAnswered = false;
    void held.then(() => { heldAnswered = true; });
    await new Promise((r) => setTimeout(r, 200));
    expect(heldAnswered).toBe(false);

    // Space returns: the held deposit is journaled and answered, and writes resume by themselves.
    for (const f of fillers) unlinkSync(f);
    expect((await held).code).toBe(ResultCode.OK);
    acknowledged += heldAmount;
    await until(async () => (await health(e2e!)).status === 'ok', 'storage to recover');
    expect((await deposit(11)).code).toBe(ResultCode.OK);
    acknowledged += 11;

    // A snapshot that does not fit: the journal still has room, the snapshot file does not.
    const snapshots = join(dataDir, 'snapshots');
    const refill = fillDisk(fillerDir);
    unlinkSync(refill.pop()!); // 64 KiB free again: enough for records, far too little for the state
    const failed = await admin.send({ type: 'snapshot' });
    expect(failed.code).toBe(ResultCode.SNAPSHOT_FAILED);
    expect(existsSync(snapshots) ? readdirSync(snapshots) : []).toEqual([]);
    expect((await deposit(13)).code).toBe(ResultCode.OK);
    acknowledged += 13;
    for (const f of refill) unlinkSync(f);
    // With room, the reply comes once the snapshot is on disk: the file is there when it arrives.
    const ok = await admin.send({ type: 'snapshot' });
    expect(ok.code).toBe(ResultCode.OK);
    expect(readdirSync(snapshots).filter((n) => n.endsWith('.snapshot'))).toHaveLength(1);
    expect(readdirSync(snapshots).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(await balanceOf(reader, ACCOUNT, USD)).toBe(acknowledged);
    await admin.close();
    await reader.close();

    // Nothing acknowledged was lost: a restart from this data directory has every deposit.
    await e2e.stop();
    e2e = await startE2eServer({ durability: 'fsync', dataDir, engine: engineOptions });
    const after = await e2e.connect('tcp', ADMIN_KEY);
    expect(await balanceOf(after, ACCOUNT, USD)).toBe(acknowledged);
    await after.close();
  });
});

