/**
 * Profiling harness (not a bench): applies one logic workload's timed chunk over and over to one state
 * machine with a BufferEventSink, as perf/workers/logic_bench_worker.ts does, and prints commands/s.
 * Run it under `node --cpu-prof --import tsx perf/profile/logic_events_profile.ts transfer 3000000`
 * to see where the logic thread spends its time; `none` as the third argument leaves the discarding sink.
 */
import { createRecordBuffer } from '../../codec/records/record_buffer.ts';
import { RES_CODE_OFFSET, RES_MAX_RECORD_BYTES } from '../../codec/records/result_descriptor.ts';
import { BufferEventSink } from '../../core/logic/event_emitter.ts';
import { createStateMachine } from '../../core/logic/state_machine.ts';
import { writeCommand } from '../../core/logic/test_support/command_writer.ts';
import { CHUNK_RECORDS, createWorkload, RECORD_STRIDE, restampSequences, type WorkloadName } from '../workers/logic_workloads.ts';

const name = (process.argv[2] ?? 'transfer') as WorkloadName;
const commands = Number(process.argv[3] ?? 2_000_000);
const withSink = process.argv[4] !== 'none';
const workload = createWorkload(name);
const machine = createStateMachine(workload.config);
if (withSink) machine.attachEventSink(new BufferEventSink(16384, () => undefined));
const setupBuf = createRecordBuffer(new ArrayBuffer(RECORD_STRIDE));
const out = createRecordBuffer(new ArrayBuffer(RES_MAX_RECORD_BYTES));
for (const [header, spec] of workload.setup) {
  writeCommand(setupBuf, 0, header, spec);
  machine.apply(setupBuf, 0, out, 0);
}
const timed = createRecordBuffer(new ArrayBuffer(CHUNK_RECORDS * RECORD_STRIDE));
const restore = createRecordBuffer(new ArrayBuffer(CHUNK_RECORDS * RECORD_STRIDE));
let sequence = workload.firstSequence;
let restoreCount = 0;
let filled = false;
let elapsedMs = 0;
let rejected = 0;
for (let done = 0; done < commands;) {
  const n = Math.min(CHUNK_RECORDS, commands - done);
  if (!workload.reusable || !filled) {
    workload.fill(timed, n, sequence);
    restoreCount = workload.fillRestore(restore, n, sequence + n);
    filled = true;
  } else {
    restampSequences(timed, n, sequence);
    if (restoreCount > 0) restampSequences(restore, restoreCount, sequence + n);
  }
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    machine.apply(timed, i * RECORD_STRIDE, out, 0);
    if (out.u16[RES_CODE_OFFSET >>> 1] !== 0) rejected++;
  }
  elapsedMs += performance.now() - started;
  for (let i = 0; i < restoreCount; i++) machine.apply(restore, i * RECORD_STRIDE, out, 0);
  sequence += n + restoreCount;
  done += n;
}
console.log(`${name} sink=${withSink} ${((commands * 1000) / elapsedMs / 1e6).toFixed(2)}M/s rejected=${rejected}`);
