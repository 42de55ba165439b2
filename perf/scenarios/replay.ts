/**
 * replay: recovery speed — the business logic re-applying journaled commands read in place from
 * segment files (CRC-checked frame by frame), as at every start-up.
 *
 *   segment files ──read──► SegmentReader (8-aligned buffer, frames in place) ──► StateMachine.apply
 *
 * Cases:
 *   replay                  a journal of transfers replayed from the first sequence, commands/s (durationMs of
 *                           recoverState: file reads, CRCs and apply) as a restart does it: a reader thread
 *                           (reads, CRCs, idempotency lookups) ahead of the logic thread, its start included
 *   replay-single-thread    the same on the calling thread alone (recovery without a reader thread)
 *   replay-reader-stage     the reader thread alone (the logic thread takes records and applies none):
 *                           records per second of the reader's busy time
 *   replay-logic-stage      the logic thread of `replay` alone: records per second of its time applying
 *                           (its waits for records left out); the lower of the two stages bounds `replay`
 *   replay-no-idempotency   the same transfers journaled without idempotency ids, with a reader thread: replay
 *                           minus the idempotency window's bookkeeping (the split: what remembering results costs)
 *   scan                    the journal read and every frame CRC-checked, without applying: the
 *                           journal's own share of a replay
 *   restart-10m             a whole restart with that many journaled commands: create the state machine
 *                           (default capacities) + recoverState, no snapshot
 *   restart-10m-snapshot    the same with a snapshot 1% before the end: load and verify the snapshot
 *                           (CRCs, importState, state-hash check), then replay the tail
 *   verify-crc-serial       `ringline replay --verify`'s journal check (journal/journal_check.ts) on the
 *                           calling thread: every frame's length, CRC-32 and sequence, segment after segment
 *   verify-crc-pool         the same check with the segments spread over a piscina pool of one thread per
 *                           core (pool start-up included); both on a copy of the journal cut in 32 MiB segments
 * Quick mode journals 2M commands instead of 10M (the case names keep the headline name; `records`
 * in the conditions says what ran). The page cache is warm (the journal was just written).
 * Check: every run must end at the same sequence with the same state hash; a difference is an error.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRecordBuffer } from '../../codec/records/record_buffer.ts';
import { CmdHeader, FIRST_SEQUENCE, Transfer } from '../../codec/records/command_descriptor.ts';
import { writeCommand } from '../../core/logic/test_support/command_writer.ts';
import { createStateMachine, DEFAULT_LOGIC_CONFIG } from '../../core/logic/state_machine.ts';
import { validateJournalOptions } from '../../journal/journal_options.ts';
import { SegmentWriter } from '../../journal/segment_writer.ts';
import { writeSnapshotFile } from '../../journal/snapshot_file.ts';
import { listSegments } from '../../journal/segment_files.ts';
import { recoverState } from '../../replay/recovery.ts';
import { FrameStatus, SegmentReader } from '../../journal/segment_reader.ts';
import { replayWithReaderThread, type PipelineReport } from '../../replay/pipelined_replay.ts';
import { checkJournal } from '../../journal/journal_check.ts';
import { WORKLOAD_PRINCIPAL_ID, writeWorkloadRecord } from '../../journal/test_support/ledger_workload.ts';
import { median } from '../median.ts';
import { nowNs } from '../clock.ts';
import type { ResultRow, ScenarioOptions, ScenarioRun } from '../result_row.ts';

const ACCOUNTS = 10_000;

/** Journals set-up commands then transfers up to `records` (durability none: this is set-up, not the bench). */
export function writeJournal(dataDir: string, records: number, segmentBytes?: number, idempotencyIds = true): void {
  const writer = new SegmentWriter(validateJournalOptions({ dataDir, durability: 'none', writeBufferBytes: 16 * 1024 * 1024, ...(segmentBytes === undefined ? {} : { segmentBytes }) }));
  const rec = createRecordBuffer(new ArrayBuffer(512));
  const workload = { accounts: ACCOUNTS, seed: 1 };
  const setup = 1 + 2 * ACCOUNTS;
  for (let i = 0; i < setup; i++) {
    writeWorkloadRecord(workload, rec, 0, FIRST_SEQUENCE + i, FIRST_SEQUENCE);
    writer.append(rec, 0);
  }
  writeCommand(rec, 0, { sequence: FIRST_SEQUENCE + setup, principalId: WORKLOAD_PRINCIPAL_ID, sessionId: 1 },
    { kind: 'transfer', fromAccountId: 1, toAccountId: 2, assetId: 1, amount: 1 });
  const f64 = rec.f64;
  let h = 0x12345678;
  for (let i = setup; i < records; i++) {
    h = (Math.imul(h, 1103515245) + 12345) >>> 0;
    f64[CmdHeader.SEQUENCE >>> 3] = FIRST_SEQUENCE + i;
    f64[CmdHeader.CORRELATION_ID >>> 3] = i;
    f64[CmdHeader.IDEMPOTENCY_ID >>> 3] = idempotencyIds ? i + 1 : 0;
    f64[Transfer.FROM_ACCOUNT_ID >>> 3] = 1 + (h % ACCOUNTS);
    f64[Transfer.TO_ACCOUNT_ID >>> 3] = 1 + ((h >>> 8) % ACCOUNTS);
    f64[Transfer.AMOUNT >>> 3] = 1 + (h >>> 24);
    writer.append(rec, 0);
    if ((i & 65535) === 0) writer.write();
  }
  writer.close();
}

