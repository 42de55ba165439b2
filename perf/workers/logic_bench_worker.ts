/**
 * Worker thread of the business-logic bench: builds `runs` state machines, applies a workload's setup
 * to each, then feeds every machine the same chunks of pre-encoded records. Only the apply loop is
 * timed (one clock read before and after each chunk); GC events are counted by a PerformanceObserver
 * in this thread and attributed to the timed windows by their start time.
 *
 * Before the first timed chunk, a throwaway machine applies the setup and that chunk untimed, so the
 * timed loop runs optimized code. Cold (interpreted) code boxes every double beyond 2^31 it touches
 * (stock of 1e13, balances of 1e11) as a heap number; timing the first chunk cold let those pay for
 * a minor GC inside the timed loop (stock-buy and checkout), which optimized apply() never causes.
 *
 *   main thread ──workerData {workload, commands, runs}──► this worker ──postMessage(LogicBenchReply)──►
 */
import { PerformanceObserver, constants, performance, type PerformanceEntry } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { createRecordBuffer, type RecordBuffer } from '../../codec/records/record_buffer.ts';
import { ResHeader, RES_MAX_RECORD_BYTES } from '../../codec/records/result_descriptor.ts';
import { writeCommand } from '../../core/logic/test_support/command_writer.ts';
import { createStateMachine } from '../../core/logic/state_machine.ts';
import { BufferEventSink } from '../../core/logic/event_emitter.ts';
import type { StateMachine } from '../../core/logic/state_machine_api.ts';
import {
  CHUNK_RECORDS, createWorkload, RECORD_STRIDE, restampSequences, type WorkloadName,
} from './logic_workloads.ts';

export interface LogicBenchRequest {
  readonly workload: WorkloadName;
  readonly commands: number;
  readonly runs: number;
  /** Event emission (engine option events): false measures the logic without writing event records. Default true. */
  readonly events?: boolean;
}

export interface LogicBenchReply {
  readonly workload: WorkloadName;
  readonly commands: number;
  /** Per run: commands applied per second in the timed loop. */
  readonly perSecond: number[];
  /** GC events that started inside timed windows (all runs), and outside them (setup, generation). */
  readonly gcTimed: number;
  /** The kinds of the timed GC events (minor, major, incremental, weakcb), e.g. "incremental:1". */
  readonly gcTimedKinds: string;
  readonly gcUntimed: number;
  /** Results with a non-zero code in the timed loop (all runs). */
  readonly rejected: number;
  /** Machines whose final state hash differs from the first machine's (or the generator's). */
  readonly hashMismatches: number;
  readonly stateHash: string;
  /** The fastest single chunk of any run (commands/s): what the code does when the thread is not preempted. */
  readonly bestChunkPerSecond: number;
  /**
   * Commands per CPU-second of this thread inside the timed windows (all runs): unlike the wall-clock
   * figures it leaves out the time the thread waited for a CPU, so it stays comparable on a loaded
   * machine (10 ms accounting ticks; NaN where /proc/thread-self is missing).
   */
  readonly cpuPerSecond: number;
}

const request = workerData as LogicBenchRequest;

/**
 * CPU time this thread has used, in ms (utime + stime, fields 14 and 15 of /proc/thread-self/stat, in
 * 10 ms ticks); NaN off Linux. Read outside the timed windows' apply loops (it allocates).
 */
function threadCpuMs(): number {
  try {
    const fields = readFileSync('/proc/thread-self/stat', 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}
const windows = new Float64Array(2 * request.runs * (Math.ceil(request.commands / CHUNK_RECORDS) + 1));
let windowCount = 0;
const gcStarts: number[] = [];
const gcKinds: number[] = [];
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gcStarts.push(entry.startTime);
    gcKinds.push((entry as PerformanceEntry & { readonly detail?: { readonly kind?: number } }).detail?.kind ?? 0);
  }
});
observer.observe({ entryTypes: ['gc'] });

const workload = createWorkload(request.workload);
// Every machine emits its events into a 16384-record buffer (2 MiB, the events ring's default size) that is
// simply reused when full: the timed loop pays for writing every event record, as in the engine.
const EVENT_BUFFER_RECORDS = 16384;
const reuseEventBuffer = (): void => undefined;
const machines = Array.from({ length: request.runs }, () => {
  const machine = createStateMachine(workload.config);
  machine.setEventsEnabled(request.events ?? true);
  machine.attachEventSink(new BufferEventSink(EVENT_BUFFER_RECORDS, reuseEventBuffer));
  return machine;
});
const setupBuf = createRecordBuffer(new ArrayBuffer(RECORD_STRIDE));
const out = createRecordBuffer(new ArrayBuffer(RES_MAX_RECORD_BYTES));
function applySetup(machine: StateMachine): void {
  for (const [header, spec] of workload.setup) {
    writeCommand(setupBuf, 0, header, spec);
    machine.apply(setupBuf, 0, out, 0);
    if (out.u16[ResHeader.CODE >>> 1] !== 0) throw new Error(`bench setup ${spec.kind} failed with code ${out.u16[ResHeader.CODE >>> 1]}`);
  }
}
for (const machine of machines) applySetup(machine);

