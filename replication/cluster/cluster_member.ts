/**
 * One node's membership of a cluster, coordinated through etcd (the only source of leadership).
 *
 *   etcd ◄── lease grant + keep-alives (every TTL/4) ── lease keeper thread (lease_keeper_worker.ts)
 *        ◄── every tick: read /ringline/<c>/*,          └─► LeaseDeadline in shared memory
 *            publish own record, maybe campaign     ClusterMember ─ leaseCertainlyValid(): the release gate asks
 *        ──► watch on the leader key (fast wake-up)  ├─ onElected(epoch)   the engine becomes the leader
 *                                                    ├─ onDeposed(reason)  the engine stops acknowledging
 *                                                    └─ onLeader(info)     followers learn the address
 *
 * - The lease is kept alive by its own thread: a gateway thread saturated by clients cannot starve the
 *   keep-alives; the deadline the gate reads is renewed there (lease_keeper.ts).
 * - The node holds one lease. Its record (/nodes/<id>: epoch, durable sequence, addresses) and, when it
 *   leads, the leader key are bound to it, so both vanish when the node stops renewing.
 * - Leadership = the leader key, created by a transaction that succeeds only if the key does not
 *   exist. Its create revision is the epoch: etcd's revisions only grow, so a later leader always has
 *   a larger fencing token.
 * - A leader is leader only while its lease is certainly valid by its own clock (lease_deadline.ts);
 *   once that lapses it is deposed for good: it revokes that lease and joins again as a new one.
 * - Campaigning follows campaign_rule.ts: a quorum of fresh records and nobody ahead.
 */
import { performance } from 'node:perf_hooks';
import type { Etcd3, IKeyValue, Watcher } from 'etcd3';
import { campaignVerdict, type PublishedRecord } from './campaign_rule.ts';
import { clusterPrefix, leaderKey, nodeKey, nodesPrefix } from './cluster_keys.ts';
import { quorumOf, type ClusterOptions } from './cluster_options.ts';
import { connectEtcd } from './etcd_connection.ts';
import { LeaseKeeper } from './lease_keeper.ts';
import type { EpochHistory } from './epoch_history.ts';
import { decodeLeaderRecord, decodeNodeRecord, encodeLeaderRecord, encodeNodeRecord, type LeaderRecord, type NodeRecord } from './node_record.ts';

export type ClusterRole = 'starting' | 'follower' | 'candidate' | 'leader' | 'stopped';

export interface LeaderInfo extends LeaderRecord {
  readonly epoch: number;
}

/** What the member needs to know about the node's journal. */
export interface LocalJournal {
  epoch(): number;
  durableSequence(): number;
}

export interface ClusterEvents {
  /** This node won an election: it leads epoch `epoch` (greater than any earlier one). */
  onElected?(epoch: number): void;
  /** This node no longer leads (lease lapsed, key gone, or another leader seen). */
  onDeposed?(reason: string): void;
  /** The leader changed (null: none right now). */
  onLeader?(leader: LeaderInfo | null): void;
}

export interface ClusterStatus {
  readonly role: ClusterRole;
  readonly nodeId: string;
  /** Epoch this node leads, or the current leader's; 0 when unknown. */
  readonly epoch: number;
  readonly leader: LeaderInfo | null;
  readonly leaseCertainlyValid: boolean;
  readonly leaseRemainingMs: number;
  /** Why a candidate does not campaign, or the last etcd error ('' when none). */
  readonly note: string;
  readonly peers: readonly NodeRecord[];
}

export class ClusterMember {
  role: ClusterRole = 'starting';
  /** Epoch this node leads (0 unless leader). */
  leaderEpoch = 0;
  private readonly etcd: Etcd3;
  /** Grants and keeps the lease alive on its own thread; its deadline gates every release. */
  private readonly lease: LeaseKeeper;
  private leaseId: string | null = null;
  private watchdogTimer: NodeJS.Timeout | null = null;
  private tickTimer: NodeJS.Timeout | null = null;
  private ticking = false;
  private tickAgain = false;
  private watcher: Watcher | null = null;
  private currentLeader: LeaderInfo | null = null;
  private noLeaderRevision = -1;
  private published = '';
  private publishedModRevision = -1;
  private publishedRecord: NodeRecord | null = null;
  private peers: NodeRecord[] = [];
  private note = '';

