/**
 * Snapshots: the logic worker posts its exported state at a sequence; the main thread writes it only
 * once that sequence is durable, so a snapshot never holds state that was not acknowledged durable.
 */
import type { WorkerReport } from '../core/engine_worker_protocol.ts';
import { writeSnapshot } from '../journal/snapshot_store.ts';
import type { EngineLog } from './engine_options.ts';

export type SnapshotReport = Extract<WorkerReport, { type: 'snapshot' }>;

export class SnapshotScheduler {
  private readonly pending: SnapshotReport[] = [];
  private readonly writes = new Set<Promise<void>>();

  constructor(
    private readonly dataDir: string,
    private readonly snapshotsKept: number,
    private readonly log: EngineLog,
  ) {}

  /** Queues a snapshot until its sequence is durable. */
  add(report: SnapshotReport): void {
    this.pending.push(report);
  }

  get waiting(): boolean {
    return this.pending.length > 0;
  }

  /** Starts writing every queued snapshot whose sequence is at most `durable`. */
  writeDurable(durable: number): void {
    while (this.pending.length > 0 && this.pending[0].sequence <= durable) {
      const report = this.pending.shift()!;
      const write = this.write(report);
      this.writes.add(write);
      void write.finally(() => this.writes.delete(write));
    }
  }

  /** Settles once every started write has finished (writes log their failures, never reject). */
  async settled(): Promise<void> {
    await Promise.all(this.writes);
  }

  private async write({ sequence, sections, stateHash, pauseUs }: SnapshotReport): Promise<void> {
    try {
      const info = await writeSnapshot(this.dataDir, sequence, sections, stateHash, { keep: this.snapshotsKept });
      this.log(`ringline: snapshot at sequence ${sequence} (logic paused ${pauseUs} µs, written in ${info.writeMs.toFixed(1)} ms): ${info.path}`);
    } catch (error) {
      this.log(`ringline: snapshot at sequence ${sequence} failed: ${error instanceof Error ? error.message : String(error)}`, 'error');
    }
  }
}
