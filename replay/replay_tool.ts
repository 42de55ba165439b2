/**
 * The replay tool's library (`ringline replay`, cli/replay_command.ts): checking a replay against the
 * newest snapshot's recorded hash, and the summary line of a replay. Record formatting for --print is
 * record_json.ts; the replay itself is recovery.ts.
 */
import { FIRST_SEQUENCE } from '../codec/records/command_descriptor.ts';
import type { StateMachine } from '../core/logic/state_machine_api.ts';
import { listSegments } from '../journal/segment_files.ts';
import { listSnapshots, readSnapshotFile } from '../journal/snapshot_file.ts';
import type { RecoveryOptions, RecoveryReport } from './recovery.ts';

export type MutableRecoveryOptions = { -readonly [K in keyof RecoveryOptions]: RecoveryOptions[K] };

/**
 * --verify: replay from the journal's start (or the oldest snapshot) and check the newest snapshot's hash
 * (sets options.checkpoint; `verify.failed` becomes true on a mismatch).
 */
export function prepareVerify(
  dataDir: string, options: MutableRecoveryOptions, toSequence: number | undefined,
  err: (line: string) => void, verify: { failed: boolean },
): void {
  const snapshots = listSnapshots(dataDir).filter((s) => toSequence === undefined || s.sequence <= toSequence);
  if (snapshots.length === 0) {
    err('verify: no snapshot to verify against: the hash printed is the journal replay alone');
    return;
  }
  const newest = readSnapshotFile(snapshots[snapshots.length - 1].path);
  const segments = listSegments(dataDir);
  const journalFromStart = segments.length > 0 && segments[0].firstSequence <= FIRST_SEQUENCE;
  if (journalFromStart) {
    options.useSnapshots = false;
  } else if (snapshots.length < 2) {
    err(`verify: the journal before snapshot ${newest.sequence} was retired and no older snapshot remains: nothing to verify against`);
    return;
  } else {
    options.snapshotAtMost = newest.sequence - 1;
    err(`verify: the journal starts at ${segments[0]?.firstSequence ?? '-'}: verifying from an older snapshot`);
  }
  options.checkpoint = {
    sequence: newest.sequence,
    reached: (sm: StateMachine) => {
      const hash = sm.stateHash();
      if (sm.lastAppliedSequence !== newest.sequence) {
        verify.failed = true;
        err(`verify: FAILED: the journal ends at ${sm.lastAppliedSequence}, before snapshot ${newest.sequence}`);
      } else if (hash !== newest.stateHash) {
        verify.failed = true;
        err(`verify: FAILED: replay hash at ${newest.sequence} is ${hash}, snapshot ${newest.path} says ${newest.stateHash}`);
      } else {
        err(`verify: ok: replay hash at sequence ${newest.sequence} equals snapshot ${newest.path} (${hash})`);
      }
    },
  };
}

export function summarize(sm: StateMachine, report: RecoveryReport, write: (line: string) => void): void {
  const perSecond = report.durationMs > 0 ? Math.round(report.replayedCount / (report.durationMs / 1000)) : 0;
  write(`state hash ${sm.stateHash()} at sequence ${report.lastSequence}`);
  write(`  snapshot ${report.snapshotSequence < 0 ? 'none' : `${report.snapshotSequence} (${report.snapshotPath})`}, ` +
    `${report.replayedCount} journal records replayed from ${report.segmentsRead} segment(s) in ` +
    `${report.durationMs.toFixed(1)} ms (${perSecond} commands/s)`);
}
