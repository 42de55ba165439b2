// The epoch-history rule that tells a follower where its journal stops agreeing with a new leader's,
// checked against a model cluster: elections, writes, partial replication, dead leaders coming back.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  EPOCH_HISTORY_MAX_ENTRIES, agreedSequence, readEpochHistory, withEpoch, writeEpochHistory, type EpochStart,
} from './epoch_history.ts';

interface ModelNode { log: number[]; history: EpochStart[] }

/** Longest common prefix of two logs of unique record ids: the sequence both agree up to. */
function commonPrefix(a: number[], b: number[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

describe('agreedSequence', () => {
  it('equals the longest common prefix in any run of elections, writes and partial replication', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('elect' as const), node: fc.nat(2) }),
      fc.record({ kind: fc.constant('write' as const), count: fc.integer({ min: 1, max: 4 }) }),
      fc.record({ kind: fc.constant('follow' as const), node: fc.nat(2), upTo: fc.nat(20) }),
    );
    fc.assert(fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
      const nodes: ModelNode[] = [0, 1, 2].map(() => ({ log: [], history: [] }));
      let leader = -1;
      let epoch = 0;
      let nextId = 1;
      for (const o of ops) {
        if (o.kind === 'elect') {
          // Any node may win here: the rule must hold whatever the election did.
          leader = o.node;
          epoch += 1 + (o.node % 2); // epochs are etcd revisions: growing, with gaps
          nodes[leader].history = withEpoch(nodes[leader].history, epoch, nodes[leader].log.length);
        } else if (o.kind === 'write' && leader >= 0) {
          for (let i = 0; i < o.count; i++) nodes[leader].log.push(nextId++);
        } else if (o.kind === 'follow' && leader >= 0 && o.node !== leader) {
          const f = nodes[o.node];
          const l = nodes[leader];
          const kept = agreedSequence(f.history, f.log.length, l.history, l.log.length);
          expect(kept).toBe(commonPrefix(f.log, l.log));
          f.log = f.log.slice(0, kept);
          f.history = [...l.history];
          f.log.push(...l.log.slice(kept, Math.min(l.log.length, kept + o.upTo)));
        }
      }
    }), { numRuns: 3000 });
  });

  it('the scenario a single epoch number gets wrong: a dead leader of a middle epoch comes back', () => {
    // X led epoch 5 and wrote 1..20; L1 (following X up to 12) led epoch 9 and wrote 13..15 alone;
    // X led again as epoch 11 from 20. L1's 13..15 are not X's, though L1 holds fewer records than X.
    const x: EpochStart[] = [{ epoch: 5, start: 0 }, { epoch: 11, start: 20 }];
    const l1: EpochStart[] = [{ epoch: 5, start: 0 }, { epoch: 9, start: 12 }];
    expect(agreedSequence(l1, 15, x, 25)).toBe(12);
  });

  it('cannot tell once the histories were trimmed past the follower', () => {
    const long = Array.from({ length: EPOCH_HISTORY_MAX_ENTRIES }, (_, i) => ({ epoch: 100 + i, start: 10 * i + 10 }));
    expect(agreedSequence([{ epoch: 3, start: 0 }], 9, long, 1000)).toBe(-1);
  });
});

describe('epoch history file', () => {
  let dataDir = '';
  beforeEach(() => { dataDir = mkdtempSync(join(tmpdir(), 'ringline-epochs-')); });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('round-trips, starts empty, and keeps only the newest entries', () => {
    expect(readEpochHistory(dataDir)).toEqual([]);
    let history: EpochStart[] = [];
    for (let i = 1; i <= EPOCH_HISTORY_MAX_ENTRIES + 5; i++) history = withEpoch(history, i * 3, i * 10);
    writeEpochHistory(dataDir, history);
    expect(readEpochHistory(dataDir)).toEqual(history);
    expect(history).toHaveLength(EPOCH_HISTORY_MAX_ENTRIES);
    expect(history[0]).toEqual({ epoch: 18, start: 60 });
  });

  it('refuses an epoch that does not follow, and a damaged file, naming it', () => {
    expect(() => withEpoch([{ epoch: 5, start: 10 }], 5, 12)).toThrow(/does not follow \(epoch 5, start 10\)/);
    // An entry the node holds no records of (start >= its last) is dropped before the new one goes on.
    expect(withEpoch([{ epoch: 5, start: 10 }, { epoch: 7, start: 20 }], 9, 15)).toEqual([{ epoch: 5, start: 10 }, { epoch: 9, start: 15 }]);
    writeFileSync(join(dataDir, 'epoch_history'), '5 10\nseven 3\n');
    expect(() => readEpochHistory(dataDir)).toThrow(/epoch_history: line "seven 3" is not "<epoch> <start>"/);
    writeFileSync(join(dataDir, 'epoch_history'), '5 10\n4 12\n');
    expect(() => readEpochHistory(dataDir)).toThrow(/entry 1 \(epoch 4, start 12\) does not follow/);
  });
});
