/**
 * Who may campaign for leadership: the rule that keeps every acknowledged command.
 *
 * A leader acknowledges a command once a quorum of nodes (itself included) holds it durably. So any
 * quorum of nodes contains at least one node holding every acknowledged command. A candidate
 * therefore needs to see a quorum of node records published after the old leader was gone (their
 * etcd mod revision is greater than the revision at which the candidate saw no leader: the old leader
 * had stopped acknowledging before its lease expired, so these records include everything it
 * acknowledged) and must not be behind any of them, nor behind any other live node.
 *
 * "Behind" compares (epoch, durableSequence) in that order: a node that holds records past another
 * only because they were written under an older epoch (a deposed leader's unacknowledged tail) is not
 * ahead of a node of the newer epoch.
 */
import type { NodeRecord } from './node_record.ts';

export interface PublishedRecord {
  readonly record: NodeRecord;
  /** etcd mod revision of the record's key. */
  readonly modRevision: number;
}

export interface CampaignVerdict {
  readonly mayCampaign: boolean;
  /** Why not (or 'ok'): shown in /health while the node waits. */
  readonly reason: string;
}

/** >0 when `a`'s journal is ahead of `b`'s, <0 when behind, 0 when level. */
export function compareJournals(a: NodeRecord, b: NodeRecord): number {
  if (a.epoch !== b.epoch) return a.epoch - b.epoch;
  return a.durableSequence - b.durableSequence;
}

export function campaignVerdict(selfId: string, records: readonly PublishedRecord[], noLeaderRevision: number, quorum: number): CampaignVerdict {
  const self = records.find((r) => r.record.nodeId === selfId);
  if (self === undefined) return { mayCampaign: false, reason: 'own record not published yet' };
  if (self.modRevision <= noLeaderRevision) return { mayCampaign: false, reason: 'own record not republished since the leader was gone' };
  let fresh = 0;
  for (const peer of records) {
    if (peer.modRevision > noLeaderRevision) fresh++;
    if (peer.record.nodeId !== selfId && compareJournals(peer.record, self.record) > 0) {
      return {
        mayCampaign: false,
        reason: `behind node ${peer.record.nodeId} (epoch ${peer.record.epoch}, sequence ${peer.record.durableSequence}; ` +
          `this node: epoch ${self.record.epoch}, sequence ${self.record.durableSequence})`,
      };
    }
  }
  if (fresh < quorum) return { mayCampaign: false, reason: `${fresh} of ${quorum} nodes needed have published since the leader was gone` };
  return { mayCampaign: true, reason: 'ok' };
}
