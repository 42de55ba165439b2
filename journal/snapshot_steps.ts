/**
 * Where one snapshot's time goes, step by step: wall milliseconds and the writing thread's own CPU
 * milliseconds (core/thread_cpu_time.ts) for each step, summed over its repeats (a slice sync runs
 * once per SNAPSHOT_SYNC_EVERY_BYTES). Wall minus CPU is waiting: for the disk, or for a core.
 */
import { threadCpuMs } from '../core/thread_cpu_time.ts';

export type SnapshotStep =
  | 'catchUp' | 'stateHash' | 'chunkScan' | 'sectionCrc' | 'write' | 'sliceSync' | 'finalSync' | 'renameDirSync'
  | 'unlinkSnapshots' | 'unlinkSegments' | 'retentionDirSync';

export interface SnapshotStepTime {
  wallMs: number;
  cpuMs: number;
  count: number;
}

export type SnapshotStepTimes = Partial<Record<SnapshotStep, SnapshotStepTime>>;

export class SnapshotStepTimer {
  readonly steps: SnapshotStepTimes = {};
  private wallStart = 0;
  private cpuStart = 0;

  /** Starts timing one step; end(step) adds it. Steps do not nest. */
  start(): void {
    this.wallStart = performance.now();
    this.cpuStart = threadCpuMs();
  }

  end(step: SnapshotStep): void {
    const time = (this.steps[step] ??= { wallMs: 0, cpuMs: 0, count: 0 });
    time.wallMs += performance.now() - this.wallStart;
    time.cpuMs += threadCpuMs() - this.cpuStart;
    time.count++;
  }

  time<T>(step: SnapshotStep, work: () => T): T {
    this.start();
    try {
      return work();
    } finally {
      this.end(step);
    }
  }
}

/** One line for a log: `step wall/cpu ms` per step that ran, in the order they ran. */
export function formatSnapshotSteps(steps: SnapshotStepTimes): string {
  return Object.entries(steps)
    .map(([step, t]) => `${step} ${t.wallMs.toFixed(1)}/${t.cpuMs.toFixed(1)}${t.count > 1 ? `×${t.count}` : ''}`)
    .join(', ');
}
