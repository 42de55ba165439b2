import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, rmSync, readFileSync, writeFileSync, readdirSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SNAPSHOT_SYNC_EVERY_BYTES, writeSnapshotFile, readSnapshotFile, listSnapshots } from './snapshot_file.ts';

let dataDir = '';
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'ringline-snapfile-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

function sections(): { name: string; bytes: Uint8Array }[] {
  const a = new Uint8Array(1000).map((_, i) => i & 0xff);
  const b = new Uint8Array(new Float64Array([1.5, 2, 1e15]).buffer);
  const c = new Uint8Array(3).fill(9); // not a multiple of 8: padded on disk
  return [{ name: 'ledger.balances', bytes: a }, { name: 'book.orders', bytes: b }, { name: 'tiny', bytes: c }];
}

describe('snapshot files', () => {
  it('round-trips sequence, hash and every section byte for byte', () => {
    const { path } = writeSnapshotFile(dataDir, 1234, sections(), 'abcdef0123456789');
    expect(path.endsWith('00000000000000001234.snapshot')).toBe(true);
    const loaded = readSnapshotFile(path);
    expect(loaded.sequence).toBe(1234);
    expect(loaded.stateHash).toBe('abcdef0123456789');
    expect(loaded.sections.map((s) => s.name)).toEqual(['ledger.balances', 'book.orders', 'tiny']);
    sections().forEach((s, i) => expect(Array.from(loaded.sections[i].bytes)).toEqual(Array.from(s.bytes)));
    expect(loaded.sections[1].bytes.byteOffset % 8).toBe(0);
    expect(readdirSync(join(dataDir, 'snapshots'))).toEqual(['00000000000000001234.snapshot']);
  });

  it('round-trips sections larger than a sync slice and ones that straddle slices', () => {
    const big = new Uint8Array(2 * SNAPSHOT_SYNC_EVERY_BYTES + 12_345).map((_, i) => (i * 31) & 0xff);
    const straddling = new Uint8Array(SNAPSHOT_SYNC_EVERY_BYTES - 5).map((_, i) => (i * 7) & 0xff);
    const written = [{ name: 'big', bytes: big }, { name: 'straddling', bytes: straddling }, ...sections()];
    const loaded = readSnapshotFile(writeSnapshotFile(dataDir, 77, written, 'h').path);
    expect(loaded.sections.map((s) => s.name)).toEqual(written.map((s) => s.name));
    written.forEach((s, i) => expect(Buffer.from(loaded.sections[i].bytes).equals(Buffer.from(s.bytes))).toBe(true));
  });

  it('names the section whose bytes were damaged', () => {
    const { path } = writeSnapshotFile(dataDir, 5, sections(), 'h');
    const file = readFileSync(path);
    file[file.length - 30] ^= 1; // inside book.orders' data region or padding before tiny
    writeFileSync(path, file);
    expect(() => readSnapshotFile(path)).toThrow(/snapshot .*00000000000000000005\.snapshot: section (book\.orders|tiny) CRC mismatch/);
  });

  it('detects a damaged header and a truncated file', () => {
    const { path } = writeSnapshotFile(dataDir, 6, sections(), 'h');
    const file = readFileSync(path);
    file[9] ^= 1; // sequence
    writeFileSync(path, file);
    expect(() => readSnapshotFile(path)).toThrow(/header CRC mismatch/);
    const second = writeSnapshotFile(dataDir, 7, sections(), 'h').path;
    truncateSync(second, readFileSync(second).length - 8);
    expect(() => readSnapshotFile(second)).toThrow(/header says/);
  });

  it('lists snapshots oldest first and ignores temp files', () => {
    writeSnapshotFile(dataDir, 30, sections(), 'h');
    writeSnapshotFile(dataDir, 4, sections(), 'h');
    writeFileSync(join(dataDir, 'snapshots', '00000000000000000099.snapshot.tmp'), 'partial');
    expect(listSnapshots(dataDir).map((s) => s.sequence)).toEqual([4, 30]);
  });
});
