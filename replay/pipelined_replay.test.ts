/**
 * The pipelined replay (a reader thread ahead of the logic) against the one-thread replay, on copies
 * of the same damaged or whole journal: every result, the checkpoint's state hash, the final state
 * byte for byte, the report, the error (class, words, file, offset) and the files left behind must be
 * the same. Journals with repeated idempotency ids around the window, several segments, a snapshot or
 * none, torn tails, flipped bytes anywhere, a missing segment, a stop at a given sequence, repair.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recoverState, JournalCorruptError, type RecoveryOptions } from './recovery.ts';
import { freshStateMachine, TEST_WORKLOAD } from '../journal/test_support/journal_fixture.ts';
import { WORKLOAD_PRINCIPAL_ID, workloadCommand } from '../journal/test_support/ledger_workload.ts';
import { writeCommand } from '../core/logic/test_support/command_writer.ts';
import { ResHeader, RES_MAX_RECORD_BYTES } from '../codec/records/result_descriptor.ts';
import { SegmentWriter } from '../journal/segment_writer.ts';
import { validateJournalOptions } from '../journal/journal_options.ts';
import { createRecordBuffer } from '../codec/records/record_buffer.ts';
import { listSegments } from '../journal/segment_files.ts';
import { writeSnapshotFile } from '../journal/snapshot_file.ts';
import { FIRST_SEQUENCE } from '../codec/records/command_descriptor.ts';
import { ReaderThreadGoneError, replayWithReaderThread } from './pipelined_replay.ts';

const RECORDS = 4000;
const SNAPSHOT_AT = FIRST_SEQUENCE + 1500;
let base = '';
let source = '';

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'ringline-pipelined-'));
  source = join(base, 'source');
  // Ids repeat at distances around the window (1024 in SMALL_LOGIC_CONFIG): some answered from the
  // stored result, some forgotten and applied again; segments of 64 KiB (several boundaries).
  const live = freshStateMachine();
  const writer = new SegmentWriter(validateJournalOptions({ dataDir: source, durability: 'none', segmentBytes: 64 * 1024 }));
  const rec = createRecordBuffer(new ArrayBuffer(512));
  const out = createRecordBuffer(new ArrayBuffer(RES_MAX_RECORD_BYTES));
  for (let k = 0; k < RECORDS; k++) {
    const { admin, spec } = workloadCommand(TEST_WORKLOAD, k);
    const idempotencyId = k <= 2 * TEST_WORKLOAD.accounts ? 0 : 1 + (Math.imul(k, 0x9e3779b1) >>> 0) % 1300;
    writeCommand(rec, 0, { sequence: FIRST_SEQUENCE + k, principalId: WORKLOAD_PRINCIPAL_ID, admin, sessionId: 1, correlationId: k, idempotencyId }, spec);
    writer.append(rec, 0);
    live.apply(rec, 0, out, 0);
    if (FIRST_SEQUENCE + k === SNAPSHOT_AT) writeSnapshotFile(source, SNAPSHOT_AT, live.exportState(), live.stateHash());
    if (k % 64 === 63) writer.write();
  }
  writer.close();
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

type Damage =
  | { readonly kind: 'none' }
  | { readonly kind: 'cut'; readonly at: number }
  | { readonly kind: 'flip'; readonly segment: number; readonly at: number; readonly xor: number }
  | { readonly kind: 'missing'; readonly segment: number };

interface Trial {
  readonly damage: Damage;
  readonly useSnapshots: boolean;
  readonly repair: boolean;
  readonly toSequence: number | undefined;
  readonly checkpoint: number;
  /** Records the logic thread applies itself before handing the walk to the reader. */
  readonly handOverAt: number;
}

/** Everything a recovery shows, with the data directory's name made neutral. */
function recoverAndRecord(dataDir: string, trial: Trial, readerThread: boolean): Record<string, unknown> {
  const neutral = (text: string): string => text.split(dataDir).join('<dir>');
  const sm = freshStateMachine();
  const results: string[] = [];
  let checkpointHash = '';
  const options: RecoveryOptions = {
    dataDir, repair: trial.repair, useSnapshots: trial.useSnapshots, toSequence: trial.toSequence,
    readerThreadMinBytes: readerThread ? 0 : undefined, readerThreadHandOverAt: trial.handOverAt,
    onApplied: (_cmd, _base, out, outBase) => {
      results.push(Buffer.from(out.bytes.subarray(outBase, outBase + out.u32[(outBase + ResHeader.LENGTH) >>> 2])).toString('hex'));
    },
    checkpoint: { sequence: trial.checkpoint, reached: (at) => { checkpointHash = at.stateHash(); } },
  };
  let outcome: Record<string, unknown>;
  try {
    const report = recoverState(sm, options);
    if (readerThread) {
      // The reader took over unless the walk ended before the hand-over.
      expect(report.pipeline).not.toBeNull();
      if (report.replayedCount > trial.handOverAt) expect(report.pipeline?.readerStartMs).toBeGreaterThanOrEqual(0);
    }
    outcome = {
      lastSequence: report.lastSequence, snapshotSequence: report.snapshotSequence, replayedCount: report.replayedCount,
      truncatedBytes: report.truncatedBytes, segmentsRead: report.segmentsRead, warnings: report.warnings.map(neutral),
      hash: sm.stateHash(), state: Buffer.concat(sm.exportState().map((x) => x.bytes)).toString('base64'),
    };
  } catch (error) {
    const e = error as JournalCorruptError;
    outcome = { error: e.name, corrupt: e instanceof JournalCorruptError, message: neutral(e.message), file: neutral(e.file ?? ''), offset: e.offset, lastGood: e.lastGoodSequence };
  }
  const journal = join(dataDir, 'journal');
  const files = readdirSync(journal).sort().map((name) => `${name}:${statSync(join(journal, name)).size}`);
  return { ...outcome, results, checkpointHash, files };
}

