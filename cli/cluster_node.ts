/**
 * One ringline node of a cluster (`ringline start --cluster …`): it follows whoever etcd says leads,
 * and leads when it wins, with no operator step.
 *
 *            ┌──────── onLeader(L ready) ────────┐
 *            ▼                                   │
 *   idle ──► follower of L: cut the journal where it stops agreeing with L's epoch history,
 *    ▲  │               adopt that history, follow L's replication port; read-only gateway
 *    │  └─ onElected(E) ──► leader: S = last journaled sequence; history += (E, S); epoch file E;
 *    │                      announce S and the history in the leader key (followers start meanwhile);
 *    │                      engine + synchronous replication (a reply needs floor(N/2) followers' acks:
 *    │                      with the leader a majority of N); gateway through FencedEngine (the lease)
 *    └──── onDeposed / leader gone / L changed ────  stop what runs (withheld results stay unsent)
 *
 * Every change runs in one queue (reconcile), so a role is fully stopped before the next starts. The
 * member publishes (epoch of the last held record, durable sequence) from whichever role runs.
 */
import { resolve as resolvePath } from 'node:path';
import { createWireCodec } from '../gateway/codec_adapter.ts';
import type { GatewayConfig } from '../gateway/gateway_config.ts';
import { startGatewayServer, type GatewayServer } from '../gateway/gateway_server.ts';
import type { GatewayEngine } from '../gateway/gateway_core.ts';
import type { ResultListener } from '../core/engine_api.ts';
import { engineHandle, replicatorEngineOption, startRinglineEngine, type EngineHandle } from './engine_handle.ts';
import { addClusterFamilies } from './cluster_metric_families.ts';
import { addEngineFamilies } from './engine_metric_families.ts';
import { packageVersion } from './package_version.ts';
import { MetricsRegistry } from '../gateway/metrics_registry.ts';
import type { DurabilityMode } from './start_options.ts';
import { DEFAULT_LOGIC_CONFIG, validateLogicConfig } from '../core/logic/logic_config.ts';
import { createStateMachine } from '../core/logic/state_machine.ts';
import { readEpoch, readEpochStart, writeEpoch } from '../replication/replication_epoch.ts';
import { startFollower, type Follower } from '../replication/follower.ts';
import { FollowerQueryEngine } from '../replication/follower_queries.ts';
import { lastJournaledSequence } from '../replication/promote.ts';
import { recoverState } from '../replay/recovery.ts';
import { ClusterMember, type ClusterStatus, type LeaderInfo } from '../replication/cluster/cluster_member.ts';
import { quorumOf, type ClusterOptions } from '../replication/cluster/cluster_options.ts';
import { FencedEngine } from '../replication/cluster/fenced_engine.ts';
import { agreedSequence, heldPart, readEpochHistory, withEpoch, writeEpochHistory, type EpochStart } from '../replication/cluster/epoch_history.ts';
import { truncateJournalAfter } from '../replication/cluster/journal_truncation.ts';
import type { Membership } from '../replication/membership/membership_socket.ts';

export interface ClusterNodeOptions {
  readonly cluster: ClusterOptions;
  readonly dataDir: string;
  readonly durability: DurabilityMode;
  /** The config file's "engine" object (logic capacities must match on every node). */
  readonly engine: Readonly<Record<string, unknown>>;
  /** Client ports (kept across roles: a port given as 0 is bound once and reused). */
  readonly gateway: GatewayConfig;
  /** Replication listener of this node when it leads. */
  readonly replicationHost: string;
  readonly replicationPort: number;
  readonly adminKey?: string;
  /** The cluster secret every node proves it holds before replication counts (membership/). */
  readonly secret: Buffer;
  readonly log: (line: string) => void;
}

export type NodeRole = 'idle' | 'follower' | 'leader';

/** A follower retries the leader's replication port this often (a new leader announces before it listens). */
const FOLLOWER_RECONNECT_MS = 50;

export interface ClusterNodeStatus {
  readonly role: NodeRole;
  readonly cluster: ClusterStatus;
  /** Following: the leader followed; leading: the epoch. */
  readonly following: string;
  readonly durableSequence: number;
  /** Leading: published minus what a majority acknowledged; following: the follower's lag. */
  readonly replicationLagSequences: number;
  /** True when this node would acknowledge a write now. */
  readonly writable: boolean;
  readonly withheldResults: number;
}

