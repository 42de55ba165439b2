/**
 * Instruction counts per command of the logic (valgrind --tool=callgrind), on a fixed record file, so
 * two commits can be compared on exactly the same input whatever else the machine is doing:
 *
 *   node --import tsx perf/profile/logic_records.ts write margin 400000 /tmp/margin.rec
 *       writes the workload's setup and `commands` timed records (perf/workers/logic_workloads.ts) to a file
 *   valgrind --tool=callgrind --toggle-collect=Builtins_ArrayPrototypeFindLastIndex --callgrind-out-file=/dev/null \
 *     node --no-concurrent-recompilation --import tsx perf/profile/logic_records.ts apply /tmp/margin.rec 131072 on
 *       applies the setup and the first 65536 timed records to a throwaway machine (warm-up: optimized
 *       code, as the bench's), then the setup and the first 131072 timed records to a fresh one, events on
 *       (or off). --no-concurrent-recompilation: V8 optimizes on the main thread when a function is hot,
 *       not whenever valgrind schedules a compiler thread, so both commits switch to optimized code alike.
 *
 * The timed records run inside a call of Array.prototype.findLastIndex, so
 *   valgrind --tool=callgrind --toggle-collect=Builtins_ArrayPrototypeFindLastIndex ...
 * counts exactly their instructions (start-up, setup, warm-up and the state hash are left out):
 * instructions per command = Collected / records. `apply` prints the state hash after the records it
 * applied and, when it applied all of them, checks it against the generator's (order workloads).
 * `apply ... digest` (not under valgrind: it costs) also prints a digest of every result record and
 * every event record: two commits whose state layouts differ (so their state hashes do) still prove
 * they answered and emitted exactly the same.
 *
 * File: u32 header length, header JSON {workload, config, setupCount, timedCount, generatorHash}, then
 * setupCount + timedCount records of RECORD_STRIDE bytes.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRecordBuffer } from '../../codec/records/record_buffer.ts';
import { ResHeader, RES_MAX_RECORD_BYTES } from '../../codec/records/result_descriptor.ts';
import { BufferEventSink } from '../../core/logic/event_emitter.ts';
import { createStateMachine } from '../../core/logic/state_machine.ts';
import type { LogicConfig } from '../../core/logic/state_machine_api.ts';
import { writeCommand } from '../../core/logic/test_support/command_writer.ts';
import { CHUNK_RECORDS, createWorkload, RECORD_STRIDE, WORKLOAD_NAMES, type WorkloadName } from '../workers/logic_workloads.ts';

/** Timed records a throwaway machine applies first (half the bench's first chunk: valgrind is slow). */
const WARM_UP_RECORDS = CHUNK_RECORDS / 2;

interface RecordFileHeader {
  readonly workload: WorkloadName;
  readonly config: LogicConfig;
  readonly setupCount: number;
  readonly timedCount: number;
  readonly generatorHash: string | null;
}

function write(name: string, commands: number, file: string): void {
  if (!(WORKLOAD_NAMES as readonly string[]).includes(name)) throw new Error(`unknown workload ${name}: one of ${WORKLOAD_NAMES.join(', ')}`);
  const workload = createWorkload(name as WorkloadName);
  // Seat workloads restore their seats with untimed records between chunks: not one stream of records.
  if (name === 'seat-booking' || name === 'checkout') throw new Error(`${name}: workloads with restore records are not supported`);
  const total = workload.setup.length + commands;
  const records = createRecordBuffer(new ArrayBuffer(total * RECORD_STRIDE));
  workload.setup.forEach(([header, spec], i) => writeCommand(records, i * RECORD_STRIDE, header, spec));
  const chunk = createRecordBuffer(new ArrayBuffer(CHUNK_RECORDS * RECORD_STRIDE));
  for (let done = 0; done < commands;) {
    const n = Math.min(CHUNK_RECORDS, commands - done);
    workload.fill(chunk, n, workload.firstSequence + done);
    new Uint8Array(records.bytes.buffer).set(new Uint8Array(chunk.bytes.buffer, 0, n * RECORD_STRIDE), (workload.setup.length + done) * RECORD_STRIDE);
    done += n;
  }
  const header: RecordFileHeader = {
    workload: workload.name, config: workload.config, setupCount: workload.setup.length, timedCount: commands, generatorHash: workload.generatorHash(),
  };
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.length);
  writeFileSync(file, Buffer.concat([length, json, Buffer.from(records.bytes.buffer)]));
  console.log(`${file}: ${name}, ${header.setupCount} setup + ${commands} timed records`);
}