  constructor(
    readonly options: ClusterOptions,
    private readonly journal: LocalJournal,
    private readonly events: ClusterEvents = {},
    private readonly nowMs: () => number = () => performance.now(),
  ) {
    this.lease = new LeaseKeeper(options.endpoints, options.requestTimeoutMs, options.leaseMarginMs, {
      lost: () => this.lostLease('etcd says the lease expired'),
      note: (message) => { this.note = message; },
    });
    this.etcd = connectEtcd(options.endpoints, options.requestTimeoutMs);
  }

  /** Starts taking part; resolves after the first tick (whatever etcd answered: a dead etcd is retried). */
  async start(): Promise<void> {
    if (this.role !== 'starting') throw new Error(`cluster member already ${this.role}`);
    this.role = 'follower';
    this.watchLeaderKey();
    // The tick may be stuck on an unreachable etcd for a request timeout: deposition must not wait for it.
    this.watchdogTimer = setInterval(() => {
      if (this.role === 'leader' && !this.lease.certainlyValid(this.nowMs())) this.depose('lease not certainly valid (renewal failed or late)');
    }, this.options.tickMs);
    await this.tick();
  }

  /** True only while this node leads and its lease is certainly valid by the local clock. */
  leaseCertainlyValid(nowMs = this.nowMs()): boolean {
    return this.role === 'leader' && this.lease.certainlyValid(nowMs);
  }

  leader(): LeaderInfo | null {
    return this.currentLeader;
  }

  status(): ClusterStatus {
    const now = this.nowMs();
    return {
      role: this.role, nodeId: this.options.nodeId,
      epoch: this.role === 'leader' ? this.leaderEpoch : (this.currentLeader?.epoch ?? 0),
      leader: this.currentLeader, leaseCertainlyValid: this.leaseCertainlyValid(now), leaseRemainingMs: this.lease.remainingMs(now),
      note: this.note, peers: this.peers,
    };
  }

  /** Runs a tick now (after the running one). The engine calls it when its durable sequence moved a lot. */
  poke(): void {
    this.scheduleTick(0);
  }

  /** Leaves the cluster: gives up leadership at once (the leader key goes with the lease) and closes. */
  async stop(): Promise<void> {
    if (this.role === 'stopped') return;
    const wasLeader = this.role === 'leader';
    this.role = 'stopped';
    if (this.tickTimer !== null) clearTimeout(this.tickTimer);
    if (this.watchdogTimer !== null) clearInterval(this.watchdogTimer);
    this.lease.forget();
    if (wasLeader) this.events.onDeposed?.('stopped');
    // etcd may be unreachable: each goodbye gets one request timeout, then the client is closed anyway.
    const bounded = (work: Promise<unknown> | undefined): Promise<unknown> => Promise.race([
      (work ?? Promise.resolve()).catch(() => undefined),
      new Promise((resolve) => setTimeout(resolve, this.options.requestTimeoutMs).unref()),
    ]);
    await bounded(this.watcher?.cancel());
    if (this.leaseId !== null) await bounded(this.etcd.leaseClient.leaseRevoke({ ID: this.leaseId }));
    this.leaseId = null;
    this.etcd.close();
    await this.lease.close();
  }

  // ---- the tick: one read of the cluster's keys, then act --------------------------------------------

  private scheduleTick(delayMs: number): void {
    if (this.role === 'stopped') return;
    if (this.ticking) {
      if (delayMs === 0) this.tickAgain = true;
      return;
    }
    if (this.tickTimer !== null) clearTimeout(this.tickTimer);
    this.tickTimer = setTimeout(() => void this.tick(), delayMs);
  }

  private async tick(): Promise<void> {
    if (this.role === 'stopped' || this.ticking) return;
    this.ticking = true;
    this.tickTimer = null;
    try {
      await this.tickOnce();
      this.note = this.role === 'candidate' ? this.note : '';
    } catch (error) {
      this.note = `etcd: ${(error as Error).message}`;
    } finally {
      this.ticking = false;
      const again = this.tickAgain;
      this.tickAgain = false;
      this.scheduleTick(again ? 0 : this.options.tickMs);
    }
  }

