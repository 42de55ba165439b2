/**
 * Real processes for the cluster tests: a real etcd (perf/cluster/etcd_process.ts) and
 * ringline nodes, each a child process with its own data directory and ports, plus readers of the
 * leader key and of a data directory's journal for the checker.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { CmdHeader } from '../../codec/records/command_descriptor.ts';
import { listSegments } from '../../journal/segment_files.ts';
import { FrameStatus, HeaderStatus, SegmentReader } from '../../journal/segment_reader.ts';
import { leaderKey } from '../../replication/cluster/cluster_keys.ts';
import { decodeLeaderRecord, type LeaderRecord } from '../../replication/cluster/node_record.ts';
import { EtcdProcess } from '../../perf/cluster/etcd_process.ts';
import type { NetnsLab } from './cluster_netns.ts';
import { CLI, freePort, sleep, spawnProc, writeConfig, type Proc } from './replication_harness.ts';


export interface ClusterNodeProc extends Proc {
  readonly nodeId: string;
  readonly host: string;
  readonly dataDir: string;
  readonly tcpPort: number;
  readonly wsPort: number;
  readonly replicationPort: number;
}

export interface TestCluster {
  readonly etcd: EtcdProcess;
  readonly admin: Etcd3;
  readonly clusterName: string;
  readonly nodes: ClusterNodeProc[];
  readonly root: string;
  readonly config: string;
  /** Starts node i again on its data directory and ports (after a kill). */
  restart(i: number): ClusterNodeProc;
  leader(): Promise<(LeaderRecord & { epoch: number }) | null>;
  /** Waits for a leader that announced its epoch start and whose gateway takes writes, other than `not`. */
  readyLeader(options?: { notNodeId?: string; minEpoch?: number; timeoutMs?: number }): Promise<LeaderRecord & { epoch: number }>;
  destroy(): Promise<void>;
}

/**
 * etcd and `size` nodes on loopback, or each in its own network namespace of `lab` (host 0: etcd,
 * host i + 1: node i), where links can be cut. `clusterSize` (--cluster-size) may name more voting
 * nodes than are started.
 */
export async function startTestCluster(size = 3, lab: NetnsLab | null = null, leaseTtlSeconds = 2, clusterSize = size): Promise<TestCluster> {
  const etcd = await EtcdProcess.start(lab === null ? {} : { host: lab.addresses[0], commandPrefix: lab.prefix(0) });
  const admin = new Etcd3({ hosts: etcd.endpoint });
  const root = mkdtempSync(join(tmpdir(), 'ringline-cluster-'));
  const config = writeConfig(root);
  const clusterName = `t${process.pid}`;
  const secretFile = join(root, 'cluster.secret');
  writeFileSync(secretFile, randomBytes(32), { mode: 0o600 });
  const specs: Array<{ nodeId: string; host: string; dataDir: string; tcpPort: number; wsPort: number; replicationPort: number }> = [];
  for (let i = 0; i < size; i++) {
    specs.push({
      nodeId: `n${i + 1}`, host: lab === null ? '127.0.0.1' : lab.addresses[i + 1], dataDir: join(root, `n${i + 1}`),
      tcpPort: await freePort(), wsPort: await freePort(), replicationPort: await freePort(),
    });
  }
  const launch = (i: number): ClusterNodeProc => {
    const s = specs[i];
    // The real command line: `ringline start --cluster …` (the default lease TTL, 2 s, holds on a busy machine).
    const args = [CLI, 'start', '--cluster', etcd.endpoint, '--cluster-name', clusterName, '--node-id', s.nodeId, '--cluster-size', String(clusterSize),
      '--cluster-secret-file', secretFile, '--lease-ttl', String(leaseTtlSeconds), '--data', s.dataDir, '--config', config, '--host', s.host,
      '--tcp-port', String(s.tcpPort), '--ws-port', String(s.wsPort), '--replication-port', String(s.replicationPort)];
    return { ...spawnProc([...(lab === null ? [] : lab.prefix(i + 1)), process.execPath, ...args], 200_000), ...s };
  };
  const nodes = specs.map((_, i) => launch(i));
  const leader = async (): Promise<(LeaderRecord & { epoch: number }) | null> => {
    const range = await admin.get(leaderKey(clusterName)).exec();
    if (range.kvs.length === 0) return null;
    const record = decodeLeaderRecord(range.kvs[0].value.toString('utf8'));
    return record === null ? null : { ...record, epoch: Number(range.kvs[0].create_revision) };
  };
  return {
    etcd, admin, clusterName, nodes, root, config,
    restart(i) {
      nodes[i] = launch(i);
      return nodes[i];
    },
    leader,
    async readyLeader(options = {}) {
      const deadline = Date.now() + (options.timeoutMs ?? 30_000);
      for (;;) {
        const l = await leader().catch(() => null);
        // Announced (a leader announces before its engine starts), and its gateway takes writes.
        if (l !== null && l.epochStart >= 0 && l.nodeId !== options.notNodeId && l.epoch >= (options.minEpoch ?? 0)) {
          const node = nodes.find((n) => n.nodeId === l.nodeId);
          if (node !== undefined && (await nodeClusterStatus(node))?.writable === true) return l;
        }
        if (Date.now() > deadline) {
          throw new Error(`no ready leader within the deadline; last ${JSON.stringify(l)}\n${nodes.map((n) => `--- ${n.nodeId}\n${n.output().slice(-3000)}`).join('\n')}`);
        }
        await sleep(25);
      }
    },
    async destroy() {
      await Promise.all(nodes.map((n) => n.kill('SIGKILL')));
      admin.close();
      await etcd.destroy();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Idempotency id of every journaled record of a data directory, by sequence. */
export function journaledIdempotencyIds(dataDir: string): Map<number, number> {
  const ids = new Map<number, number>();
  const reader = new SegmentReader();
  let previous = -1;
  for (const segment of listSegments(dataDir)) {
    if (reader.load(segment.path, previous < 0 ? segment.firstSequence - 1 : previous) !== HeaderStatus.OK) break;
    while (reader.next() === FrameStatus.OK) ids.set(reader.sequence, reader.buffer.f64[(reader.recordBase + CmdHeader.IDEMPOTENCY_ID) >>> 3]);
    previous = reader.lastSequence;
  }
  return ids;
}

/** A node's cluster status from its gateway's GET /health, or null when it does not answer. */
export async function nodeClusterStatus(node: ClusterNodeProc): Promise<{ role: string; durableSequence: number; writable: boolean } | null> {
  try {
    const response = await fetch(`http://${node.host}:${node.wsPort}/health`, { signal: AbortSignal.timeout(2000) });
    const body = await response.json() as { engine?: { cluster?: { role: string; durableSequence: number; writable: boolean } } };
    return body.engine?.cluster ?? null;
  } catch {
    return null;
  }
}