interface Running {
  readonly role: NodeRole;
  /** Leader followed (follower) or led (leader). */
  readonly leader: LeaderInfo | null;
  readonly gateway: GatewayServer | null;
  readonly follower: Follower | null;
  readonly engine: EngineHandle | null;
  readonly fenced: FencedEngine | null;
}

const IDLE: Running = { role: 'idle', leader: null, gateway: null, follower: null, engine: null, fenced: null };

export class ClusterNode {
  readonly member: ClusterMember;
  private running: Running = IDLE;
  private queue: Promise<void> = Promise.resolve();
  private queued = false;
  private stopped = false;
  private history: EpochStart[];
  /** Last sequence in the journal while idle (nothing runs that could change it). */
  private idleLast: number;
  private ports: { tcpPort: number; wsPort: number };
  private withheldBefore = 0;
  private reconcileTimer: NodeJS.Timeout | null = null;
  private readonly membership: Membership;

  constructor(private readonly options: ClusterNodeOptions) {
    // The node id is proven with the secret when following: the leader counts acknowledgements per node.
    this.membership = { secret: options.secret, clusterName: options.cluster.clusterName, nodeId: options.cluster.nodeId };
    this.history = readEpochHistory(options.dataDir);
    this.idleLast = lastJournaledSequence(options.dataDir);
    this.ports = { tcpPort: options.gateway.tcpPort, wsPort: options.gateway.wsPort };
    this.member = new ClusterMember(options.cluster, {
      epoch: () => this.lastRecordEpoch(),
      durableSequence: () => this.durableSequence(),
    }, {
      onElected: () => this.reconcile(),
      onDeposed: (reason) => { this.options.log(`deposed: ${reason}`); this.reconcile(); },
      onLeader: () => this.reconcile(),
    });
  }