function damaged(trial: Trial, name: string): string {
  const dataDir = join(base, name);
  cpSync(source, dataDir, { recursive: true });
  const segments = listSegments(dataDir);
  const { damage } = trial;
  if (damage.kind === 'cut') {
    const last = segments[segments.length - 1].path;
    truncateSync(last, Math.floor(damage.at * statSync(last).size));
  } else if (damage.kind === 'flip') {
    const path = segments[damage.segment % segments.length].path;
    const file = readFileSync(path);
    file[Math.floor(damage.at * file.length)] ^= damage.xor;
    writeFileSync(path, file);
  } else if (damage.kind === 'missing') {
    unlinkSync(segments[damage.segment % segments.length].path);
  }
  return dataDir;
}

const fraction = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
const damageArb: fc.Arbitrary<Damage> = fc.oneof(
  fc.constant({ kind: 'none' as const }),
  fc.record({ kind: fc.constant('cut' as const), at: fraction }),
  fc.record({ kind: fc.constant('flip' as const), segment: fc.nat(40), at: fraction, xor: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('missing' as const), segment: fc.nat(40) }),
);

describe('pipelined replay', () => {
  it('gives the one-thread replay\'s results, state, report, error and files, whatever the damage', () => {
    expect(listSegments(source).length).toBeGreaterThan(4);
    let n = 0;
    fc.assert(fc.property(
      fc.record({
        damage: damageArb, useSnapshots: fc.boolean(), repair: fc.boolean(),
        toSequence: fc.option(fc.integer({ min: FIRST_SEQUENCE, max: FIRST_SEQUENCE + RECORDS + 10 }), { nil: undefined }),
        checkpoint: fc.integer({ min: FIRST_SEQUENCE, max: FIRST_SEQUENCE + RECORDS }),
        // 0: the reader walks everything; else the logic thread first, up to past a segment boundary or the end.
        handOverAt: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: RECORDS })),
      }),
      (trial) => {
        n++;
        const one = recoverAndRecord(damaged(trial, `one-${n}`), trial, false);
        const two = recoverAndRecord(damaged(trial, `two-${n}`), trial, true);
        expect(two).toEqual(one);
      },
    ), { numRuns: 24 });
    // Each run starts a reader thread (from source ~0.2 s quiet, seconds under load): room for a loaded machine.
  }, 300_000);

  it('replays a whole journal from a snapshot onwards to the same state with the idempotency window in use', () => {
    const trial: Trial = { damage: { kind: 'none' }, useSnapshots: true, repair: false, toSequence: undefined, checkpoint: FIRST_SEQUENCE + 3000, handOverAt: 700 };
    const one = recoverAndRecord(damaged(trial, 'whole-one'), trial, false);
    const two = recoverAndRecord(damaged(trial, 'whole-two'), trial, true);
    expect(one).toMatchObject({ lastSequence: FIRST_SEQUENCE + RECORDS - 1, snapshotSequence: SNAPSHOT_AT });
    expect(two).toEqual(one);
  });
});

describe('a reader thread that ends mid-walk without halting the ring (killed, out of memory)', () => {
  it('fails the recovery with words that say so, instead of leaving the logic thread waiting for ever', () => {
    const vanishing = new URL('./test_support/vanishing_reader_worker.ts', import.meta.url);
    const applied: number[] = [];
    const target = { applyRecord: (_b: unknown, _base: number, sequence: number): void => { applied.push(sequence); } };
    const run = (): unknown => replayWithReaderThread(freshStateMachine(), target, listSegments(source), 0, 0, Number.MAX_SAFE_INTEGER, 0, vanishing);
    expect(run).toThrow(ReaderThreadGoneError);
    expect(run).toThrow(/reader thread ended before finishing its walk .*no file was changed/);
    expect(applied).toEqual([]);
  });
});
