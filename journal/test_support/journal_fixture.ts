/**
 * Test fixture: journals a workload the way the journaler does (SegmentWriter, one write per batch)
 * while applying the same records to a live state machine, so tests can compare a recovery with
 * what the engine held.
 */
import { readFileSync } from 'node:fs';
import { createRecordBuffer } from '../../codec/records/record_buffer.ts';
import { RES_MAX_RECORD_BYTES } from '../../codec/records/result_descriptor.ts';
import { createStateMachine } from '../../core/logic/state_machine.ts';
import type { StateMachine } from '../../core/logic/state_machine_api.ts';
import { FIRST_SEQUENCE } from '../../codec/records/command_descriptor.ts';
import { validateJournalOptions, type JournalOptions } from '../journal_options.ts';
import { JournalFrame, SegmentHeader } from '../journal_descriptor.ts';
import { SegmentWriter } from '../segment_writer.ts';
import { SMALL_LOGIC_CONFIG, writeWorkloadRecord, type Workload } from './ledger_workload.ts';

export const TEST_WORKLOAD: Workload = { accounts: 50, seed: 12345 };

export interface JournaledRun {
  readonly live: StateMachine;
  /** State hash of the live state machine after each record, by sequence (only when asked). */
  readonly hashes: Map<number, string>;
}

/**
 * Journals sequences [from, to) into dataDir, applying each to `live` (a fresh state machine when
 * none is given). `hashAt` lists sequences after which to record the live hash. The journal is an
 * engine's: sequence s holds workload record s − FIRST_SEQUENCE, so a whole journal is
 * [FIRST_SEQUENCE, FIRST_SEQUENCE + n) and begins with the workload's createAsset.
 */
export function journalWorkload(
  dataDir: string, from: number, to: number,
  options: { live?: StateMachine; journal?: Partial<JournalOptions>; hashAt?: readonly number[]; batch?: number } = {},
): JournaledRun {
  const live = options.live ?? createStateMachine(SMALL_LOGIC_CONFIG);
  const writer = new SegmentWriter(validateJournalOptions({ dataDir, durability: 'none', ...options.journal }));
  const rec = createRecordBuffer(new ArrayBuffer(512));
  const out = createRecordBuffer(new ArrayBuffer(RES_MAX_RECORD_BYTES));
  const hashes = new Map<number, string>();
  const hashAt = new Set(options.hashAt ?? []);
  const batch = options.batch ?? 64;
  for (let i = from; i < to; i++) {
    writeWorkloadRecord(TEST_WORKLOAD, rec, 0, i, FIRST_SEQUENCE);
    writer.append(rec, 0);
    live.apply(rec, 0, out, 0);
    if (hashAt.has(i)) hashes.set(i, live.stateHash());
    if ((i - from) % batch === batch - 1) writer.write();
  }
  writer.close();
  return { live, hashes };
}

export function freshStateMachine(): StateMachine {
  return createStateMachine(SMALL_LOGIC_CONFIG);
}

/** Byte offsets of every frame in a segment file (walked by the frames' own lengths, unchecked). */
export function frameOffsets(path: string): number[] {
  const file = readFileSync(path);
  const offsets: number[] = [];
  for (let o = SegmentHeader.BYTES; o < file.length; o += file.readUInt32LE(o + JournalFrame.FRAME_BYTES)) offsets.push(o);
  return offsets;
}
