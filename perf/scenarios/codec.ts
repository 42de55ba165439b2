/**
 * codec: what the two encodings cost, on one thread (the gateway's main thread, or the logic worker).
 *
 *   verify+translate/<command>   untrusted FlatBuffers Request → verified → positional input record
 *                                (the gateway's per-frame work), 256 distinct messages of the kind, cycled
 *   translate-json/transfer      the HTTP/JSON path: JSON text → validated → the same record
 *   encode-response/<body>       result record → FlatBuffers Response with one reused Builder
 *   write-response/<body>        the same with writeResponse: straight into an output buffer, no Builder
 *   record-read/transfer         the business logic's reads: type + every field of a Transfer record at
 *                                fixed offsets over a 4096-record arena; GC events counted over the
 *                                whole run (10M reads in --full; must be 0)
 *   flatbuffers-read/transfer    the same fields straight from the FlatBuffers messages with the
 *                                flatc-generated accessors (reused objects; uint64 fields are BigInts);
 *                                ratio_vs_peer on record-read = how many times faster records are
 * Each figure is the median over `runs`; throughput_per_s is messages (or records) per second, and
 * conditions.ns_per_message the same figure as a per-message cost. Every translated record is checked
 * (a failed translation counts as an error).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Builder, ByteBuffer } from 'flatbuffers';
import fc from 'fast-check';
import * as wire from '../../codec/generated/ringline/wire.ts';
import { translateJsonRequest } from '../../codec/json/translate_json_request.ts';
import { CMD_MAX_RECORD_BYTES, CmdHeader, Transfer } from '../../codec/records/command_descriptor.ts';
import { createRecordBuffer, type RecordBuffer } from '../../codec/records/record_buffer.ts';
import { writeResultRecord } from '../../codec/records/result_record_json.ts';
import { ResultCode } from '../../codec/result_codes.ts';
import { COMMAND_SPECS, commandSpecByName } from '../../codec/spec/command_spec.ts';
import { anyResponse, commandArbitrary } from '../../codec/test_support/arbitraries.ts';
import type { ResponseJson } from '../../codec/types/response_json.ts';
import { encodeRequest } from '../../codec/wire/request_encoder.ts';
import { encodeResponse } from '../../codec/wire/response_encoder.ts';
import { MAX_RESPONSE_BYTES, writeResponse } from '../../codec/wire/response_writer.ts';
import { translateRequest } from '../../codec/wire/translate_request.ts';
import { TranslateResult } from '../../codec/wire/translate_result.ts';
import { nowNs, perSecond } from '../clock.ts';
import { startGcCounter } from '../gc_counter.ts';
import { medianRun } from '../median.ts';
import type { ResultRow, ScenarioOptions, ScenarioRun } from '../result_row.ts';

const MESSAGES_PER_KIND = 256;
const SEED = 42;
const ARENA_RECORDS = 4096;

interface Sized {
  readonly translateIterations: number;
  readonly encodeIterations: number;
  readonly recordReads: number;
  readonly flatbufferReads: number;
}
const SIZES: Record<ScenarioOptions['mode'], Sized> = {
  quick: { translateIterations: 200_000, encodeIterations: 50_000, recordReads: 2_000_000, flatbufferReads: 300_000 },
  full: { translateIterations: 1_000_000, encodeIterations: 300_000, recordReads: 10_000_000, flatbufferReads: 2_000_000 },
};

interface Measured {
  readonly ns: number;
  readonly count: number;
  readonly errors: number;
  readonly gc: number;
}

// A full collection before each measurement, so garbage left by the set-up cannot be collected inside it.
// Exposed on first use (not at import: importing a scenario must not change the process's V8 flags).
let gcFunction: (() => void) | null = null;
function collectGarbage(): void {
  if (gcFunction === null) {
    setFlagsFromString('--expose-gc');
    gcFunction = runInNewContext('gc') as () => void;
  }
  gcFunction();
}

/** Times `body(count)` once (after a warm-up call), counting GC events on this thread. */
async function measure(count: number, body: (count: number) => number): Promise<Measured> {
  // Warm-up: several calls, so the optimizing compiler compiles the function for regular entry (after a single
  // call only the loop is on-stack-replaced, and the next call starts in baseline code that boxes every double).
  for (let i = 0; i < 3; i++) body(Math.min(count, 50_000));
  collectGarbage();
  const gc = startGcCounter();
  const start = nowNs();
  const errors = body(count);
  const ns = nowNs() - start;
  const counted = await gc.stop();
  return { ns, count, errors, gc: counted.events };
}

