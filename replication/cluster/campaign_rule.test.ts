// The campaign rule decides who may become leader; these tables and properties pin it down.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { campaignVerdict, compareJournals, type PublishedRecord } from './campaign_rule.ts';
import type { NodeRecord } from './node_record.ts';

const node = (nodeId: string, epoch: number, durableSequence: number): NodeRecord =>
  ({ nodeId, epoch, durableSequence, clientAddress: 'h:1', replicationAddress: 'h:2' });
const published = (record: NodeRecord, modRevision: number): PublishedRecord => ({ record, modRevision });

describe('campaignVerdict', () => {
  const cases: Array<[string, PublishedRecord[], number, boolean, RegExp]> = [
    ['ahead of a fresh quorum', [published(node('a', 3, 10), 20), published(node('b', 3, 9), 21)], 15, true, /^ok$/],
    ['level with a peer (etcd picks one of the two)', [published(node('a', 3, 10), 20), published(node('b', 3, 10), 21)], 15, true, /^ok$/],
    ['behind a fresh peer', [published(node('a', 3, 9), 20), published(node('b', 3, 10), 21)], 15, false, /behind node b/],
    ['behind a live peer that has not republished', [published(node('a', 3, 10), 20), published(node('b', 3, 8), 21), published(node('c', 3, 11), 5)], 15, false, /behind node c/],
    ['a higher sequence of an older epoch is not ahead', [published(node('a', 4, 10), 20), published(node('b', 3, 50), 21)], 15, true, /^ok$/],
    ['a newer epoch is ahead whatever the sequence', [published(node('a', 3, 50), 20), published(node('b', 4, 10), 21)], 15, false, /behind node b/],
    ['no quorum of fresh records', [published(node('a', 3, 10), 20), published(node('b', 3, 9), 14)], 15, false, /1 of 2/],
    ['own record older than the leader\'s departure', [published(node('a', 3, 10), 12), published(node('b', 3, 9), 21)], 15, false, /not republished/],
    ['own record missing', [published(node('b', 3, 9), 21), published(node('c', 3, 9), 22)], 15, false, /not published/],
  ];
  for (const [name, records, noLeaderRevision, may, reason] of cases) {
    it(name, () => {
      const verdict = campaignVerdict('a', records, noLeaderRevision, 2);
      expect(verdict.mayCampaign).toBe(may);
      expect(verdict.reason).toMatch(reason);
    });
  }

  it('whoever may campaign holds every acknowledged command (dead nodes, stale records)', () => {
    // Model: a command at sequence `acked` was acknowledged, so a quorum holds it; nodes of one epoch hold
    // prefixes of one log. Some nodes are dead (no record); some records are stale (written before the
    // leader left: they show a value at most the node's real one). Whoever may campaign holds `acked`.
    const arbitrary = fc.record({
      sequences: fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 3, maxLength: 5 }),
      acked: fc.integer({ min: 0, max: 100 }),
      holders: fc.shuffledSubarray([0, 1, 2, 3, 4], { minLength: 5, maxLength: 5 }),
      alive: fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
      fresh: fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
      staleBy: fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 5, maxLength: 5 }),
    });
    fc.assert(fc.property(arbitrary, ({ sequences, acked, holders, alive, fresh, staleBy }) => {
      const size = sequences.length;
      const quorum = Math.floor(size / 2) + 1;
      const holding = new Set(holders.filter((h) => h < size).slice(0, quorum));
      const held = sequences.map((s, i) => (holding.has(i) ? Math.max(s, acked) : Math.min(s, acked - 1)));
      const records: PublishedRecord[] = [];
      for (let i = 0; i < size; i++) {
        if (!alive[i]) continue;
        const shown = fresh[i] ? held[i] : held[i] - staleBy[i];
        records.push(published(node(`n${i}`, 1, shown), fresh[i] ? 20 + i : 5));
      }
      for (const candidate of records) {
        const verdict = campaignVerdict(candidate.record.nodeId, records, 10, quorum);
        if (verdict.mayCampaign) expect(held[Number(candidate.record.nodeId.slice(1))]).toBeGreaterThanOrEqual(acked);
      }
    }), { numRuns: 2000 });
  });

  it('compareJournals orders by epoch, then sequence', () => {
    expect(compareJournals(node('a', 2, 1), node('b', 1, 99))).toBeGreaterThan(0);
    expect(compareJournals(node('a', 2, 5), node('b', 2, 6))).toBeLessThan(0);
    expect(compareJournals(node('a', 2, 5), node('b', 2, 5))).toBe(0);
  });
});