  async start(): Promise<void> {
    await this.member.start();
    // Roles also settle on a timer: a follower that failed (a refused handshake) is retried.
    this.reconcileTimer = setInterval(() => this.reconcile(), Math.max(200, this.options.cluster.tickMs * 2));
    this.reconcile();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconcileTimer !== null) clearInterval(this.reconcileTimer);
    await this.member.stop(); // gives leadership up first: the lease (and the leader key) go at once
    this.queue = this.queue.then(() => this.stopRunning());
    await this.queue;
  }

  status(): ClusterNodeStatus {
    const r = this.running;
    const lag = r.engine !== null ? (r.engine.metrics().replication?.lagSequences ?? 0)
      : r.follower !== null ? r.follower.status().lagSequences : 0;
    return {
      role: r.role, cluster: this.member.status(),
      following: r.leader === null ? '' : `${r.leader.nodeId} (epoch ${r.leader.epoch}, ${r.leader.replicationAddress})`,
      durableSequence: this.durableSequence(), replicationLagSequences: lag,
      writable: r.role === 'leader' && this.member.leaseCertainlyValid(),
      withheldResults: this.withheldBefore + (r.fenced?.withheld ?? 0),
    };
  }

  /** Queues one step toward the role etcd assigns (coalesced: one pending step at most). */
  private reconcile(): void {
    if (this.queued || this.stopped) return;
    this.queued = true;
    this.queue = this.queue.then(async () => {
      this.queued = false;
      if (this.stopped) return;
      try {
        await this.step();
      } catch (error) {
        this.options.log(`cluster: ${(error as Error).message}`);
        await this.stopRunning().catch(() => undefined);
      }
    });
  }

  private async step(): Promise<void> {
    const member = this.member;
    const leader = member.leader();
    const r = this.running;
    if (member.role === 'leader') {
      if (r.role === 'leader' && r.leader?.epoch === member.leaderEpoch) return;
      // A follower's engine is current: it leads without a restart (its replicator is dormant until then).
      if (r.role === 'follower' && r.follower !== null && !this.followerFailed()) {
        await this.leadInPlace(member.leaderEpoch, r);
        return;
      }
      await this.stopRunning();
      await this.lead(member.leaderEpoch);
      return;
    }
    const ready = leader !== null && leader.nodeId !== this.options.cluster.nodeId && leader.epochStart >= 0;
    const followerAlive = r.role === 'follower' && r.follower !== null && !this.followerFailed();
    if (!ready) {
      // No leader (an election runs): a follower stops acknowledging the old one but keeps its engine,
      // which either leads (leadInPlace) or follows the winner (refollow) without a restart.
      if (followerAlive) await r.follower!.pause();
      else if (r.role !== 'idle') await this.stopRunning();
      return;
    }
    const followingIt = r.role === 'follower' && r.leader?.epoch === leader.epoch && r.leader.nodeId === leader.nodeId;
    if (followingIt && followerAlive && !r.follower!.isPaused) return;
    if (followerAlive && await this.refollow(r, leader)) return;
    await this.stopRunning();
    await this.follow(leader);
  }

  private followerFailed(): boolean {
    return this.followerDone;
  }

  private followerDone = false;
  private handedOver: Follower | null = null;

  /** Splits the quorum between this node's journal and its followers' acknowledgements. */
  private replication(): { mode: 'sync'; host: string; port: number; noFollower: 'wait'; membership: Membership; ackFollowers: number } {
    return {
      mode: 'sync', host: this.options.replicationHost, port: this.options.replicationPort, noFollower: 'wait', membership: this.membership,
      ackFollowers: quorumOf(this.options.cluster.clusterSize) - 1, // with this leader's journal: a majority
    };
  }

  /**
   * A follower elected leader keeps its engine: its state machine and journal hold every record it
   * received. It stops following, waits until each received record is durable (S, the epoch's start),
   * records (epoch, S) in its history and epoch file, announces, wakes its dormant replicator (which from
   * S + 1 releases by the followers' acknowledgements) and swaps its read-only gateway for the fenced one.
   */
  private async leadInPlace(epoch: number, r: Running): Promise<void> {
    const { dataDir, log } = this.options;
    const pausedAtMs = performance.now();
    const start = await r.follower!.pause();
    if (this.member.role !== 'leader' || this.member.leaderEpoch !== epoch || !this.member.leaseCertainlyValid()) {
      await this.stopRunning(); // deposed meanwhile: reconcile runs again
      return;
    }
    this.history = withEpoch(this.history, epoch, start);
    writeEpochHistory(dataDir, this.history);
    writeEpoch(dataDir, epoch, start);
    log(`leading epoch ${epoch} from sequence ${start} (the follower's engine, without a restart)`);
    if (!(await this.member.announce(start, this.history))) {
      log(`epoch ${epoch}: lost the leader key before announcing it`);
      await this.stopRunning();
      return;
    }
    this.handedOver = r.follower;
    const engine = engineHandle(r.follower!.handOver());
    // From here the engine is this role's to stop, whatever fails next.
    this.running = { role: 'leader', leader: this.member.leader(), gateway: r.gateway, follower: null, engine, fenced: null };
    await engine.lead(epoch, start);
    const fenced = new FencedEngine(engine, () => this.member.leaseCertainlyValid() && this.member.leaderEpoch === epoch, () => this.leaderAddress());
    await r.gateway?.stop(0).catch(() => undefined);
    this.running = { ...this.running, gateway: null };
    const gateway = await this.startGateway(fenced, () => ({ ...engine.metrics(), cluster: this.status() }), engine);
    this.running = { role: 'leader', leader: this.member.leader(), gateway, follower: null, engine, fenced };
    log(`epoch ${epoch}: leading ${Math.round(performance.now() - pausedAtMs)} ms after the election`);
  }

  /**
   * The leader changed while this node follows: when its journal agrees with the new leader's history
   * (nothing to cut), the same engine follows the new leader; false when it must be cut (and restarted).
   */
  private async refollow(r: Running, leader: LeaderInfo): Promise<boolean> {
    const follower = r.follower!;
    const last = await follower.pause();
    const kept = agreedSequence(this.history, last, leader.history, Number.MAX_SAFE_INTEGER);
    if (kept < last) return false;
    this.history = [...leader.history];
    writeEpochHistory(this.options.dataDir, this.history);
    const [host, port] = splitAddress(leader.replicationAddress);
    follower.resume(host, port, leader.epoch);
    this.running = { ...r, leader };
    this.options.log(`following ${leader.nodeId} (epoch ${leader.epoch}) at ${leader.replicationAddress} from sequence ${last} (the same engine)`);
    return true;
  }

  // ---- roles -------------------------------------------------------------------------------------

  private async lead(epoch: number): Promise<void> {
    const { dataDir, log } = this.options;
    const start = lastJournaledSequence(dataDir);
    this.history = withEpoch(this.history, epoch, start);
    writeEpochHistory(dataDir, this.history);
    writeEpoch(dataDir, epoch, start);
    if (!this.member.leaseCertainlyValid()) return; // deposed while preparing: reconcile runs again
    log(`leading epoch ${epoch} from sequence ${start}`);
    // Announce first (epoch start and history are settled): the followers cut their journals and start
    // their engines while this one starts, and connect once its replication port listens (they retry
    // every FOLLOWER_RECONNECT_MS). Until then clients redirected here find no port and retry; nothing
    // is acknowledged before the engine, the gateway and a majority are up.
    const announcedAtMs = performance.now();
    if (!(await this.member.announce(start, this.history))) {
      log(`epoch ${epoch}: lost the leader key before announcing it`);
      return;
    }
    const startedAtMs = performance.now();
    const engine = await startRinglineEngine({
      dataDir, durability: this.options.durability, engine: this.options.engine, log,
      replication: this.replication(), epoch, epochStart: start,
    });
    const fenced = new FencedEngine(engine, () => this.member.leaseCertainlyValid() && this.member.leaderEpoch === epoch, () => this.leaderAddress());
    let gateway: GatewayServer;
    try {
      gateway = await this.startGateway(fenced, () => ({ ...engine.metrics(), cluster: this.status() }), engine);
    } catch (error) {
      await engine.stop();
      throw error;
    }
    this.running = { role: 'leader', leader: this.member.leader(), gateway, follower: null, engine, fenced };
    log(`epoch ${epoch}: announced in ${Math.round(startedAtMs - announcedAtMs)} ms; engine and gateway up ${Math.round(performance.now() - startedAtMs)} ms later`);
  }

  private async follow(leader: LeaderInfo): Promise<void> {
    const { dataDir, log } = this.options;
    const last = lastJournaledSequence(dataDir);
    const kept = agreedSequence(this.history, last, leader.history, Number.MAX_SAFE_INTEGER);
    if (kept < 0) throw new Error(`cannot tell where this journal agrees with leader ${leader.nodeId}'s (its history was trimmed): re-seed this node`);
    if (kept < last) {
      const cut = truncateJournalAfter(dataDir, kept);
      log(`cut this journal after sequence ${kept} (was ${last}): not in leader ${leader.nodeId}'s epoch ${leader.epoch} history ` +
        `(${cut.segmentsRemoved} segments, ${cut.bytesCut} bytes, ${cut.snapshotsRemoved} snapshots removed)`);
      this.idleLast = kept;
    }
    this.history = [...leader.history];
    writeEpochHistory(dataDir, this.history);
    const [host, port] = splitAddress(leader.replicationAddress);
    this.followerDone = false;
    const mirror = { engine: null as FollowerQueryEngine | null };
    const follower = await startFollower({
      primaryHost: host, primaryPort: port, primaryEpoch: leader.epoch, membership: this.membership, dataDir, durability: this.options.durability, log, httpPort: -1,
      // Its replicator sleeps until this node is elected (leadInPlace), so leading needs no restart.
      engine: { ...this.options.engine, replicator: replicatorEngineOption(this.replication(), readEpoch(dataDir), readEpochStart(dataDir), true) },
      reconnectMs: FOLLOWER_RECONNECT_MS,
      onRecord: (buffer, base) => mirror.engine?.applyReplicated(buffer, base),
    });
    void follower.done.catch((error: Error) => { log(`following ${leader.nodeId}: ${error.message}`); }).finally(() => {
      if (this.handedOver === follower) return; // its engine now leads
      this.followerDone = true;
      this.reconcile();
    });
    mirror.engine = startQueryMirror(dataDir, this.options.engine);
    let gateway: GatewayServer;
    try {
      // Reads are served here; writes are answered NOT_LEADER with the leader's address.
      const queries = mirror.engine;
      const readOnly = {
        input: queries.input, onResult: (l: ResultListener) => queries.onResult(l), notLeader: () => this.leaderAddress(),
        principalTable: () => queries.principalTable(),
      };
      gateway = await this.startGateway(readOnly, () => ({ follower: follower.status(), cluster: this.status() }), null);
    } catch (error) {
      await follower.stop();
      throw error;
    }
    this.running = { role: 'follower', leader, gateway, follower, engine: null, fenced: null };
    log(`following ${leader.nodeId} (epoch ${leader.epoch}) at ${leader.replicationAddress} from sequence ${Math.min(kept, last)}`);
  }

  /** The client address of the leader other than this node ('' when there is none). */
  private leaderAddress(): string {
    const leader = this.member.leader();
    return leader === null || leader.nodeId === this.options.cluster.nodeId || leader.epochStart < 0 ? '' : leader.clientAddress;
  }

  /**
   * The client gateway of a role. GET /metrics: the engine's families when `leading` runs an engine, the
   * cluster's (cluster_metric_families.ts) always; a fresh registry per role (families register once).
   */
  private async startGateway(engine: GatewayEngine, metrics: () => unknown, leading: EngineHandle | null): Promise<GatewayServer> {
    const config: GatewayConfig = { ...this.options.gateway, tcpPort: this.ports.tcpPort, wsPort: this.ports.wsPort };
    const registry = new MetricsRegistry({ version: packageVersion() });
    if (leading !== null) addEngineFamilies(registry, leading, { durability: this.options.durability });
    addClusterFamilies(registry, () => this.status());
    const gateway = await startGatewayServer(engine, {
      dataDir: this.options.dataDir, config, codec: createWireCodec(), adminKey: this.options.adminKey, engineMetrics: metrics,
      metrics: registry, ready: () => this.status().writable, replicatedPrincipalsOnly: true,
    });
    this.ports = { tcpPort: gateway.tcpPort, wsPort: gateway.wsPort };
    return gateway;
  }

  private async stopRunning(): Promise<void> {
    const r = this.running;
    if (r.role === 'idle') return;
    // While the role stops, the member keeps publishing: what it publishes must be what the journal holds
    // now (the campaign rule counts on it), not the value of the last stop. The nemesis found this one.
    this.idleLast = Math.max(this.idleLast, this.durableSequence());
    this.running = IDLE;
    await r.gateway?.stop(0).catch(() => undefined);
    await r.follower?.stop().catch(() => undefined);
    await r.engine?.stop().catch(() => undefined);
    this.withheldBefore += r.fenced?.withheld ?? 0;
    this.idleLast = lastJournaledSequence(this.options.dataDir);
    this.options.log(`stopped ${r.role === 'leader' ? `leading epoch ${r.leader?.epoch}` : `following ${r.leader?.nodeId}`}`);
  }

  // ---- what the member publishes -------------------------------------------------------------------

  private durableSequence(): number {
    const r = this.running;
    if (r.engine !== null) return r.engine.metrics().sequences.durable;
    if (r.follower !== null) return r.follower.status().durableSequence;
    return this.idleLast;
  }

  /** Epoch of the newest record held (the comparison key of campaign_rule.ts, like Raft's last log term). */
  private lastRecordEpoch(): number {
    const held = heldPart(this.history, this.durableSequence());
    return held.length === 0 ? 0 : held[held.length - 1].epoch;
  }
}

function splitAddress(address: string): [string, number] {
  const colon = address.lastIndexOf(':');
  return [address.slice(0, colon).replace(/^\[|\]$/g, ''), Number(address.slice(colon + 1))];
}

/** The read-only query mirror of a follower (replay/follower_queries.ts), recovered from the data directory. */
function startQueryMirror(dataDir: string, engine: Readonly<Record<string, unknown>>): FollowerQueryEngine {
  const logic = typeof engine.logic === 'object' && engine.logic !== null ? engine.logic : {};
  const mirror = createStateMachine(validateLogicConfig({ ...DEFAULT_LOGIC_CONFIG, ...logic }));
  recoverState(mirror, { dataDir: resolvePath(dataDir), repair: false, readOnly: true });
  return new FollowerQueryEngine(mirror);
}
