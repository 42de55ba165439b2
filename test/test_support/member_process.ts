/**
 * Drives member_child.ts: spawns it, collects its JSON event lines, waits for conditions, kills,
 * pauses and resumes it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface MemberEvent {
  readonly event: string;
  readonly epoch?: number;
  readonly reason?: string;
  readonly value?: boolean;
  readonly atMs?: number;
  readonly leader?: { nodeId: string; epoch: number } | null;
  /** Date.now() when the test process read the line. */
  readonly seenAtMs: number;
}

const CHILD = fileURLToPath(new URL('./member_child.ts', import.meta.url));

export class MemberProcess {
  readonly events: MemberEvent[] = [];
  private readonly child: ChildProcess;
  private stderr = '';

  constructor(readonly nodeId: string, options: Record<string, unknown>, epoch: number, durableSequence: number) {
    this.child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify({ options: { ...options, nodeId }, epoch, durableSequence })], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let partial = '';
    this.child.stdout!.on('data', (chunk: Buffer) => {
      partial += chunk.toString('utf8');
      let newline: number;
      while ((newline = partial.indexOf('\n')) >= 0) {
        const line = partial.slice(0, newline);
        partial = partial.slice(newline + 1);
        this.events.push({ ...(JSON.parse(line) as object), seenAtMs: Date.now() } as MemberEvent);
      }
    });
    this.child.stderr!.on('data', (chunk: Buffer) => { this.stderr = (this.stderr + chunk.toString('utf8')).slice(-4096); });
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Epochs this node won, in order. */
  elections(): number[] {
    return this.events.filter((e) => e.event === 'elected').map((e) => e.epoch!);
  }

  /** Whether the node leads right now by its own last report (elected after its last deposition). */
  leads(): boolean {
    for (let i = this.events.length - 1; i >= 0; i--) {
      if (this.events[i].event === 'deposed') return false;
      if (this.events[i].event === 'elected') return true;
    }
    return false;
  }

  async waitFor(what: string, condition: () => boolean, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`${this.nodeId}: timed out waiting for ${what}; events ${JSON.stringify(this.events)}; stderr ${this.stderr}`);
      if (!this.alive) throw new Error(`${this.nodeId} exited while waiting for ${what}: ${this.stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  send(change: { durableSequence?: number; epoch?: number }): void {
    this.child.stdin!.write(`${JSON.stringify(change)}\n`);
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  async kill(): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGKILL');
    await exited;
  }
}
