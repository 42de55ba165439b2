/**
 * Separate network hosts on one machine for the partition tests: one network namespace per host
 * (etcd and each node), each joined to a bridge in the test's namespace by a veth pair. The test
 * process (the clients) reaches every host through the bridge; links between hosts are cut with
 * blackhole routes on both ends (packets vanish, as on a failed link: no reset, no error), so a cut
 * host stays reachable by the clients, which is how a minority leader can be seen to stop acknowledging.
 *
 *   test process (bridge 10.X.Y.254) ─┬─ veth ─ [ns etcd 10.X.Y.1]
 *                                     ├─ veth ─ [ns n1   10.X.Y.2]
 *                                     └─ veth ─ …
 *
 * Needs root (ip netns); without it create() fails with the reason: partition tests are never skipped.
 */
import { execFileSync } from 'node:child_process';

export class NetnsLab {
  private readonly cuts = new Set<string>();

  private constructor(
    readonly id: string,
    readonly bridge: string,
    /** Namespace names, host 0 first (etcd). */
    readonly namespaces: readonly string[],
    /** Address of each host, and of the bridge (the test process). */
    readonly addresses: readonly string[],
    readonly bridgeAddress: string,
  ) {}

  /** Creates `hosts` namespaces on a fresh bridge; throws (naming the command) when the machine cannot. */
  static create(hosts: number): NetnsLab {
    if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
      throw new Error('network partition tests need root for ip netns (CI runs as root); this process is not root');
    }
    const id = `${process.pid % 100_000}`;
    const subnet = `10.${200 + (process.pid % 50)}.${(process.pid >> 6) % 250}`;
    const lab = new NetnsLab(id, `rlb${id}`, Array.from({ length: hosts }, (_, i) => `rl${id}h${i}`),
      Array.from({ length: hosts }, (_, i) => `${subnet}.${i + 1}`), `${subnet}.254`);
    lab.destroy(); // leftovers of a crashed run with the same pid
    ip('link', 'add', lab.bridge, 'type', 'bridge');
    ip('addr', 'add', `${lab.bridgeAddress}/24`, 'dev', lab.bridge);
    ip('link', 'set', lab.bridge, 'up');
    for (let i = 0; i < hosts; i++) {
      const ns = lab.namespaces[i];
      const outside = `rlv${id}h${i}`;
      ip('netns', 'add', ns);
      ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', `rli${id}h${i}`);
      ip('link', 'set', `rli${id}h${i}`, 'netns', ns);
      ip('link', 'set', outside, 'master', lab.bridge);
      ip('link', 'set', outside, 'up');
      ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');
      ip('netns', 'exec', ns, 'ip', 'link', 'set', `rli${id}h${i}`, 'name', 'eth0');
      ip('netns', 'exec', ns, 'ip', 'addr', 'add', `${lab.addresses[i]}/24`, 'dev', 'eth0');
      ip('netns', 'exec', ns, 'ip', 'link', 'set', 'eth0', 'up');
    }
    return lab;
  }

  /** Command prefix that runs a program inside host i's namespace. */
  prefix(host: number): string[] {
    return ['ip', 'netns', 'exec', this.namespaces[host]];
  }

  /** Cuts the link between hosts a and b (both directions). */
  cut(a: number, b: number): void {
    const key = a < b ? `${a}-${b}` : `${b}-${a}`;
    if (this.cuts.has(key)) return;
    this.cuts.add(key);
    ip('netns', 'exec', this.namespaces[a], 'ip', 'route', 'add', 'blackhole', `${this.addresses[b]}/32`);
    ip('netns', 'exec', this.namespaces[b], 'ip', 'route', 'add', 'blackhole', `${this.addresses[a]}/32`);
  }

  /** Cuts host `host` off from every other host (the clients still reach it). */
  isolate(host: number): void {
    for (let other = 0; other < this.namespaces.length; other++) if (other !== host) this.cut(host, other);
  }

  healAll(): void {
    for (const key of [...this.cuts]) {
      const [a, b] = key.split('-').map(Number);
      ip('netns', 'exec', this.namespaces[a], 'ip', 'route', 'del', 'blackhole', `${this.addresses[b]}/32`);
      ip('netns', 'exec', this.namespaces[b], 'ip', 'route', 'del', 'blackhole', `${this.addresses[a]}/32`);
      this.cuts.delete(key);
    }
  }

  destroy(): void {
    for (const ns of this.namespaces) tryIp('netns', 'del', ns);
    tryIp('link', 'del', this.bridge);
  }
}

function ip(...args: string[]): void {
  try {
    execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    throw new Error(`ip ${args.join(' ')} failed: ${String((error as { stderr?: Buffer }).stderr ?? (error as Error).message).trim()}`);
  }
}

function tryIp(...args: string[]): void {
  try {
    execFileSync('ip', args, { stdio: 'ignore' });
  } catch {
    // absent already
  }
}