/** Applies `count` records at RECORD_STRIDE from `buf` to `machine`; returns how many were rejected. */
function applyRecords(machine: StateMachine, buf: RecordBuffer, count: number): number {
  let rejectedHere = 0;
  for (let i = 0; i < count; i++) {
    machine.apply(buf, i * RECORD_STRIDE, out, 0);
    if (out.u16[ResHeader.CODE >>> 1] !== 0) rejectedHere++;
  }
  return rejectedHere;
}

const timed = createRecordBuffer(new ArrayBuffer(CHUNK_RECORDS * RECORD_STRIDE));
const restore = createRecordBuffer(new ArrayBuffer(CHUNK_RECORDS * RECORD_STRIDE));
const elapsedMs = new Float64Array(request.runs);
let rejected = 0;
let bestChunkPerSecond = 0;
let sequence = workload.firstSequence;
let filled = false;
let restoreCount = 0;
let cpuMs = 0;
for (let done = 0; done < request.commands;) {
  const n = Math.min(CHUNK_RECORDS, request.commands - done);
  if (!workload.reusable || !filled) {
    workload.fill(timed, n, sequence);
    restoreCount = workload.fillRestore(restore, n, sequence + n);
    filled = true;
  } else {
    restampSequences(timed, n, sequence);
    if (restoreCount > 0) restampSequences(restore, restoreCount, sequence + n);
  }
  if (done === 0) {
    // Warm-up, untimed, on a machine nobody measures: the same setup and first chunk (see the top).
    const warm = createStateMachine(workload.config);
    // The same sink class as the timed machines: the emitter's call into it is then warm (monomorphic) too.
    warm.setEventsEnabled(request.events ?? true);
    warm.attachEventSink(new BufferEventSink(EVENT_BUFFER_RECORDS, reuseEventBuffer));
    applySetup(warm);
    applyRecords(warm, timed, n);
    applyRecords(warm, restore, restoreCount);
  }
  for (let r = 0; r < machines.length; r++) {
    const machine = machines[r];
    const cpuBeforeMs = threadCpuMs();
    const started = performance.now();
    rejected += applyRecords(machine, timed, n);
    const ended = performance.now();
    cpuMs += threadCpuMs() - cpuBeforeMs;
    elapsedMs[r] += ended - started;
    if (n === CHUNK_RECORDS && n * 1000 > bestChunkPerSecond * (ended - started)) bestChunkPerSecond = (n * 1000) / (ended - started);
    windows[windowCount++] = started;
    windows[windowCount++] = ended;
    applyRecords(machine, restore, restoreCount);
  }
  sequence += n + restoreCount;
  done += n;
}

// Let the last GC entries arrive, then attribute them.
await new Promise((resolve) => setTimeout(resolve, 20));
observer.disconnect();
let gcTimed = 0;
const kindNames = new Map<number, string>([
  [constants.NODE_PERFORMANCE_GC_MINOR, 'minor'], [constants.NODE_PERFORMANCE_GC_MAJOR, 'major'],
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL, 'incremental'], [constants.NODE_PERFORMANCE_GC_WEAKCB, 'weakcb'],
]);
const timedKinds = new Map<string, number>();
gcStarts.forEach((start, i) => {
  let inside = false;
  for (let w = 0; w < windowCount && !inside; w += 2) inside = start >= windows[w] && start <= windows[w + 1];
  if (!inside) return;
  gcTimed++;
  const name = kindNames.get(gcKinds[i]) ?? `kind${gcKinds[i]}`;
  timedKinds.set(name, (timedKinds.get(name) ?? 0) + 1);
});
const reference = workload.generatorHash() ?? machines[0].stateHash();
const hashes = machines.map((m) => m.stateHash());
const reply: LogicBenchReply = {
  workload: request.workload,
  commands: request.commands,
  perSecond: Array.from(elapsedMs, (ms) => (request.commands * 1000) / ms),
  gcTimed,
  gcTimedKinds: [...timedKinds].map(([k, n]) => `${k}:${n}`).join(' '),
  gcUntimed: gcStarts.length - gcTimed,
  rejected,
  hashMismatches: hashes.filter((h) => h !== reference).length,
  stateHash: reference,
  bestChunkPerSecond,
  cpuPerSecond: (request.commands * request.runs * 1000) / cpuMs,
};
parentPort?.postMessage(reply);
