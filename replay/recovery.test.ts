import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, rmSync, statSync, truncateSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recoverState, JournalCorruptError } from './recovery.ts';
import { journalWorkload, freshStateMachine, frameOffsets, TEST_WORKLOAD } from '../journal/test_support/journal_fixture.ts';
import { WORKLOAD_PRINCIPAL_ID, workloadCommand, writeWorkloadRecord } from '../journal/test_support/ledger_workload.ts';
import { writeCommand } from '../core/logic/test_support/command_writer.ts';
import { ResHeader, RES_MAX_RECORD_BYTES, RESULT_FLAG_DUPLICATE } from '../codec/records/result_descriptor.ts';
import { SegmentWriter } from '../journal/segment_writer.ts';
import { validateJournalOptions } from '../journal/journal_options.ts';
import { createRecordBuffer } from '../codec/records/record_buffer.ts';
import { listSegments } from '../journal/segment_files.ts';
import { writeSnapshotFile, listSnapshots } from '../journal/snapshot_file.ts';
import { SEGMENT_MIN_BYTES } from '../journal/journal_descriptor.ts';
import { FIRST_SEQUENCE } from '../codec/records/command_descriptor.ts';

/** The sequence of a journal's record k (counting from 0): sequence 0 is the empty state, the first command is FIRST_SEQUENCE. */
const seq = (k: number): number => FIRST_SEQUENCE + k;
/** A file name's 20-digit sequence, as segment and snapshot files are named. */
const named = (sequence: number): string => String(sequence).padStart(20, '0');

let dataDir = '';
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'ringline-recovery-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

