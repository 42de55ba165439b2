/**
 * The snapshot shadow on real segment files: it follows a journal that grows while it reads, across
 * segment rolls and retention, its state hash at every requested sequence equals the live state
 * machine's there, and a snapshot it writes recovers to that same hash.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIRST_SEQUENCE } from '../codec/records/command_descriptor.ts';
import { createRecordBuffer } from '../codec/records/record_buffer.ts';
import { RES_MAX_RECORD_BYTES } from '../codec/records/result_descriptor.ts';
import { SEGMENT_MIN_BYTES } from '../journal/journal_descriptor.ts';
import { validateJournalOptions } from '../journal/journal_options.ts';
import { listSegments } from '../journal/segment_files.ts';
import { SegmentWriter } from '../journal/segment_writer.ts';
import { listSnapshots, readSnapshotFile } from '../journal/snapshot_file.ts';
import { freshStateMachine, journalWorkload, TEST_WORKLOAD } from '../journal/test_support/journal_fixture.ts';
import { writeWorkloadRecord } from '../journal/test_support/ledger_workload.ts';
import { recoverState } from './recovery.ts';
import { ShadowReplay } from './shadow_replay.ts';

const seq = (k: number): number => FIRST_SEQUENCE + k;

let dataDir = '';
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'ringline-shadow-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

/** A journal that grows in steps, as the journaler writes it, with the live state beside it. */
function growingJournal(segmentBytes = SEGMENT_MIN_BYTES) {
  const live = freshStateMachine();
  const writer = new SegmentWriter(validateJournalOptions({ dataDir, durability: 'none', segmentBytes }));
  const rec = createRecordBuffer(new ArrayBuffer(512));
  const out = createRecordBuffer(new ArrayBuffer(RES_MAX_RECORD_BYTES));
  let next = FIRST_SEQUENCE;
  return {
    live,
    /** Journals (and applies live) every sequence up to `last`, in batches of 37 records. */
    writeTo(last: number): void {
      for (; next <= last; next++) {
        writeWorkloadRecord(TEST_WORKLOAD, rec, 0, next, FIRST_SEQUENCE);
        writer.append(rec, 0);
        live.apply(rec, 0, out, 0);
        if ((next - FIRST_SEQUENCE) % 37 === 36) writer.write();
      }
      writer.write();
    },
    close: () => writer.close(),
  };
}

const seedByRecovery = recoverState;

describe('ShadowReplay', () => {
  it('follows a growing journal across segment rolls, its hash equal to the live state at every step', () => {
    const journal = growingJournal();
    const shadow = new ShadowReplay(freshStateMachine(), dataDir, seedByRecovery);
    for (const step of [0, 1, 36, 37, 500, 1234, 1235, 2999]) {
      journal.writeTo(seq(step));
      expect(shadow.catchUp(seq(step))).toBeGreaterThan(0);
      expect({ step, sequence: shadow.lastSequence, hash: shadow.sm.stateHash() }).toEqual({ step, sequence: seq(step), hash: journal.live.stateHash() });
    }
    expect(listSegments(dataDir).length).toBeGreaterThan(2);
    expect(shadow.catchUp(seq(2999))).toBe(0); // already there: nothing applied
    journal.close();
  });

  it('writes a snapshot from its own state that recovers to the same hash, and keeps following after retention', () => {
    const journal = growingJournal();
    const shadow = new ShadowReplay(freshStateMachine(), dataDir, seedByRecovery);
    const hashes: string[] = [];
    for (const at of [seq(999), seq(2000), seq(3100)]) {
      journal.writeTo(at);
      const info = shadow.snapshot(at, 1);
      hashes.push(journal.live.stateHash());
      expect(info).toMatchObject({ sequence: at, stateHash: journal.live.stateHash() });
      expect(readSnapshotFile(info.path).stateHash).toBe(journal.live.stateHash());
      // Recovered from that snapshot (and no journal after it): the same state.
      const recovered = freshStateMachine();
      const report = recoverState(recovered, { dataDir, repair: false, readOnly: true, toSequence: at });
      expect(report).toMatchObject({ snapshotSequence: at, lastSequence: at, replayedCount: 0 });
      expect(recovered.stateHash()).toBe(journal.live.stateHash());
    }
    // keep 1: one snapshot left, the segments only older snapshots needed are gone, and the shadow
    // still found its next records each time.
    expect(listSnapshots(dataDir).map((s) => s.sequence)).toEqual([seq(3100)]);
    expect(listSegments(dataDir)[0].firstSequence).toBeGreaterThan(seq(999));
    expect(new Set(hashes).size).toBe(3);
    journal.close();
  });

  it('is seeded lazily from the newest snapshot and the journal after it (a restarted engine)', () => {
    const { live } = journalWorkload(dataDir, seq(0), seq(2500), { journal: { segmentBytes: SEGMENT_MIN_BYTES } });
    const first = new ShadowReplay(freshStateMachine(), dataDir, seedByRecovery);
    first.snapshot(seq(1500), 1);
    expect(listSegments(dataDir)[0].firstSequence).toBeGreaterThan(seq(0)); // a full replay is no longer possible
    const second = new ShadowReplay(freshStateMachine(), dataDir, seedByRecovery);
    expect(second.catchUp(seq(2499))).toBe(seq(2499) - (FIRST_SEQUENCE - 1));
    expect(second.sm.stateHash()).toBe(live.stateHash());
  });

  it('refuses a request behind its state, and a sequence the journal does not hold, naming both', () => {
    journalWorkload(dataDir, seq(0), seq(300));
    const shadow = new ShadowReplay(freshStateMachine(), dataDir, seedByRecovery);
    shadow.catchUp(seq(200));
    expect(() => shadow.catchUp(seq(100))).toThrow(`asked for sequence ${seq(100)}, but it already holds the state at ${seq(200)}`);
    expect(() => shadow.catchUp(seq(400))).toThrow(`the journal ends at sequence ${seq(299)}, before the durable sequence ${seq(400)}`);
    const empty = new ShadowReplay(freshStateMachine(), join(dataDir, 'empty'), null);
    expect(() => empty.catchUp(seq(5))).toThrow(`no journal segment holds sequence ${seq(0)}`);
  });
});
