/**
 * A cluster for the bench: an etcd (etcd_process.ts) and `size` `ringline start --cluster …` child
 * processes on loopback, each with its own data directory and free ports; the leader read from etcd.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Etcd3 } from 'etcd3';
import { leaderKey } from '../../replication/cluster/cluster_keys.ts';
import { decodeLeaderRecord } from '../../replication/cluster/node_record.ts';
import { freePort } from '../engine/free_port.ts';
import { EtcdProcess } from './etcd_process.ts';

const CLI = process.env.RINGLINE_BENCH_CLI ?? fileURLToPath(new URL('../../cli/ringline.mjs', import.meta.url));
const OUTPUT_TAIL_CHARS = 8000;

export interface BenchNode {
  readonly nodeId: string;
  readonly tcpPort: number;
  readonly wsPort: number;
  child: ChildProcess | null;
  output: string;
}

export interface BenchCluster {
  readonly etcd: EtcdProcess;
  readonly nodes: BenchNode[];
  readonly adminKey: string;
  readonly leaseTtlSeconds: number;
  start(node: BenchNode): void;
  /** kill -9; resolves once the process is gone. */
  kill(node: BenchNode): Promise<void>;
  /** The node etcd names leader once it announced its epoch start and takes writes, other than `not`. */
  readyLeader(notNodeId?: string, timeoutMs?: number): Promise<{ node: BenchNode; epoch: number }>;
  destroy(): Promise<void>;
}

async function writable(node: BenchNode): Promise<boolean> {
  try {
    const body = await (await fetch(`http://127.0.0.1:${node.wsPort}/health`, { signal: AbortSignal.timeout(2000) })).json() as
      { engine?: { cluster?: { writable?: boolean } } };
    return body.engine?.cluster?.writable === true;
  } catch {
    return false;
  }
}

export async function startBenchCluster(size: number, leaseTtlSeconds: number): Promise<BenchCluster> {
  const etcd = await EtcdProcess.start();
  const admin = new Etcd3({ hosts: etcd.endpoint });
  const root = mkdtempSync(join(tmpdir(), 'ringline-bench-cluster-'));
  const secretFile = join(root, 'cluster.secret');
  writeFileSync(secretFile, randomBytes(32), { mode: 0o600 });
  const adminKey = `bench-${randomBytes(16).toString('hex')}`;
  const clusterName = `bench${process.pid}`;
  const specs: Array<BenchNode & { replicationPort: number; dataDir: string }> = [];
  for (let i = 0; i < size; i++) {
    specs.push({ nodeId: `n${i + 1}`, tcpPort: await freePort(), wsPort: await freePort(), replicationPort: await freePort(),
      dataDir: join(root, `n${i + 1}`), child: null, output: '' });
  }
  const start = (node: BenchNode): void => {
    const s = specs.find((n) => n.nodeId === node.nodeId)!;
    const child = spawn(process.execPath, [CLI, 'start', '--cluster', etcd.endpoint, '--cluster-name', clusterName, '--node-id', s.nodeId,
      '--cluster-size', String(size), '--cluster-secret-file', secretFile, '--lease-ttl', String(leaseTtlSeconds), '--data', s.dataDir,
      '--durability', 'fsync', '--host', '127.0.0.1', '--tcp-port', String(s.tcpPort), '--ws-port', String(s.wsPort),
      '--replication-port', String(s.replicationPort)], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RINGLINE_ADMIN_KEY: adminKey } });
    s.child = child;
    s.output = '';
    const keep = (d: Buffer): void => { s.output = (s.output + d.toString('utf8')).slice(-OUTPUT_TAIL_CHARS); };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  };
  const kill = async (node: BenchNode): Promise<void> => {
    const child = node.child;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  };
  for (const s of specs) start(s);
  return {
    etcd, nodes: specs, adminKey, leaseTtlSeconds, start, kill,
    async readyLeader(notNodeId, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const range = await admin.get(leaderKey(clusterName)).exec().catch(() => null);
        const kv = range?.kvs[0];
        const record = kv === undefined ? null : decodeLeaderRecord(kv.value.toString('utf8'));
        if (kv !== undefined && record !== null && record.epochStart >= 0 && record.nodeId !== notNodeId) {
          // Announced (before its engine starts); ready once its gateway says it takes writes.
          const node = specs.find((n) => n.nodeId === record.nodeId)!;
          if (await writable(node)) return { node, epoch: Number(kv.create_revision) };
        }
        if (Date.now() > deadline) throw new Error(`no ready leader:\n${specs.map((n) => `--- ${n.nodeId}\n${n.output.slice(-2000)}`).join('\n')}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async destroy() {
      await Promise.all(specs.map(kill));
      admin.close();
      await etcd.destroy();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