function apply(file: string, count: number, events: boolean, digest: boolean): void {
  const bytes = readFileSync(file);
  const headerLength = bytes.readUInt32LE(0);
  const header = JSON.parse(bytes.subarray(4, 4 + headerLength).toString()) as RecordFileHeader;
  if (count > header.timedCount) throw new Error(`${file} holds ${header.timedCount} timed records, not ${count}`);
  const body = new ArrayBuffer((header.setupCount + header.timedCount) * RECORD_STRIDE);
  new Uint8Array(body).set(bytes.subarray(4 + headerLength));
  const records = createRecordBuffer(body);
  const out = createRecordBuffer(new ArrayBuffer(RES_MAX_RECORD_BYTES));
  // Warm-up on a throwaway machine, so the counted records run optimized code (under valgrind V8's
  // compiler threads get little time: without this the first 100k records still ran unoptimized code).
  const warm = createStateMachine(header.config);
  warm.setEventsEnabled(events);
  warm.attachEventSink(new BufferEventSink(16384, () => undefined));
  for (let i = 0; i < header.setupCount + Math.min(WARM_UP_RECORDS, header.timedCount); i++) warm.apply(records, i * RECORD_STRIDE, out, 0);
  const machine = createStateMachine(header.config);
  machine.setEventsEnabled(events);
  const results = createHash('sha256');
  const emitted = createHash('sha256');
  const sink = new BufferEventSink(16384, digest ? (bytes, byteLength) => emitted.update(bytes.subarray(0, byteLength)) : () => undefined);
  machine.attachEventSink(sink);
  let rejected = 0;
  const applyRange = (from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      machine.apply(records, i * RECORD_STRIDE, out, 0);
      if (digest) results.update(out.bytes.subarray(0, out.u32[ResHeader.LENGTH >>> 2]));
      if (out.u16[ResHeader.CODE >>> 1] !== 0) {
        if (i < header.setupCount) throw new Error(`setup record ${i} failed with code ${out.u16[ResHeader.CODE >>> 1]}`);
        rejected++;
      }
    }
  };
  applyRange(0, header.setupCount);
  // The timed records: inside a builtin that nothing else here calls, for callgrind --toggle-collect.
  [0].findLastIndex(() => {
    applyRange(header.setupCount, header.setupCount + count);
    return true;
  });
  const hash = machine.stateHash();
  const check = count === header.timedCount && header.generatorHash !== null ? (hash === header.generatorHash ? ' (= generator)' : ' MISMATCH with generator') : '';
  if (digest) sink.flush();
  const digests = digest ? ` results=${results.digest('hex').slice(0, 16)} events=${emitted.digest('hex').slice(0, 16)}` : '';
  console.log(`${header.workload} events=${events ? 'on' : 'off'} applied=${count} rejected=${rejected} hash=${hash}${check}${digests}`);
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === 'write' && rest.length === 3) write(rest[0], Number(rest[1]), rest[2]);
else if (mode === 'apply' && (rest.length === 3 || rest[3] === 'digest') && (rest[2] === 'on' || rest[2] === 'off')) {
  apply(rest[0], Number(rest[1]), rest[2] === 'on', rest[3] === 'digest');
} else throw new Error('usage: logic_records.ts write <workload> <commands> <file> | apply <file> <timed records> on|off [digest]');
