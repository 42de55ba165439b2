/**
 * Out of file descriptors is a storage state too, not a death (journal/storage_fault.ts): with every
 * descriptor of the process taken (as a socket flood can take them), the journal cannot open its next
 * segment; the batch in hand is held unanswered, writes are refused with STORAGE_UNAVAILABLE, and once
 * descriptors are free again the held deposit is journaled and answered, writes resume, and a restart
 * recovers every acknowledged deposit. The engine runs in this process, so the descriptors it needs
 * are the ones this test takes.
 */
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ResultCode } from '../codec/result_codes.ts';
import type { ResponseJson } from '../codec/types/response_json.ts';
import { ADMIN_KEY, balanceOf, must, startE2eServer, type E2eServer } from './test_support/e2e_harness.ts';
import { SMALL_LOGIC } from './test_support/engine_fixture.ts';
import { until } from './test_support/event_collector.ts';
import { depositUntilHeld } from './test_support/held_deposit.ts';

const USD = 1;
const ACCOUNT = 7;
/** The smallest segment: a few hundred deposits roll it, and the roll opens a file. */
const ENGINE = { journal: { storageRetryMs: 20, segmentBytes: 64 * 1024 }, logic: SMALL_LOGIC };

/** Opens /dev/null until the process has no descriptor left; returns them to close later. */
function takeEveryDescriptor(): number[] {
  const fds: number[] = [];
  for (;;) {
    try {
      fds.push(openSync('/dev/null', 'r'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EMFILE' || (error as NodeJS.ErrnoException).code === 'ENFILE') return fds;
      for (const fd of fds) closeSync(fd);
      throw error;
    }
  }
}

describe('a process out of file descriptors', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ringline-emfile-'));
  let e2e: E2eServer | null = null;
  const taken: number[] = [];

  afterAll(async () => {
    for (const fd of taken) closeSync(fd);
    await e2e?.stop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('holds the batch it cannot journal, refuses writes, and resumes by itself once descriptors are free', async () => {
    e2e = await startE2eServer({ durability: 'fsync', dataDir, engine: ENGINE });
    const server = e2e;
    const admin = await server.connect('tcp', ADMIN_KEY, 4096);
    await must(admin, { type: 'createAsset', assetId: USD });
    await must(admin, { type: 'createAccount', accountId: ACCOUNT });
    let idempotencyId = 1;
    const deposit = (amount: number): Promise<ResponseJson> =>
      admin.send({ type: 'deposit', accountId: ACCOUNT, assetId: USD, amount, idempotencyId: idempotencyId++ });
    const storage = (): { available: number; fault: string } => server.engine.metrics().storage;

    // Deposit one at a time until a batch cannot be journaled: at a roll the old segment's descriptor
    // is closed and the new one opened in its place, then the directory's open (fsync) fails. Before
    // each deposit, every descriptor another part of the process freed meanwhile is taken again.
    const stopped = await depositUntilHeld({
      deposit, unavailable: () => storage().available === 0, before: () => taken.push(...takeEveryDescriptor()), maxDeposits: 50_000, pollMs: 2,
    });
    const { held, heldAmount } = stopped;
    let acknowledged = stopped.acknowledged;
    expect(storage()).toMatchObject({ available: 0, fault: 'EMFILE' });
    const refused = await deposit(1000);
    expect(refused).toMatchObject({ code: ResultCode.STORAGE_UNAVAILABLE, sequence: 0 });
    expect(await balanceOf(admin, ACCOUNT, USD)).toBe(acknowledged + heldAmount);

    for (const fd of taken.splice(0)) closeSync(fd);
    expect((await held).code).toBe(ResultCode.OK);
    acknowledged += heldAmount;
    await until('storage to recover', () => storage().available === 1);
    expect((await deposit(11)).code).toBe(ResultCode.OK);
    acknowledged += 11;
    await admin.close();
    await server.stop();
    e2e = null;

    // Every acknowledged deposit is in the journal, and nothing refused is.
    e2e = await startE2eServer({ durability: 'fsync', dataDir, engine: ENGINE });
    const reader = await e2e.connect('tcp', ADMIN_KEY);
    expect(await balanceOf(reader, ACCOUNT, USD)).toBe(acknowledged);
    await reader.close();
  }, 180_000);
});