function row(caseName: string, m: Measured, conditions: Record<string, string | number | boolean>,
  mode: string): ResultRow {
  return {
    scenario: 'codec',
    case: caseName,
    conditions: { mode, thread: 'main', ns_per_message: Number((m.ns / m.count).toFixed(1)), count: m.count, ...conditions },
    throughput_per_s: Math.round(perSecond(m.count, m.ns)),
    latency_us: null,
    gc_events: { main: m.gc },
    errors: m.errors,
  };
}

async function median(runs: number, once: () => Promise<Measured>): Promise<Measured> {
  const all: Measured[] = [];
  for (let i = 0; i < runs; i++) all.push(await once());
  return medianRun(all, (m) => m.count / m.ns);
}

export const run: ScenarioRun = async (options) => {
  const size = SIZES[options.mode];
  const rows: ResultRow[] = [];
  const builder = new Builder(1024);
  const record = createRecordBuffer(new ArrayBuffer(CMD_MAX_RECORD_BYTES));
  const result = new TranslateResult();

  // ---- verify + translate per command kind --------------------------------------------------------------
  for (const spec of COMMAND_SPECS) {
    const messages = fc.sample(commandArbitrary(spec), { numRuns: MESSAGES_PER_KIND, seed: SEED })
      .map((command) => encodeRequest(command, builder).slice());
    const bytes = messages.reduce((sum, m) => sum + m.length, 0) / messages.length;
    const m = await median(options.runs, () => measure(size.translateIterations, (count) => {
      let errors = 0;
      for (let i = 0; i < count; i++) {
        if (translateRequest(messages[i & (MESSAGES_PER_KIND - 1)], record, 0, result) !== ResultCode.OK) errors++;
      }
      return errors;
    }));
    rows.push(row(`verify+translate/${spec.name}`, m, { message_bytes_avg: Math.round(bytes) }, options.mode));
  }
  options.log(`verify+translate: ${COMMAND_SPECS.length} command kinds done`);

  // ---- JSON path ------------------------------------------------------------------------------------------
  const jsonTexts = fc.sample(commandArbitrary(commandSpecByName('transfer')!), { numRuns: MESSAGES_PER_KIND, seed: SEED })
    .map((command) => JSON.stringify(command));
  rows.push(row('translate-json/transfer', await median(options.runs, () =>
    measure(size.encodeIterations, (count) => {
      let errors = 0;
      for (let i = 0; i < count; i++) {
        if (translateJsonRequest(jsonTexts[i & (MESSAGES_PER_KIND - 1)], record, 0, result) !== ResultCode.OK) errors++;
      }
      return errors;
    })), {}, options.mode));

  // ---- response encoding per result body ------------------------------------------------------------------
  const samples = fc.sample(anyResponse, { numRuns: 4000, seed: SEED });
  for (const body of ['balance', 'item', 'order', 'depth', 'none']) {
    const picked = samples.filter((r: ResponseJson) => (r.result?.type ?? 'none') === body).slice(0, 64);
    if (picked.length === 0) continue;
    const arena = createRecordBuffer(new ArrayBuffer(CMD_MAX_RECORD_BYTES * picked.length));
    picked.forEach((response, i) => writeResultRecord(response, arena, i * CMD_MAX_RECORD_BYTES));
    const m = await median(options.runs, () => measure(size.encodeIterations, (count) => {
      let bytes = 0;
      for (let i = 0; i < count; i++) bytes += encodeResponse(arena, (i % picked.length) * CMD_MAX_RECORD_BYTES, builder).length;
      return bytes > 0 ? 0 : 1;
    }));
    rows.push(row(`encode-response/${body}`, m, { distinct_records: picked.length, via: 'Builder' }, options.mode));
    const out = new Uint8Array(MAX_RESPONSE_BYTES + 8);
    const direct = await median(options.runs, () => measure(size.encodeIterations, (count) => {
      let bytes = 0;
      for (let i = 0; i < count; i++) bytes += writeResponse(arena, (i % picked.length) * CMD_MAX_RECORD_BYTES, out, 4);
      return bytes > 0 ? 0 : 1;
    }));
    rows.push(row(`write-response/${body}`, direct, { distinct_records: picked.length, via: 'writeResponse' }, options.mode));
  }
  options.log('encode-response done');

  // ---- the logic side: record reads vs FlatBuffers reads ----------------------------------------------------
  const transfers = fc.sample(commandArbitrary(commandSpecByName('transfer')!), { numRuns: ARENA_RECORDS, seed: SEED });
  const transferWire = transfers.map((command) => encodeRequest(command, builder).slice());
  const arena = createRecordBuffer(new ArrayBuffer(Transfer.BYTES * ARENA_RECORDS));
  transferWire.forEach((bytes, i) => {
    translateRequest(bytes, record, 0, result);
    arena.bytes.set(record.bytes.subarray(0, Transfer.BYTES), i * Transfer.BYTES);
  });
  const recordRead = await median(options.runs, () => measure(size.recordReads, (count) => readRecords(arena, count)));
  const buffers = transferWire.map((bytes) => new ByteBuffer(bytes));
  const flatRead = await median(options.runs, () => measure(size.flatbufferReads, (count) => readFlatBuffers(buffers, count)));
  const fieldsRead = 'type, fromAccountId, toAccountId, assetId, amount, correlationId, idempotencyId';
  const ratio = Number(((recordRead.count / recordRead.ns) / (flatRead.count / flatRead.ns)).toFixed(1));
  rows.push({
    ...row('record-read/transfer', recordRead, { fields: fieldsRead, arena_records: ARENA_RECORDS }, options.mode),
    peer: 'flatbuffers-generated', ratio_vs_peer: ratio,
  });
  rows.push(row('flatbuffers-read/transfer', flatRead, { fields: fieldsRead, messages: ARENA_RECORDS }, options.mode));
  options.log(`record reads ${(recordRead.ns / recordRead.count).toFixed(1)} ns, FlatBuffers ${(flatRead.ns / flatRead.count).toFixed(1)} ns (${ratio}x), ` +
    `GC during ${recordRead.count} record reads: ${recordRead.gc}`);
  return rows;
};

