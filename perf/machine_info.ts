/**
 * The machine a bench ran on, written as `machine` in the JSON and printed at the top of every report.
 */
import os from 'node:os';
import { histogramUsesWebAssembly } from './histogram.ts';

export interface MachineInfo {
  readonly node: string;
  readonly v8: string;
  readonly platform: string;
  readonly arch: string;
  readonly kernel: string;
  readonly cpu_model: string;
  readonly cores: number;
  readonly memory_bytes: number;
  readonly hostname: string;
  readonly hdr_histogram_wasm: boolean;
  readonly started_at: string;
  /** 1-minute load average when the bench started: other work on the machine skews every figure. */
  readonly load_average_1m: number;
}

export function machineInfo(now: Date = new Date()): MachineInfo {
  const cpus = os.cpus();
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: process.platform,
    arch: process.arch,
    kernel: os.release(),
    cpu_model: cpus[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memory_bytes: os.totalmem(),
    hostname: os.hostname(),
    hdr_histogram_wasm: histogramUsesWebAssembly(),
    started_at: now.toISOString(),
    load_average_1m: Math.round(os.loadavg()[0] * 100) / 100,
  };
}

/** One line per scenario whose topology wants more cores than the machine has. */
export function coreWarnings(cores: number, scenarios: readonly { name: string; coresWanted: number }[]): string[] {
  const lines: string[] = [];
  for (const s of scenarios) {
    if (cores < s.coresWanted) {
      lines.push(`warning: ${s.name} wants ${s.coresWanted} cores, this machine has ${cores}: its threads share cores and its figures understate the design`);
    }
  }
  return lines;
}

/** A warning when the machine was already busy (load average above half its cores) as the bench began. */
export function busyWarning(loadAverage1m: number, cores: number): string | null {
  return loadAverage1m > cores * 0.5
    ? `warning: the machine is busy (load average ${loadAverage1m} on ${cores} cores) before the bench starts: figures will be low and noisy`
    : null;
}

export function describeMachine(m: MachineInfo): string {
  const gib = (m.memory_bytes / 2 ** 30).toFixed(1);
  return `node ${m.node} (v8 ${m.v8}), ${m.platform} ${m.arch} kernel ${m.kernel}, ${m.cores} cores ${m.cpu_model}, ${gib} GiB, hdr wasm ${m.hdr_histogram_wasm ? 'yes' : 'no'}, load average ${m.load_average_1m}`;
}