interface Restart {
  readonly totalMs: number;
  readonly recoverMs: number;
  readonly replayed: number;
  readonly lastSequence: number;
  readonly hash: string;
  readonly pipeline: PipelineReport | null;
}

/** How a restart replays: with a reader thread whatever the journal's size, or on one thread. */
type Threads = 'reader' | 'single';

/** Commands per second of a replay of the whole journal (recoverState's own durationMs). */
function replayRate(x: Restart): number {
  return x.replayed / (x.recoverMs / 1000);
}

function restart(dataDir: string, useSnapshots: boolean, threads: Threads, checkpoint?: number): Restart {
  const started = nowNs();
  const sm = createStateMachine(DEFAULT_LOGIC_CONFIG);
  const report = recoverState(sm, {
    dataDir, repair: false, readOnly: true, useSnapshots, readerThreadMinBytes: threads === 'reader' ? 0 : undefined,
    checkpoint: checkpoint === undefined ? undefined : {
      sequence: checkpoint,
      reached: (at) => writeSnapshotFile(dataDir, at.lastAppliedSequence, at.exportState(), at.stateHash()),
    },
  });
  const totalMs = (nowNs() - started) / 1e6;
  return { totalMs, recoverMs: report.durationMs, replayed: report.replayedCount, lastSequence: report.lastSequence, hash: sm.stateHash(), pipeline: report.pipeline };
}

/** Reads and CRC-checks every frame; returns frames per second (or 0 when a frame is bad). */
function scan(dataDir: string): { perSecond: number; frames: number } {
  const reader = new SegmentReader();
  const started = nowNs();
  let frames = 0;
  for (const segment of listSegments(dataDir)) {
    reader.load(segment.path, segment.firstSequence - 1);
    let status: number;
    while ((status = reader.next()) === FrameStatus.OK) frames++;
    if (status !== FrameStatus.END) return { perSecond: 0, frames };
  }
  return { perSecond: frames / ((nowNs() - started) / 1e9), frames };
}

/** The reader thread alone: the logic thread takes every record and applies none. Records per second of the reader's busy time. */
function readerStage(dataDir: string): { perSecond: number; records: number } {
  let records = 0;
  const piped = replayWithReaderThread(createStateMachine(DEFAULT_LOGIC_CONFIG), { applyRecord: () => { records++; } },
    listSegments(dataDir), 0, -1, Number.MAX_SAFE_INTEGER, 0);
  if (piped === null) throw new Error('replay bench: the reader thread did not start');
  return { perSecond: records / (piped.report.readerBusyMs / 1000), records };
}

/** Segment size of the journal the verify-crc cases check: several segments, so a pool has work to share. */
const VERIFY_SEGMENT_BYTES = 32 * 1024 * 1024;