describe('recoverState', () => {
  it('creates a missing data directory and reports an empty state', () => {
    const dir = join(dataDir, 'new', 'nested');
    const report = recoverState(freshStateMachine(), { dataDir: dir, repair: false });
    // Sequence 0 is the empty state: nothing recovered is FIRST_SEQUENCE - 1 (0), never -1.
    expect(report).toMatchObject({ lastSequence: FIRST_SEQUENCE - 1, snapshotSequence: -1, replayedCount: 0, truncatedBytes: 0, warnings: [] });
    expect(statSync(dir).isDirectory()).toBe(true);
  });

  it('refuses a data directory path that is not a directory, naming it', () => {
    const file = join(dataDir, 'plain-file');
    writeFileSync(file, 'x');
    expect(() => recoverState(freshStateMachine(), { dataDir: file, repair: false })).toThrow(`data directory ${file} is not a directory`);
  });

  it('a full replay reproduces the live state hash across several segments', () => {
    const { live } = journalWorkload(dataDir, seq(0), seq(3000), { journal: { segmentBytes: SEGMENT_MIN_BYTES } });
    expect(listSegments(dataDir).length).toBeGreaterThan(2);
    const sm = freshStateMachine();
    const report = recoverState(sm, { dataDir, repair: false });
    expect(report).toMatchObject({ lastSequence: seq(2999), snapshotSequence: -1, replayedCount: 3000, warnings: [] });
    expect(sm.stateHash()).toBe(live.stateHash());
    expect(sm.lastAppliedSequence).toBe(seq(2999));
  });

  it('truncates a torn tail (cut mid-record) with a warning naming bytes and the last good sequence, then serves', () => {
    const { hashes } = journalWorkload(dataDir, seq(0), seq(500), { hashAt: [seq(498)] });
    const [segment] = listSegments(dataDir);
    const offsets = frameOffsets(segment.path);
    const size = statSync(segment.path).size;
    const cut = offsets[499] + 20; // inside the last record (record 499)
    truncateSync(segment.path, cut);
    const sm = freshStateMachine();
    const report = recoverState(sm, { dataDir, repair: false });
    expect(report.lastSequence).toBe(seq(498));
    expect(report.truncatedBytes).toBe(20);
    expect(report.warnings).toHaveLength(1);
    expect(report.warnings[0]).toMatch(new RegExp(`torn tail: frame of \\d+ bytes cut short .* offset \\d+, after sequence ${seq(498)}; truncated 20 bytes; last good sequence ${seq(498)}`));
    expect(statSync(segment.path).size).toBe(offsets[499]);
    expect(sm.stateHash()).toBe(hashes.get(seq(498)));
    expect(size).toBeGreaterThan(cut);
    // The journal is clean now and the engine continues at record 499.
    journalWorkload(dataDir, seq(499), seq(600), { live: sm });
    const again = freshStateMachine();
    expect(recoverState(again, { dataDir, repair: false })).toMatchObject({ lastSequence: seq(599), warnings: [] });
    expect(again.stateHash()).toBe(sm.stateHash());
  });

  it('treats a last frame with a bad CRC and a zero-filled tail as torn', () => {
    journalWorkload(dataDir, seq(0), seq(100));
    const [segment] = listSegments(dataDir);
    const file = readFileSync(segment.path);
    file[file.length - 3] ^= 0xff; // inside the last frame
    writeFileSync(segment.path, Buffer.concat([file, Buffer.alloc(4096)]));
    const report = recoverState(freshStateMachine(), { dataDir, repair: false });
    expect(report.lastSequence).toBe(seq(98));
    expect(report.warnings[0]).toMatch(/torn tail/);
  });

  it('refuses corruption before the tail with file, offset and sequence; --repair truncates there and starts', () => {
    const { hashes } = journalWorkload(dataDir, seq(0), seq(3000), { journal: { segmentBytes: SEGMENT_MIN_BYTES }, hashAt: [seq(199)] });
    const segments = listSegments(dataDir);
    const first = segments[0];
    const offsets = frameOffsets(first.path);
    const file = readFileSync(first.path);
    file[offsets[200] + 60] ^= 0x01; // a body byte of record 200
    writeFileSync(first.path, file);

    let error: unknown;
    try {
      recoverState(freshStateMachine(), { dataDir, repair: false });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(JournalCorruptError);
    const corrupt = error as JournalCorruptError;
    expect(corrupt.message).toContain(`file ${first.path}, offset ${offsets[200]}, after sequence ${seq(199)}`);
    expect(corrupt.message).toMatch(/CRC mismatch.*--repair/);
    expect(corrupt).toMatchObject({ file: first.path, offset: offsets[200], lastGoodSequence: seq(199) });
    expect(listSegments(dataDir).length).toBe(segments.length); // nothing touched without repair

    const sm = freshStateMachine();
    const report = recoverState(sm, { dataDir, repair: true });
    expect(report.lastSequence).toBe(seq(199));
    expect(report.warnings[0]).toMatch(new RegExp(`journal repair: CRC mismatch .*removed ${segments.length - 1} later segment`));
    expect(sm.stateHash()).toBe(hashes.get(seq(199)));
    expect(listSegments(dataDir).map((s) => s.path)).toEqual([first.path]);
    expect(recoverState(freshStateMachine(), { dataDir, repair: false }).warnings).toEqual([]);
  });

  it('refuses a missing middle segment as a sequence gap', () => {
    journalWorkload(dataDir, seq(0), seq(3000), { journal: { segmentBytes: SEGMENT_MIN_BYTES } });
    const segments = listSegments(dataDir);
    rmSync(segments[1].path);
    expect(() => recoverState(freshStateMachine(), { dataDir, repair: false }))
      .toThrow(new RegExp(`sequence gap: the segment starts at ${segments[2].firstSequence} but the journal before it ends at ${segments[1].firstSequence - 1}`));
  });

  it('snapshot + tail replay gives the same state hash as a full replay, reading fewer segments', () => {
    const { live, hashes } = journalWorkload(dataDir, seq(0), seq(1500), { journal: { segmentBytes: SEGMENT_MIN_BYTES }, hashAt: [seq(1199)] });
    // The snapshot the engine would take at record 1199: rebuild that state by replaying up to it.
    const atSnapshot = freshStateMachine();
    recoverState(atSnapshot, { dataDir, repair: false, toSequence: seq(1199), readOnly: true });
    expect(atSnapshot.stateHash()).toBe(hashes.get(seq(1199)));
    writeSnapshotFile(dataDir, seq(1199), atSnapshot.exportState(), atSnapshot.stateHash());
    journalWorkload(dataDir, seq(1500), seq(3000), { live, journal: { segmentBytes: SEGMENT_MIN_BYTES } });

    const full = freshStateMachine();
    const fullReport = recoverState(full, { dataDir, repair: false, useSnapshots: false });
    const fromSnapshot = freshStateMachine();
    const report = recoverState(fromSnapshot, { dataDir, repair: false });
    expect(report).toMatchObject({ snapshotSequence: seq(1199), lastSequence: seq(2999), replayedCount: 1800, warnings: [] });
    expect(fullReport.replayedCount).toBe(3000);
    expect(report.segmentsRead).toBeLessThan(fullReport.segmentsRead);
    expect(fromSnapshot.stateHash()).toBe(full.stateHash());
    expect(full.stateHash()).toBe(live.stateHash());
  });

  it('falls back to an older snapshot when the newest is damaged, with a warning', () => {
    const { live } = journalWorkload(dataDir, seq(0), seq(800));
    for (const at of [seq(299), seq(599)]) {
      const sm = freshStateMachine();
      recoverState(sm, { dataDir, repair: false, toSequence: at, readOnly: true });
      writeSnapshotFile(dataDir, at, sm.exportState(), sm.stateHash());
    }
    const newest = listSnapshots(dataDir)[1].path;
    const file = readFileSync(newest);
    file[file.length - 100] ^= 0x10;
    writeFileSync(newest, file);
    const sm = freshStateMachine();
    const report = recoverState(sm, { dataDir, repair: false });
    expect(report.snapshotSequence).toBe(seq(299));
    expect(report.warnings[0]).toMatch(new RegExp(`skipped snapshot .*${named(seq(599))}\\.snapshot: .*CRC mismatch`));
    expect(sm.stateHash()).toBe(live.stateHash());
  });

  it('a snapshot whose CRCs pass but whose hash does not: an older one is used, and with none left start-up stops', () => {
    const { live } = journalWorkload(dataDir, seq(0), seq(400));
    const at = (sequence: number, hash?: string): void => {
      const sm = freshStateMachine();
      recoverState(sm, { dataDir, repair: false, toSequence: sequence, readOnly: true });
      writeSnapshotFile(dataDir, sequence, sm.exportState(), hash ?? sm.stateHash());
    };
    at(seq(100));
    at(seq(300), 'feedfacefeedface');
    const sm = freshStateMachine();
    const report = recoverState(sm, { dataDir, repair: false });
    expect(report.snapshotSequence).toBe(seq(100));
    expect(report.warnings[0]).toMatch(/state hash after import is [0-9a-f]+, the snapshot recorded feedfacefeedface/);
    expect(sm.stateHash()).toBe(live.stateHash());
    rmSync(listSnapshots(dataDir)[0].path);
    expect(() => recoverState(freshStateMachine(), { dataDir, repair: false })).toThrow(/no snapshot could be used .*Move the snapshots aside/);
  });

  it('refuses to recover to a state older than a snapshot it could not use (no journal after it)', () => {
    const { live } = journalWorkload(dataDir, seq(0), seq(300));
    // Unusable: written by a build whose state had one more section in front (refused by name).
    writeSnapshotFile(dataDir, seq(299), [{ name: 'retired.section', bytes: new Uint8Array(8) }, ...live.exportState()], live.stateHash());
    for (const segment of listSegments(dataDir)) rmSync(segment.path); // retention removed what it covered
    expect(() => recoverState(freshStateMachine(), { dataDir, repair: false }))
      .toThrow(new RegExp(`journal ends at sequence 0, before snapshot ${seq(299)}, which could not be used .*importState: expected \\d+ sections, got \\d+`));
  });

  it('refuses a journal whose beginning is gone when no snapshot covers it', () => {
    journalWorkload(dataDir, seq(0), seq(3000), { journal: { segmentBytes: SEGMENT_MIN_BYTES } });
    rmSync(listSegments(dataDir)[0].path);
    expect(() => recoverState(freshStateMachine(), { dataDir, repair: false })).toThrow(/starts at sequence \d+ and no valid snapshot covers/);
  });

  it('refuses a journal that starts at sequence 0 (the empty state is never journaled)', () => {
    const writer = new SegmentWriter(validateJournalOptions({ dataDir, durability: 'none' }));
    const rec = createRecordBuffer(new ArrayBuffer(512));
    for (let i = 0; i < 10; i++) {
      writeWorkloadRecord(TEST_WORKLOAD, rec, 0, i); // record i at sequence i: the journal starts at 0
      writer.append(rec, 0);
    }
    writer.close();
    expect(() => recoverState(freshStateMachine(), { dataDir, repair: false }))
      .toThrow(/starts at sequence 0, before the first sequence 1/);
  });

  it('removes an empty newest segment left by a crash before its first write', () => {
    journalWorkload(dataDir, seq(0), seq(100));
    const empty = join(dataDir, 'journal', `${named(seq(100))}.journal`);
    writeFileSync(empty, Buffer.alloc(0));
    const report = recoverState(freshStateMachine(), { dataDir, repair: false });
    expect(report.lastSequence).toBe(seq(99));
    expect(existsSync(empty)).toBe(false);
    expect(report.warnings[0]).toMatch(/torn tail: segment header is cut short/);
  });

  describe('a prepared newest segment (full size, zeros after its frames) left by a crash', () => {
    /** The newest segment as the journaler leaves it mid-use: its frames, then zeros to `bytes`. */
    function zeroTail(bytes: number): { path: string; logicalBytes: number } {
      const segment = listSegments(dataDir).at(-1)!;
      const file = readFileSync(segment.path);
      writeFileSync(segment.path, Buffer.concat([file, Buffer.alloc(bytes - file.length)]));
      return { path: segment.path, logicalBytes: file.length };
    }

    it('recovers every record without a warning and cuts the zeros, so the segment is as long as its frames', () => {
      const { live } = journalWorkload(dataDir, seq(0), seq(3000), { journal: { segmentBytes: SEGMENT_MIN_BYTES } });
      const { path, logicalBytes } = zeroTail(3 * 1024 * 1024); // beyond the reader's 1 MiB chunk
      // Read-only (the replay CLI, a check): every record, nothing changed.
      const readOnly = recoverState(freshStateMachine(), { dataDir, repair: false, readOnly: true });
      expect(readOnly).toMatchObject({ lastSequence: seq(2999), replayedCount: 3000, warnings: [] });
      expect(statSync(path).size).toBe(3 * 1024 * 1024);
      const sm = freshStateMachine();
      const report = recoverState(sm, { dataDir, repair: false });
      expect(report).toMatchObject({ lastSequence: seq(2999), replayedCount: 3000, truncatedBytes: 0, warnings: [] });
      expect(sm.stateHash()).toBe(live.stateHash());
      expect(statSync(path).size).toBe(logicalBytes);
    });

    it('a torn frame followed by megabytes of zeros is a torn tail, cut to the last whole record', () => {
      journalWorkload(dataDir, seq(0), seq(100));
      const [segment] = listSegments(dataDir);
      const offsets = frameOffsets(segment.path);
      const file = readFileSync(segment.path);
      // Record 99's first bytes reached the disk, the rest of it (and everything after) is zeros.
      const torn = Buffer.alloc(2 * 1024 * 1024);
      file.copy(torn, 0, 0, offsets[99] + 24);
      writeFileSync(segment.path, torn);
      const report = recoverState(freshStateMachine(), { dataDir, repair: false });
      expect(report.lastSequence).toBe(seq(98));
      expect(report.warnings[0]).toMatch(/torn tail: CRC mismatch/);
      expect(statSync(segment.path).size).toBe(offsets[99]);
    });

    it('a zeroed stretch with a whole record after it, far beyond the first chunk, is corruption, not an end', () => {
      journalWorkload(dataDir, seq(0), seq(100));
      const [segment] = listSegments(dataDir);
      const offsets = frameOffsets(segment.path);
      const file = readFileSync(segment.path);
      // Records 0..49, then 2 MiB of zeros, then record 99 whole (acknowledged data behind a hole).
      const holed = Buffer.concat([file.subarray(0, offsets[50]), Buffer.alloc(2 * 1024 * 1024), file.subarray(offsets[99])]);
      writeFileSync(segment.path, holed);
      expect(() => recoverState(freshStateMachine(), { dataDir, repair: false })).toThrow(JournalCorruptError);
      expect(() => recoverState(freshStateMachine(), { dataDir, repair: false })).toThrow(/zero frame length with a whole frame after it/);
    });

    it('removes a newest segment that is all zeros (taken from the preparer, its first write lost)', () => {
      journalWorkload(dataDir, seq(0), seq(100));
      const zeros = join(dataDir, 'journal', `${named(seq(100))}.journal`);
      writeFileSync(zeros, Buffer.alloc(SEGMENT_MIN_BYTES));
      const report = recoverState(freshStateMachine(), { dataDir, repair: false });
      expect(report.lastSequence).toBe(seq(99));
      expect(existsSync(zeros)).toBe(false);
      expect(report.warnings[0]).toMatch(/torn tail: segment header never written/);
    });

    it('removes a newest segment with a header and nothing after it but zeros', () => {
      journalWorkload(dataDir, seq(0), seq(100));
      const newest = join(dataDir, 'journal', `${named(seq(100))}.journal`);
      const fresh = Buffer.alloc(SEGMENT_MIN_BYTES);
      // The header of a segment starting at seq(100), written the way the journaler writes one.
      const writer = new SegmentWriter(validateJournalOptions({ dataDir: join(dataDir, 'scratch'), durability: 'none' }));
      const rec = createRecordBuffer(new ArrayBuffer(RES_MAX_RECORD_BYTES));
      writeWorkloadRecord(TEST_WORKLOAD, rec, 0, seq(100), FIRST_SEQUENCE);
      writer.append(rec, 0);
      writer.close();
      readFileSync(listSegments(join(dataDir, 'scratch'))[0].path).copy(fresh, 0, 0, 64);
      writeFileSync(newest, fresh);
      const report = recoverState(freshStateMachine(), { dataDir, repair: false });
      expect(report.lastSequence).toBe(seq(99));
      expect(existsSync(newest)).toBe(false);
      expect(report.warnings[0]).toMatch(/removed empty journal segment/);
    });
  });

  it('removes a snapshot temp file a crash left behind, with a warning', () => {
    journalWorkload(dataDir, seq(0), seq(10));
    const sm = freshStateMachine();
    writeSnapshotFile(dataDir, seq(5), sm.exportState(), sm.stateHash());
    const temp = join(dataDir, 'snapshots', `${named(seq(9))}.snapshot.tmp`);
    writeFileSync(temp, 'half a snapshot');
    const report = recoverState(freshStateMachine(), { dataDir, repair: false, useSnapshots: false });
    expect(existsSync(temp)).toBe(false);
    expect(report.warnings).toEqual([`recovery: removed ${temp}, a snapshot a crash interrupted`]);
  });

  it('read-only mode reports a torn tail without truncating', () => {
    journalWorkload(dataDir, seq(0), seq(100));
    const [segment] = listSegments(dataDir);
    const size = statSync(segment.path).size;
    truncateSync(segment.path, size - 5);
    const report = recoverState(freshStateMachine(), { dataDir, repair: false, readOnly: true });
    expect(report.lastSequence).toBe(seq(98));
    expect(report.warnings[0]).toMatch(/read-only: nothing truncated/);
    expect(statSync(segment.path).size).toBe(size - 5);
  });

  it('answers repeated idempotency ids as the live engine did, and a checkpoint mid-replay holds the live state, through a long replay', () => {
    // Ids repeat at distances around the window (1024 in SMALL_LOGIC_CONFIG): some answered from the stored
    // result, some forgotten and applied again; long enough for the replay's compact window tables to be used.
    const records = 6000;
    const checkpointAt = seq(4321);
    const live = freshStateMachine();
    const writer = new SegmentWriter(validateJournalOptions({ dataDir, durability: 'none', segmentBytes: 256 * 1024 }));
    const rec = createRecordBuffer(new ArrayBuffer(512));
    const out = createRecordBuffer(new ArrayBuffer(RES_MAX_RECORD_BYTES));
    const answers: string[] = [];
    let duplicates = 0;
    let checkpointHash = '';
    for (let k = 0; k < records; k++) {
      const { admin, spec } = workloadCommand(TEST_WORKLOAD, k);
      const idempotencyId = k <= 2 * TEST_WORKLOAD.accounts ? 0 : 1 + (Math.imul(k, 0x9e3779b1) >>> 0) % 1300;
      writeCommand(rec, 0, { sequence: seq(k), principalId: WORKLOAD_PRINCIPAL_ID, admin, sessionId: 1, correlationId: k, idempotencyId }, spec);
      writer.append(rec, 0);
      const length = live.apply(rec, 0, out, 0);
      answers.push(Buffer.from(out.bytes.subarray(0, length)).toString('hex'));
      if ((out.u32[ResHeader.FLAGS >>> 2] & RESULT_FLAG_DUPLICATE) !== 0) duplicates++;
      if (seq(k) === checkpointAt) checkpointHash = live.stateHash();
      if (k % 64 === 63) writer.write();
    }
    writer.close();
    expect(duplicates).toBeGreaterThan(500);
    const sm = freshStateMachine();
    const replayed: string[] = [];
    let reachedHash = '';
    const report = recoverState(sm, {
      dataDir, repair: false,
      onApplied: (_cmd, _base, result, resultBase) => {
        replayed.push(Buffer.from(result.bytes.subarray(resultBase, resultBase + result.u32[(resultBase + ResHeader.LENGTH) >>> 2])).toString('hex'));
      },
      checkpoint: { sequence: checkpointAt, reached: (at) => { reachedHash = at.stateHash(); } },
    });
    expect(report.replayedCount).toBe(records);
    expect(replayed).toEqual(answers);
    expect(reachedHash).toBe(checkpointHash);
    expect(sm.stateHash()).toBe(live.stateHash());
    // Byte for byte, the rebuilt idempotency index included (compared as one boolean: a deep equal of MiBs is slow).
    expect(Buffer.concat(sm.exportState().map((x) => x.bytes)).equals(Buffer.concat(live.exportState().map((x) => x.bytes)))).toBe(true);
  });
});