  private async tickOnce(): Promise<void> {
    if (this.role === 'leader' && !this.lease.certainlyValid(this.nowMs())) this.depose('lease not certainly valid (renewal failed or late)');
    if (this.leaseId === null || !this.lease.certainlyValid(this.nowMs())) await this.renewMembership();
    if (this.role === 'stopped') return;

    const range = await this.etcd.getAll().prefix(clusterPrefix(this.options.clusterName)).exec();
    const revision = Number(range.header.revision);
    let leaderKv: IKeyValue | null = null;
    const records: PublishedRecord[] = [];
    for (const kv of range.kvs) {
      const key = kv.key.toString('utf8');
      if (key === leaderKey(this.options.clusterName)) leaderKv = kv;
      else if (key.startsWith(nodesPrefix(this.options.clusterName))) {
        const record = decodeNodeRecord(kv.value.toString('utf8'));
        if (record !== null && key === nodeKey(this.options.clusterName, record.nodeId)) records.push({ record, modRevision: Number(kv.mod_revision) });
      }
    }
    this.peers = records.map((r) => r.record);

    if (leaderKv !== null) {
      this.noLeaderRevision = -1;
      const record = decodeLeaderRecord(leaderKv.value.toString('utf8'));
      const ours = leaderKv.lease === this.leaseId;
      const epoch = Number(leaderKv.create_revision);
      if (this.role === 'leader' && !ours) this.depose('another node holds the leader key');
      if (ours && this.role !== 'leader') {
        // Our campaign won but its answer was lost (a timeout): the key is bound to our live lease.
        await this.becomeLeader(epoch);
        return;
      }
      if (this.role !== 'leader') this.role = 'follower';
      if (record !== null) this.setLeader({ ...record, epoch });
      await this.publish(false);
      return;
    }

    // No leader key: nobody leads (if we did, our key is gone with our lease).
    if (this.role === 'leader') this.depose('the leader key is gone');
    this.role = 'candidate';
    this.setLeader(null);
    if (this.noLeaderRevision < 0) this.noLeaderRevision = revision;
    await this.publish(true);
    const own = records.findIndex((r) => r.record.nodeId === this.options.nodeId);
    const self: PublishedRecord = { record: this.publishedRecord!, modRevision: this.publishedModRevision };
    if (own >= 0) records[own] = self;
    else records.push(self);
    const verdict = campaignVerdict(this.options.nodeId, records, this.noLeaderRevision, quorumOf(this.options.clusterSize));
    this.note = verdict.reason;
    if (verdict.mayCampaign) await this.campaign();
  }

  private ownRecord(): NodeRecord {
    return {
      nodeId: this.options.nodeId, epoch: this.journal.epoch(), durableSequence: this.journal.durableSequence(),
      clientAddress: this.options.clientAddress, replicationAddress: this.options.replicationAddress,
    };
  }

  /** Writes this node's record when it changed, or (leaderless) when not written since the leader left. */
  private async publish(leaderless: boolean): Promise<void> {
    const record = this.ownRecord();
    const text = encodeNodeRecord(record);
    // Leaderless, every tick writes the record again: candidates count only records written after they
    // saw no leader (campaign_rule.ts), and each of them saw that at its own revision.
    if (text === this.published && !leaderless) return;
    const put = await this.etcd.put(nodeKey(this.options.clusterName, this.options.nodeId)).value(text).lease(this.leaseId!).exec();
    this.published = text;
    this.publishedRecord = record;
    this.publishedModRevision = Number(put.header.revision);
  }

  private async campaign(): Promise<void> {
    const key = leaderKey(this.options.clusterName);
    const value = encodeLeaderRecord({ ...this.addresses(), epochStart: -1, history: [] });
    const result = await this.etcd.if(key, 'Create', '==', 0).then(this.etcd.put(key).value(value).lease(this.leaseId!)).commit();
    if (!result.succeeded) return; // someone else won: the next tick reads who
    await this.becomeLeader(Number(result.header.revision));
  }