/** The journal check, serial and pooled, `runs` times each (interleaved); frames per second of each. */
async function verifyCrc(records: number, options: ScenarioOptions): Promise<{ serial: number[]; pool: number[]; threads: number; segments: number; errors: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ringline-bench-verify-'));
  try {
    writeJournal(dataDir, records, VERIFY_SEGMENT_BYTES);
    const serial: number[] = [];
    const pool: number[] = [];
    let threads = 0;
    let errors = 0;
    for (let r = 0; r < options.runs; r++) {
      const one = await checkJournal(dataDir, { threads: 1 });
      const many = await checkJournal(dataDir, { threads: availableParallelism() });
      threads = many.threads;
      errors += [one, many].filter((c) => c.problems.length > 0 || c.frames !== records).length;
      serial.push(one.frames / (one.durationMs / 1000));
      pool.push(many.frames / (many.durationMs / 1000));
      options.log(`verify-crc run ${r + 1}/${options.runs}: serial ${one.durationMs.toFixed(0)} ms, pool of ${many.threads} ${many.durationMs.toFixed(0)} ms`);
    }
    return { serial, pool, threads, segments: listSegments(dataDir).length, errors };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export const run: ScenarioRun = async (options: ScenarioOptions) => {
  const records = options.mode === 'full' ? 10_000_000 : 2_000_000;
  const dataDir = mkdtempSync(join(tmpdir(), 'ringline-bench-replay-'));
  try {
    const genStarted = nowNs();
    writeJournal(dataDir, records);
    options.log(`journaled ${records} commands in ${((nowNs() - genStarted) / 1e9).toFixed(1)} s ` +
      `(${listSegments(dataDir).length} segment(s))`);
    const lastSequence = FIRST_SEQUENCE + records - 1;
    const snapshotAt = lastSequence - Math.floor(records / 100);
    const scans = Array.from({ length: options.runs }, () => scan(dataDir));
    const full: Restart[] = [];
    const single: Restart[] = [];
    const snap: Restart[] = [];
    const noIds: Restart[] = [];
    const readers: { perSecond: number; records: number }[] = [];
    const noIdsDir = join(dataDir, 'no-idempotency-ids');
    writeJournal(noIdsDir, records, undefined, false);
    // The first full restart also writes the snapshot at snapshotAt (not timed in later runs).
    const first = restart(dataDir, false, 'single', snapshotAt);
    options.log(`first restart (writes the snapshot at ${snapshotAt}): ${first.totalMs.toFixed(0)} ms`);
    for (let r = 0; r < options.runs; r++) {
      full.push(restart(dataDir, false, 'reader'));
      single.push(restart(dataDir, false, 'single'));
      readers.push(readerStage(dataDir));
      noIds.push(restart(noIdsDir, false, 'reader'));
      // The tail after the snapshot is 1% of the journal: the engine replays that on one thread (below its threshold).
      snap.push(restart(dataDir, true, 'single'));
      const p = full[r].pipeline as PipelineReport;
      options.log(`run ${r + 1}/${options.runs}: full ${full[r].totalMs.toFixed(0)} ms (replay ${Math.round(replayRate(full[r]))} commands/s: ` +
        `hand-over after ${p.readerStartMs.toFixed(0)} ms and ${p.handOverAfterRecords} records, reader busy ${p.readerBusyMs.toFixed(0)} ms, waiting ${p.readerWaitMs.toFixed(0)} ms; ` +
        `logic busy ${p.logicBusyMs.toFixed(0)} ms, waiting ${p.logicWaitMs.toFixed(0)} ms; one thread ${Math.round(replayRate(single[r]))}/s; ` +
        `reader alone ${Math.round(readers[r].perSecond)}/s; without idempotency ids ${Math.round(replayRate(noIds[r]))}/s), ` +
        `with snapshot ${snap[r].totalMs.toFixed(0)} ms`);
    }
    const noIdsHash = noIds[0].hash;
    const errors = [...full, ...single, ...snap].filter((x) => x.hash !== first.hash || x.lastSequence !== lastSequence).length
      + noIds.filter((x) => x.hash !== noIdsHash || x.lastSequence !== lastSequence).length
      + scans.filter((x) => x.frames !== records).length + readers.filter((x) => x.records !== records).length;
    const pipelines = full.map((x) => x.pipeline as PipelineReport);
    const common = { records, accounts: ACCOUNTS, mix: 'transfers, each with an idempotency id, after set-up', logicConfig: 'DEFAULT_LOGIC_CONFIG', pageCache: 'warm', runs: options.runs };
    const replayPerS = median(full.map(replayRate));
    const singlePerS = median(single.map(replayRate));
    const readerPerS = median(readers.map((x) => x.perSecond));
    const logicPerS = median(pipelines.map((p) => p.fedRecords / (p.logicBusyMs / 1000)));
    const noIdsPerS = median(noIds.map(replayRate));
    const fullMs = median(full.map((x) => x.totalMs));
    const snapMs = median(snap.map((x) => x.totalMs));
    const row = (name: string, throughput: number, conditions: Record<string, string | number | boolean>): ResultRow => ({
      scenario: 'replay', case: name, conditions: { ...common, ...conditions }, throughput_per_s: Math.round(throughput),
      latency_us: null, gc_events: null, errors,
    });
    const verify = await verifyCrc(records, options);
    const verifyRow = (name: string, perSecond: number[], conditions: Record<string, string | number | boolean>): ResultRow => ({
      scenario: 'replay', case: name, throughput_per_s: Math.round(median(perSecond)), latency_us: null, gc_events: null, errors: verify.errors,
      conditions: { ...common, segments: verify.segments, segmentBytes: VERIFY_SEGMENT_BYTES, measured: 'checkJournal: read + length + CRC-32 + sequence of every frame', ...conditions },
    });
    return [
      verifyRow('verify-crc-serial', verify.serial, { threads: 1 }),
      verifyRow('verify-crc-pool', verify.pool, {
        threads: verify.threads, pool: 'piscina, started and destroyed per check (included)',
        source: 'from source (tsx) each pool thread registers the TypeScript loader first (~0.5 s); the compiled build (npm run build) starts in tens of ms',
        ratio_vs_serial: Number((median(verify.pool) / median(verify.serial)).toFixed(2)),
      }),
      row('replay', replayPerS, {
        measured: 'recoverState (read + CRC + apply), no snapshot, reader thread ahead of the logic (its start included)',
        readerStartMs: Math.round(median(pipelines.map((p) => p.readerStartMs))),
        handOverAfterRecords: Math.round(median(pipelines.map((p) => p.handOverAfterRecords))),
        logicWaitMs: Math.round(median(pipelines.map((p) => p.logicWaitMs))),
        readerWaitMs: Math.round(median(pipelines.map((p) => p.readerWaitMs))),
        bound: readerPerS < logicPerS ? 'reader' : 'logic',
        ratio_vs_single_thread: Number((replayPerS / singlePerS).toFixed(2)),
        source: 'from source (tsx) the reader thread registers the TypeScript loader first (~0.2-1 s, readerStartMs), the logic thread replays alone meanwhile (handOverAfterRecords); the compiled build starts it in tens of ms',
      }),
      row('replay-single-thread', singlePerS, { measured: 'recoverState (read + CRC + apply) on the calling thread alone, no snapshot' }),
      row('replay-reader-stage', readerPerS, { measured: 'the reader thread alone (read + CRC + idempotency lookups + copy into the ring), records per second of its busy time' }),
      row('replay-logic-stage', logicPerS, { measured: 'the logic thread of replay alone: records per second of its time applying (waits for records left out)' }),
      row('replay-no-idempotency', noIdsPerS, {
        measured: 'recoverState of the same transfers journaled without idempotency ids, reader thread ahead of the logic',
        idempotencyNsPerCommand: Math.round(1e9 / replayPerS - 1e9 / noIdsPerS),
      }),
      row('scan', median(scans.map((x) => x.perSecond)), { measured: 'segment read + CRC-32 of every frame, no apply' }),
      row('restart-10m', records / (fullMs / 1000), { restartMs: Math.round(fullMs), snapshot: false, measured: 'createStateMachine + recoverState' }),
      row('restart-10m-snapshot', records / (snapMs / 1000), {
        restartMs: Math.round(snapMs), snapshot: true, snapshotSequence: snapshotAt, tailCommands: lastSequence - snapshotAt,
        measured: 'createStateMachine + load/verify snapshot + replay tail',
      }),
    ];
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
};