/** The business logic's view: type and every field at fixed offsets. Returns 0 (no errors) unless the sum is not finite. */
function readRecords(arena: RecordBuffer, count: number): number {
  const f64 = arena.f64;
  const u16 = arena.u16;
  const mask = ARENA_RECORDS - 1;
  let sum = 0;
  for (let i = 0; i < count; i++) {
    const base = (i & mask) * Transfer.BYTES;
    const w = base >>> 3;
    sum += u16[(base + CmdHeader.TYPE) >>> 1] + f64[w + (Transfer.FROM_ACCOUNT_ID >>> 3)] +
      f64[w + (Transfer.TO_ACCOUNT_ID >>> 3)] + f64[w + (Transfer.ASSET_ID >>> 3)] + f64[w + (Transfer.AMOUNT >>> 3)] +
      f64[w + (CmdHeader.CORRELATION_ID >>> 3)] + f64[w + (CmdHeader.IDEMPOTENCY_ID >>> 3)];
    sum %= 1e15;
  }
  return Number.isFinite(sum) ? 0 : 1;
}

const requestObject = new wire.Request();
const transferObject = new wire.Transfer();
function readFlatBuffers(buffers: readonly ByteBuffer[], count: number): number {
  const mask = ARENA_RECORDS - 1;
  let sum = 0;
  for (let i = 0; i < count; i++) {
    const request = wire.Request.getRootAsRequest(buffers[i & mask], requestObject);
    const transfer = request.command(transferObject) as wire.Transfer;
    sum += request.commandType() + Number(transfer.fromAccountId()) + Number(transfer.toAccountId()) +
      Number(transfer.assetId()) + Number(transfer.amount()) + Number(request.correlationId()) +
      Number(request.idempotencyId());
    sum %= 1e15;
  }
  return Number.isFinite(sum) ? 0 : 1;
}
