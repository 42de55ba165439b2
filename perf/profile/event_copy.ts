/**
 * What the event feed's copy from the events ring into the retention costs the gateway's main thread,
 * per record: one append() per record (a 32-word JS loop) against appendRun() (one memory copy per
 * contiguous stretch), from a SharedArrayBuffer source like the ring, interleaved, CPU time of this
 * thread (/proc). Each round also stamps the records' sequences and releases them, as the feed's turn
 * would, so both figures include that. `node --import tsx perf/profile/event_copy.ts`
 */
import { EVT_RECORD_BYTES, EvtHeader } from '../../codec/records/event_descriptor.ts';
import { createRecordBuffer } from '../../codec/records/record_buffer.ts';
import { EventRetention } from '../../core/event_retention.ts';
import { readThreadCpuSeconds } from '../engine/process_usage.ts';

const RECORDS_PER_DRAIN = 4096;
const DRAINS = 2000;
const source = createRecordBuffer(new SharedArrayBuffer(RECORDS_PER_DRAIN * EVT_RECORD_BYTES));

function nsPerRecord(bulk: boolean): number {
  const retention = new EventRetention(131072, 0);
  let sequence = 0;
  const before = readThreadCpuSeconds(process.pid, process.pid);
  for (let d = 0; d < DRAINS; d++) {
    for (let i = 0; i < RECORDS_PER_DRAIN; i++) source.f64[(i * EVT_RECORD_BYTES + EvtHeader.SEQUENCE) >>> 3] = ++sequence;
    if (bulk) retention.appendRun(source, 0, RECORDS_PER_DRAIN);
    else for (let i = 0; i < RECORDS_PER_DRAIN; i++) retention.append(source, i * EVT_RECORD_BYTES);
    retention.releaseThrough(sequence);
  }
  return ((readThreadCpuSeconds(process.pid, process.pid) - before) * 1e9) / (DRAINS * RECORDS_PER_DRAIN);
}

for (let round = 1; round <= 3; round++) {
  console.log(`round ${round}: append() per record ${nsPerRecord(false).toFixed(1)} ns, appendRun() ${nsPerRecord(true).toFixed(1)} ns (CPU per record, sequence stamp and release included)`);
}