  private async becomeLeader(epoch: number): Promise<void> {
    if (!this.lease.certainlyValid(this.nowMs())) return; // won with a lease we can no longer vouch for: the next tick steps down
    if (epoch <= this.journal.epoch()) {
      // etcd's revisions went backwards (its data was lost): an epoch that is not new cannot fence anyone.
      this.note = `etcd handed out epoch ${epoch}, not above this node's epoch ${this.journal.epoch()}: was etcd's data lost?`;
      const key = leaderKey(this.options.clusterName);
      await this.etcd.if(key, 'Lease', '==', this.leaseId!).then(this.etcd.delete().key(key)).commit();
      return;
    }
    this.role = 'leader';
    this.leaderEpoch = epoch;
    this.noLeaderRevision = -1;
    this.setLeader({ ...this.addresses(), epochStart: -1, history: [], epoch });
    this.events.onElected?.(epoch);
  }

  /**
   * The leader says it is ready: it writes its epoch start and history into the leader key (still bound
   * to its lease; the create revision, the epoch, stays). False when it no longer holds the key.
   */
  async announce(epochStart: number, history: EpochHistory): Promise<boolean> {
    if (this.role !== 'leader' || this.leaseId === null) return false;
    const key = leaderKey(this.options.clusterName);
    const value = encodeLeaderRecord({ ...this.addresses(), epochStart, history });
    const result = await this.etcd.if(key, 'Lease', '==', this.leaseId).then(this.etcd.put(key).value(value).lease(this.leaseId)).commit();
    if (result.succeeded && this.role === 'leader') this.setLeader({ ...this.addresses(), epochStart, history, epoch: this.leaderEpoch });
    return result.succeeded;
  }

  private addresses(): { nodeId: string; clientAddress: string; replicationAddress: string } {
    return { nodeId: this.options.nodeId, clientAddress: this.options.clientAddress, replicationAddress: this.options.replicationAddress };
  }

  private depose(reason: string): void {
    if (this.role !== 'leader') return;
    this.role = 'follower';
    this.leaderEpoch = 0;
    this.setLeader(null);
    // This lease's term is over for good: a new one is granted, so the old key cannot come back to life.
    const old = this.leaseId;
    this.leaseId = null;
    this.lease.forget();
    if (old !== null) void this.etcd.leaseClient.leaseRevoke({ ID: old }).catch(() => undefined);
    this.events.onDeposed?.(reason);
  }

  private setLeader(leader: LeaderInfo | null): void {
    const before = this.currentLeader;
    const same = before === leader ||
      (before !== null && leader !== null && before.epoch === leader.epoch && before.nodeId === leader.nodeId && before.epochStart === leader.epochStart);
    this.currentLeader = leader;
    if (!same) this.events.onLeader?.(leader);
  }

  // ---- the lease ------------------------------------------------------------------------------------

  /** Grants a fresh lease (the old one, if any, is revoked); the lease keeper thread keeps it alive. */
  private async renewMembership(): Promise<void> {
    const old = this.leaseId;
    this.leaseId = null;
    this.published = '';
    if (old !== null) void this.etcd.leaseClient.leaseRevoke({ ID: old }).catch(() => undefined);
    const granted = await this.lease.grant(this.options.leaseTtlSeconds);
    if (this.role === 'stopped') return;
    this.leaseId = granted.leaseId;
  }

  private lostLease(reason: string): void {
    if (this.role === 'leader') this.depose(reason);
    this.lease.forget();
    this.scheduleTick(0);
  }

  // ---- the watch: learn of a new or vanished leader at once instead of at the next tick ------------------

  private watchLeaderKey(): void {
    void this.etcd.watch().key(leaderKey(this.options.clusterName)).create().then((watcher) => {
      if (this.role === 'stopped') {
        void watcher.cancel();
        return;
      }
      this.watcher = watcher;
      watcher.on('put', () => this.scheduleTick(0));
      watcher.on('delete', () => this.scheduleTick(0));
      watcher.on('error', () => undefined); // the tick still reads the key; the watcher reconnects itself
    }).catch(() => {
      // etcd unreachable at start: ticks carry on; try the watch again later.
      if (this.role !== 'stopped') setTimeout(() => this.watchLeaderKey(), this.options.tickMs * 5);
    });
  }
}
