/**
 * A real single-member etcd for tests and the cluster bench: its own data folder, free loopback ports, started, stopped,
 * killed and restarted on the same ports and data (an etcd restart keeps revisions and leases).
 * The binary comes from scripts/ensure_etcd.ts, which installs Debian's etcd-server into a cache when
 * none is on PATH; when that fails, so does the test.
 *
 * Short raft timings (heartbeat 50 ms, election 500 ms) let leases as short as 1 s work (etcd raises a
 * lease's TTL to 1.5 × the election timeout).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../engine/free_port.ts';
import { ensureEtcd } from '../../scripts/ensure_etcd.ts';

export interface EtcdProcessOptions {
  /** Address both ports listen on (a network namespace's address in partition tests). */
  readonly host?: string;
  /** Runs etcd through this prefix, e.g. ['ip', 'netns', 'exec', 'ns0']. */
  readonly commandPrefix?: readonly string[];
  readonly startTimeoutMs?: number;
}

export class EtcdProcess {
  readonly endpoint: string;
  private child: ChildProcess | null = null;
  private output = '';

  private constructor(
    readonly binary: string,
    readonly dataDir: string,
    readonly host: string,
    readonly clientPort: number,
    readonly peerPort: number,
    private readonly options: EtcdProcessOptions,
  ) {
    this.endpoint = `http://${host}:${clientPort}`;
  }

  static async start(options: EtcdProcessOptions = {}): Promise<EtcdProcess> {
    const host = options.host ?? '127.0.0.1';
    const binary = ensureEtcd();
    const dataDir = mkdtempSync(join(tmpdir(), 'ringline-etcd-'));
    for (let attempt = 1; ; attempt++) {
      const etcd = new EtcdProcess(binary, dataDir, host, await freePort(), await freePort(), options);
      try {
        await etcd.restart();
        return etcd;
      } catch (error) {
        // Another process may have taken a "free" port between freePort() and etcd's bind.
        await etcd.kill();
        rmSync(dataDir, { recursive: true, force: true }); // etcd recreates it; a half-made member must not stay
        if (attempt >= 3) throw error;
      }
    }
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts etcd (again) on the same ports and data folder; resolves once it answers /health. */
  async restart(): Promise<void> {
    if (this.running) throw new Error('etcd is already running');
    const client = `http://${this.host}:${this.clientPort}`;
    const peer = `http://${this.host}:${this.peerPort}`;
    const args = [
      '--name', 'ringline-test', '--data-dir', this.dataDir,
      '--listen-client-urls', client, '--advertise-client-urls', client,
      '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer,
      '--initial-cluster', `ringline-test=${peer}`, '--initial-cluster-state', 'new',
      '--heartbeat-interval', '50', '--election-timeout', '500', '--log-level', 'warn',
    ];
    const prefix = this.options.commandPrefix ?? [];
    const command = prefix.length > 0 ? prefix[0] : this.binary;
    const fullArgs = prefix.length > 0 ? [...prefix.slice(1), this.binary, ...args] : args;
    this.output = '';
    const child = spawn(command, fullArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const keep = (chunk: Buffer): void => { this.output = (this.output + chunk.toString('utf8')).slice(-8192); };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const deadline = Date.now() + (this.options.startTimeoutMs ?? 30_000);
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`etcd exited while starting (code ${child.exitCode}, signal ${child.signalCode}):\n${this.output}`);
      if (await this.healthy()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`etcd did not become healthy at ${client} within ${this.options.startTimeoutMs ?? 30_000} ms:\n${this.output}`);
  }

  /** True when etcd answers GET /health with {"health":"true"}. */
  healthy(): Promise<boolean> {
    return new Promise((resolve) => {
      const req = request({ host: this.host, port: this.clientPort, path: '/health', timeout: 2000 }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => { body += c.toString('utf8'); });
        res.on('end', () => resolve(res.statusCode === 200 && body.includes('"true"')));
      });
      req.on('error', () => resolve(false));
      req.on('timeout', () => { req.destroy(); resolve(false); });
      req.end();
    });
  }

  /** Sends `signal` and waits for the process to exit (SIGKILL: a crash; SIGTERM: a clean stop). */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (child === null || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }

  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  /** Stops etcd and deletes its data folder. */
  async destroy(): Promise<void> {
    await this.kill('SIGKILL');
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  lastOutput(): string {
    return this.output;
  }
}
