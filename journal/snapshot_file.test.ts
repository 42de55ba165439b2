import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, rmSync, readFileSync, writeFileSync, readdirSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { crc32 } from 'node:zlib';
import { SNAPSHOT_SYNC_EVERY_BYTES, writeSnapshotFile, readSnapshotFile, listSnapshots } from './snapshot_file.ts';
import { SectionEntry, SnapHeader, SNAPSHOT_CHUNK_BYTES, SNAPSHOT_VERSION } from './snapshot_descriptor.ts';

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

  it('stores only the non-zero chunks of a section and rebuilds the zeros', () => {
    const state = new Uint8Array(40 * SNAPSHOT_CHUNK_BYTES + 100);
    state[5 * SNAPSHOT_CHUNK_BYTES + 3] = 7; // chunk 5
    state[state.length - 1] = 1; // the short last chunk
    const written = [{ name: 'sparse', bytes: state }, { name: 'empty', bytes: new Uint8Array(10 * SNAPSHOT_CHUNK_BYTES) }];
    const { path, fileBytes } = writeSnapshotFile(dataDir, 8, written, 'h');
    expect(readFileSync(path).readUInt16LE(SnapHeader.VERSION)).toBe(SNAPSHOT_VERSION);
    expect(fileBytes).toBeLessThan(SNAPSHOT_CHUNK_BYTES + 100 + 1024); // two chunks stored, not 50
    const loaded = readSnapshotFile(path);
    written.forEach((s, i) => expect(Buffer.from(loaded.sections[i].bytes).equals(Buffer.from(s.bytes))).toBe(true));
  });

  it('round-trips random sparse sections byte for byte (property)', () => {
    const patch = fc.record({ at: fc.nat({ max: 4 * SNAPSHOT_CHUNK_BYTES }), bytes: fc.uint8Array({ minLength: 1, maxLength: 300 }) });
    // An arithmetic progression of u32 words over part of the section, as a pool's free list: CONTINUED chunks.
    const progression = fc.option(fc.record({ from: fc.nat({ max: 5 * 16384 }), start: fc.integer(), step: fc.integer({ min: -3, max: 3 }) }));
    const section = fc.record({
      length: fc.nat({ max: 5 * SNAPSHOT_CHUNK_BYTES + 17 }), progression, patches: fc.array(patch, { maxLength: 6 }),
    });
    let sequence = 0;
    fc.assert(fc.property(fc.array(section, { minLength: 1, maxLength: 4 }), (specs) => {
      const written = specs.map((spec, i) => {
        const bytes = new Uint8Array(spec.length);
        if (spec.progression !== null) {
          const words = new Int32Array(bytes.buffer, 0, spec.length >>> 2);
          const { from, start, step } = spec.progression;
          for (let k = from; k < words.length; k++) words[k] = (start + step * (k - from)) | 0;
        }
        for (const { at, bytes: b } of spec.patches) if (at < spec.length) bytes.set(b.subarray(0, spec.length - at), at);
        return { name: `s${i}`, bytes };
      });
      const loaded = readSnapshotFile(writeSnapshotFile(dataDir, ++sequence, written, 'h').path);
      expect(loaded.sections.map((s) => s.name)).toEqual(written.map((s) => s.name));
      written.forEach((s, i) => {
        expect(Buffer.from(loaded.sections[i].bytes).equals(Buffer.from(s.bytes))).toBe(true);
        expect(loaded.sections[i].bytes.byteOffset % 8).toBe(0);
      });
    }), { numRuns: 40 });
  });

  it('names the file and the section whose chunk map was damaged', () => {
    const state = new Uint8Array(11 * SNAPSHOT_CHUNK_BYTES);
    state[2 * SNAPSHOT_CHUNK_BYTES] = 1; // chunk 2 STORED: kind 1 at bits 4-5 of map byte 0
    const { path } = writeSnapshotFile(dataDir, 9, [{ name: 'first', bytes: new Uint8Array(16).fill(3) }, { name: 'second', bytes: state }], 'h');
    const pristine = readFileSync(path);
    const mapOffset = pristine.readDoubleLE(SnapHeader.BYTES + SectionEntry.BYTES + SectionEntry.DATA);
    const damaged = (byte: number, bit: number): void => {
      const file = Buffer.from(pristine);
      file[mapOffset + byte] ^= 1 << bit;
      writeFileSync(path, file);
    };
    const where = /snapshot .*00000000000000000009\.snapshot: section second/;
    damaged(0, 4); // the stored chunk dropped from the map
    expect(() => readSnapshotFile(path)).toThrow(where);
    expect(() => readSnapshotFile(path)).toThrow(/CRC mismatch/);
    damaged(0, 6); // chunk 3 STORED, which the file does not hold
    expect(() => readSnapshotFile(path)).toThrow(/section second: its chunk map lists 131072 bytes of chunks, more than the file holds/);
    damaged(0, 5); // chunk 2 of kind 3
    expect(() => readSnapshotFile(path)).toThrow(/section second: its chunk map gives chunk 2 the unassigned kind 3/);
    damaged(0, 1); // chunk 0 CONTINUED
    expect(() => readSnapshotFile(path)).toThrow(/section second: its chunk map marks chunk 0 CONTINUED/);
    damaged(2, 6); // chunk 11 of an 11-chunk section
    expect(() => readSnapshotFile(path)).toThrow(/section second: its chunk map marks chunk 11, past the section's/);
  });

  it('refuses, naming the file, a section longer than its chunk map, before allocating for it', () => {
    const { path } = writeSnapshotFile(dataDir, 11, [{ name: 'huge', bytes: new Uint8Array(8) }], 'h');
    const written = readFileSync(path);
    const entry = SnapHeader.BYTES;
    const dataOffset = written.readDoubleLE(entry + SectionEntry.DATA);
    // The section claims 2^52 bytes, all zero, with an 8-byte chunk map; every CRC is right.
    const map = Buffer.alloc(8);
    const file = Buffer.concat([written.subarray(0, dataOffset), map]);
    file.writeDoubleLE(2 ** 52, entry + SectionEntry.LENGTH);
    file.writeUInt32LE(crc32(map), entry + SectionEntry.CRC);
    file.writeDoubleLE(file.length, SnapHeader.FILE_BYTES);
    const table = file.subarray(SnapHeader.BYTES, dataOffset);
    file.writeUInt32LE(crc32(table, crc32(file.subarray(0, SnapHeader.HEADER_CRC))), SnapHeader.HEADER_CRC);
    writeFileSync(path, file);
    // Refused by its map's length, before 2^52 bytes are asked of the allocator (whose error names no file).
    expect(() => readSnapshotFile(path)).toThrow(/snapshot .*00000000000000000011\.snapshot: section huge lies outside the file \(its chunk map is cut short\)/);
  });

  it('stores an unused pool (free list next = i + 1, sentinel fills) as its first chunks only', () => {
    const chunkWords = SNAPSHOT_CHUNK_BYTES / 4;
    const freeList = new Int32Array(30 * chunkWords).map((_, i) => (i % 16 === 12 ? (i >> 4) + 1 : i % 16 === 10 ? -1 : 0));
    const sentinel = new Float64Array(20 * chunkWords / 2).fill(-1);
    const used = new Int32Array(30 * chunkWords).map((_, i) => i);
    used[17 * chunkWords + 5] = 0; // one word off the progression: chunk 17 stored
    const written = [
      { name: 'freeList', bytes: new Uint8Array(freeList.buffer) }, { name: 'sentinel', bytes: new Uint8Array(sentinel.buffer) },
      { name: 'used', bytes: new Uint8Array(used.buffer) },
    ];
    const { path, fileBytes } = writeSnapshotFile(dataDir, 10, written, 'h');
    // freeList: chunks 0 and 1 (chunk 1 is not chunk 0 again); sentinel: chunk 0; used: 0, 1, and 17, 18, 19,
    // whose predictions the odd word spoils (from 20 on the progression continues again)
    expect(fileBytes).toBeLessThan(8 * SNAPSHOT_CHUNK_BYTES + 1024);
    expect(fileBytes).toBeGreaterThan(8 * SNAPSHOT_CHUNK_BYTES);
    const loaded = readSnapshotFile(path);
    written.forEach((s, i) => expect(Buffer.from(loaded.sections[i].bytes).equals(Buffer.from(s.bytes)), s.name).toBe(true));
  });
});
