import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateJournalOptions } from '../journal/journal_options.ts';
import { readEpoch, readEpochStart, writeEpoch } from './replication_epoch.ts';
import { SegmentWriter } from '../journal/segment_writer.ts';
import { createScratchRecord, writeDeposit } from '../journal/test_support/record_fixture.ts';
import { promoteDataDir } from './promote.ts';

let dataDir = '';
beforeEach(() => { dataDir = mkdtempSync(join(tmpdir(), 'ringline-epoch-')); });
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

describe('epoch of a data directory', () => {
  it('is 0 for a new directory, and what was written after', () => {
    expect(readEpoch(dataDir)).toBe(0);
    writeEpoch(dataDir, 4);
    expect(readEpoch(dataDir)).toBe(4);
    expect(readFileSync(join(dataDir, 'epoch'), 'utf8')).toBe('4\n');
  });

  it('is never lowered', () => {
    writeEpoch(dataDir, 4);
    expect(() => writeEpoch(dataDir, 3)).toThrow(/epoch 3 is older than the data directory's epoch 4/);
  });

  it('falls back to the newest segment header when the file is missing or older', () => {
    const writer = new SegmentWriter(validateJournalOptions({ dataDir, epoch: 7 }));
    const rec = createScratchRecord();
    writeDeposit(rec, 0, 0, 1, 1);
    writer.append(rec, 0);
    writer.close();
    expect(readEpoch(dataDir)).toBe(7);
    writeFileSync(join(dataDir, 'epoch'), '2\n');
    expect(readEpoch(dataDir)).toBe(7);
  });

  it('refuses a damaged epoch file by name', () => {
    writeFileSync(join(dataDir, 'epoch'), 'two\n');
    expect(() => readEpoch(dataDir)).toThrow(/epoch file .*epoch holds "two", not "<epoch> \[<startSequence>\]"/);
  });

  it('records where the epoch began', () => {
    writeEpoch(dataDir, 3, 41);
    expect(readFileSync(join(dataDir, 'epoch'), 'utf8')).toBe('3 41\n');
    expect(readEpoch(dataDir)).toBe(3);
    expect(readEpochStart(dataDir)).toBe(41);
    writeEpoch(dataDir, 3);
    expect(readEpochStart(dataDir)).toBe(-1);
  });

  it('promote raises it by one, begun after the last journaled record', () => {
    const writer = new SegmentWriter(validateJournalOptions({ dataDir }));
    const rec = createScratchRecord();
    for (let s = 0; s < 25; s++) {
      writeDeposit(rec, 0, s, 1, 1);
      writer.append(rec, 0);
    }
    writer.close();
    expect(promoteDataDir(dataDir)).toBe(1);
    expect(readEpochStart(dataDir)).toBe(24);
    expect(promoteDataDir(dataDir)).toBe(2);
    expect(readEpoch(dataDir)).toBe(2);
    expect(() => promoteDataDir(join(dataDir, 'missing'))).toThrow(/data directory .*missing does not exist/);
  });
});
