/**
 * Which epoch wrote which records: a node's epoch history, and where a follower's journal stops
 * agreeing with its new leader's.
 *
 * Every leader of epoch E starts writing after the last sequence it held (its epoch start S), so a
 * history is a list of (epoch, start) with both growing: the records (S_i, S_i+1] were written under
 * epoch E_i, and the last entry's records run to the node's last sequence. Before any entry: epoch 0
 * (a node that never took part in a cluster).
 *
 * Where does a follower agree with a leader? (Kafka's leader-epoch rule, KIP-101/279.) Take e, the
 * newest epoch of the follower's history that the leader's history also has (epoch 0 always counts).
 * Records of one epoch come from its one leader, in order, so both copies of epoch e agree up to the
 * end of the shorter one; everything before them agrees too (each node aligned with e's leader before
 * it received any record of e). So the follower keeps min(its last, end of e in its history, end of e
 * in the leader's) and cuts the rest: that tail was written by a leader the new one never followed.
 *
 * The history is kept in `<dataDir>/epoch_history`, one "epoch start" line each, rewritten through a
 * temp file + fsync + rename; its entries are checked on every read.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { FIRST_SEQUENCE } from '../../codec/records/command_descriptor.ts';
import { fsyncDirectory } from '../../journal/segment_files.ts';

export interface EpochStart {
  readonly epoch: number;
  /** Last sequence before the epoch's first record. */
  readonly start: number;
}

export type EpochHistory = readonly EpochStart[];

export const EPOCH_HISTORY_FILE_NAME = 'epoch_history';
/** Entries a history keeps (the oldest are dropped); a follower older than all of them is re-seeded. */
export const EPOCH_HISTORY_MAX_ENTRIES = 64;
/** The epoch of records written before any cluster epoch (and of an empty journal). */
const EPOCH_ZERO: EpochStart = { epoch: 0, start: FIRST_SEQUENCE - 1 };

/** Throws unless epochs strictly grow and starts never shrink (all safe integers). */
export function checkHistory(history: EpochHistory, what: string): void {
  for (let i = 0; i < history.length; i++) {
    const { epoch, start } = history[i];
    if (!Number.isSafeInteger(epoch) || epoch < 1 || !Number.isSafeInteger(start) || start < FIRST_SEQUENCE - 1) {
      throw new Error(`${what}: entry ${i} (epoch ${epoch}, start ${start}) is not a positive epoch and a sequence >= ${FIRST_SEQUENCE - 1}`);
    }
    if (i > 0 && (epoch <= history[i - 1].epoch || start < history[i - 1].start)) {
      throw new Error(`${what}: entry ${i} (epoch ${epoch}, start ${start}) does not follow (epoch ${history[i - 1].epoch}, start ${history[i - 1].start})`);
    }
  }
}

/** The newest epoch of `history` at or below `epoch`, with the sequence its records end at in that log. */
function epochAtOrBelow(history: EpochHistory, epoch: number, lastSequence: number): { epoch: number; end: number } {
  for (let i = history.length - 1; i >= 0; i--) {
    if (history[i].epoch <= epoch) return { epoch: history[i].epoch, end: i + 1 < history.length ? history[i + 1].start : lastSequence };
  }
  return { epoch: EPOCH_ZERO.epoch, end: history.length > 0 ? history[0].start : lastSequence };
}

/**
 * The last sequence of the follower's journal that agrees with the leader's (the follower cuts after it).
 * Returns -1 when it cannot be told (the leader's history was trimmed past the follower's epochs): re-seed.
 */
export function agreedSequence(history: EpochHistory, myLast: number, leaders: EpochHistory, leaderLast: number): number {
  const mine = heldPart(history, myLast);
  let e = mine.length > 0 ? mine[mine.length - 1].epoch : 0;
  // The newest epoch both have: walk down the follower's epochs until the leader knows one.
  for (;;) {
    const inLeader = epochAtOrBelow(leaders, e, leaderLast);
    if (inLeader.epoch === e) {
      // Epoch 0's end is the first entry's start: unknown once either history was trimmed.
      if (e === 0 && (leaders.length === EPOCH_HISTORY_MAX_ENTRIES || mine.length === EPOCH_HISTORY_MAX_ENTRIES)) return -1;
      const inMine = epochAtOrBelow(mine, e, myLast);
      return Math.min(myLast, inMine.end, inLeader.end);
    }
    e = epochAtOrBelow(mine, inLeader.epoch, myLast).epoch;
  }
}

/**
 * The entries that describe records a node holds: a follower adopts its leader's whole history before
 * the records arrive, so entries starting at or after its last sequence describe none of its records.
 */
export function heldPart(history: EpochHistory, lastSequence: number): EpochStart[] {
  return history.filter((h) => h.start < lastSequence);
}

/**
 * The history of a node that starts leading `epoch` after `lastSequence` (its held part plus the new
 * epoch; the oldest entries trimmed). Refuses an epoch that does not follow the last.
 */
export function withEpoch(history: EpochHistory, epoch: number, lastSequence: number): EpochStart[] {
  const next = [...heldPart(history, lastSequence), { epoch, start: lastSequence }];
  checkHistory(next, 'epoch history');
  return next.slice(-EPOCH_HISTORY_MAX_ENTRIES);
}

export function readEpochHistory(dataDir: string): EpochStart[] {
  const path = join(dataDir, EPOCH_HISTORY_FILE_NAME);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const history: EpochStart[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const fields = line.trim().split(/\s+/);
    if (fields.length !== 2 || !/^\d+$/.test(fields[0]) || !/^\d+$/.test(fields[1])) {
      throw new Error(`epoch history ${path}: line ${JSON.stringify(line)} is not "<epoch> <start>"`);
    }
    history.push({ epoch: Number(fields[0]), start: Number(fields[1]) });
  }
  checkHistory(history, `epoch history ${path}`);
  return history;
}

/** Durably replaces the history (temp file, fsync, rename, directory fsync). */
export function writeEpochHistory(dataDir: string, history: EpochHistory): void {
  checkHistory(history, 'epoch history');
  const path = join(dataDir, EPOCH_HISTORY_FILE_NAME);
  const temp = `${path}.tmp`;
  const fd = openSync(temp, 'w');
  try {
    writeSync(fd, history.map((h) => `${h.epoch} ${h.start}\n`).join(''));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
  fsyncDirectory(dataDir);
}
