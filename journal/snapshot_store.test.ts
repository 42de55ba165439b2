import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSnapshot } from './snapshot_store.ts';
import { readSnapshotFile, listSnapshots } from './snapshot_file.ts';
import { applyRetention } from './snapshot_retention.ts';
import { SegmentWriter } from './segment_writer.ts';
import { validateJournalOptions } from './journal_options.ts';
import { listSegments } from './segment_files.ts';
import { SEGMENT_MIN_BYTES } from './journal_descriptor.ts';
import { createScratchRecord, writeDeposit } from './test_support/record_fixture.ts';

let dataDir = '';
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'ringline-snapstore-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

function journal(count: number): void {
  const writer = new SegmentWriter(validateJournalOptions({ dataDir, segmentBytes: SEGMENT_MIN_BYTES }));
  const rec = createScratchRecord();
  for (let i = 0; i < count; i++) {
    writeDeposit(rec, 0, i, 1, 1);
    writer.append(rec, 0);
  }
  writer.close();
}

describe('writeSnapshot (snapshot worker)', () => {
  it('writes the sections off-thread, moving their buffers, and the file reads back', async () => {
    const bytes = new Uint8Array(4096).map((_, i) => (i * 7) & 0xff);
    const expected = Array.from(bytes);
    const info = await writeSnapshot(dataDir, 99, [{ name: 'state', bytes }], 'feedface');
    expect(bytes.byteLength).toBe(0); // transferred to the worker, not cloned
    expect(info.sequence).toBe(99);
    expect(info.writeMs).toBeGreaterThanOrEqual(0);
    const loaded = readSnapshotFile(info.path);
    expect(loaded.stateHash).toBe('feedface');
    expect(Array.from(loaded.sections[0].bytes)).toEqual(expected);
  });

  it('reports a failure as a rejected promise with the reason', async () => {
    await expect(writeSnapshot(dataDir, 1, [{ name: 'x'.repeat(41), bytes: new Uint8Array(8) }], 'h'))
      .rejects.toThrow(/section name x+ is longer than 40/);
  });
});

describe('applyRetention', () => {
  it('keeps the newest K snapshots and deletes only segments wholly before the oldest kept one', async () => {
    journal(3000); // ~5 segments of 64 KiB
    const segments = listSegments(dataDir);
    expect(segments.length).toBeGreaterThanOrEqual(4);
    await writeSnapshot(dataDir, 100, [{ name: 's', bytes: new Uint8Array(8) }], 'a', { keep: 2 });
    const mid = segments[2].firstSequence + 5;
    await writeSnapshot(dataDir, mid, [{ name: 's', bytes: new Uint8Array(8) }], 'b', { keep: 2 });
    expect(listSegments(dataDir).length).toBe(segments.length); // oldest kept is 100: nothing retired yet
    const last = await writeSnapshot(dataDir, 2999, [{ name: 's', bytes: new Uint8Array(8) }], 'c', { keep: 2 });
    expect(listSnapshots(dataDir).map((s) => s.sequence)).toEqual([mid, 2999]);
    // Oldest kept is `mid` (inside segment 2): segments 0 and 1 go, segment 2 and later stay.
    expect(last.deletedSegments).toEqual([segments[0].path, segments[1].path]);
    expect(listSegments(dataDir).map((s) => s.firstSequence)).toEqual(segments.slice(2).map((s) => s.firstSequence));
  });

  it('never deletes the newest segment, even when a snapshot covers all of it', () => {
    journal(10);
    const only = listSegments(dataDir)[0];
    const result = applyRetention(dataDir, 1);
    expect(result.deletedSegments).toEqual([]);
    expect(existsSync(only.path)).toBe(true);
  });

  it('validates keep with a message naming the range', () => {
    expect(() => applyRetention(dataDir, 0)).toThrow(/keep must be an integer from 1 to 1000; got 0/);
  });
});

describe('writeSnapshot durable gate', () => {
  it('writes the file only once the journaler sequence reaches the snapshot sequence', async () => {
    const memory = new SharedArrayBuffer(64);
    const words = new Int32Array(memory);
    words[4] = 10; // the journaler has made 10 durable; the snapshot is at 20
    const pending = writeSnapshot(dataDir, 20, [{ name: 's', bytes: new Uint8Array(8) }], 'h', {
      durableGate: { memory, valueIndex: 4 },
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(listSnapshots(dataDir)).toEqual([]);
    Atomics.store(words, 4, 20);
    Atomics.notify(words, 4);
    const info = await pending;
    expect(info.sequence).toBe(20);
    expect(listSnapshots(dataDir).map((s) => s.sequence)).toEqual([20]);
  });

  it('fails the snapshot when the journal does not catch up in time', async () => {
    const memory = new SharedArrayBuffer(64);
    await expect(writeSnapshot(dataDir, 5, [{ name: 's', bytes: new Uint8Array(8) }], 'h', {
      durableGate: { memory, valueIndex: 0 }, durableWaitMs: 50,
    })).rejects.toThrow(/the journal did not reach sequence 5 within 50 ms/);
    expect(listSnapshots(dataDir)).toEqual([]);
  });
});
