/**
 * Results the release gate takes off the output ring but may not hand out yet, so that everything
 * behind them can go on:
 *
 *   - a write's result while storage is unavailable (journal/storage_fault.ts): the command was applied
 *     but its journal batch failed; it is handed out once the journal has it (durable ≥ its sequence),
 *     never before. Read-only results behind it are handed out at once: reads keep being served.
 *   - an accepted SNAPSHOT's result: handed out once the snapshot file is written and synced (OK), or
 *     its write failed (SNAPSHOT_FAILED, temporary file removed). The reply thus means "it is on disk".
 *
 * Each held result is a copy (the ring slot is released); holding only happens on these rare paths,
 * so the copies' allocation never touches the normal release path. At most one ring's worth of results
 * can be held: writes stop being sequenced once storage is unavailable.
 */
import { createRecordBuffer, type RecordBuffer } from '../codec/records/record_buffer.ts';
import { ResHeader } from '../codec/records/result_descriptor.ts';
import { ResultCode } from '../codec/result_codes.ts';
import type { ResultListener } from '../core/engine_api.ts';

const UNTIL_DURABLE = 0;
const UNTIL_SNAPSHOT_WRITTEN = 1;

interface HeldResult {
  readonly sequence: number;
  readonly until: number;
  readonly record: RecordBuffer;
}

export class HeldResults {
  /** In sequence order (results are held in the order the gate meets them). */
  private readonly held: HeldResult[] = [];
  /** Snapshot writes that settled before their result was held: sequence → written. */
  private readonly settled = new Map<number, boolean>();

  get size(): number {
    return this.held.length;
  }

  /** Keeps a copy of the result at `base` until the journal holds `sequence`. */
  holdUntilDurable(buffer: RecordBuffer, base: number, sequence: number): void {
    this.held.push({ sequence, until: UNTIL_DURABLE, record: copy(buffer, base) });
  }

  /** Keeps a copy of an accepted SNAPSHOT's result until its file is written (or failed). */
  holdUntilSnapshotWritten(buffer: RecordBuffer, base: number, sequence: number): void {
    const record = copy(buffer, base);
    const written = this.settled.get(sequence);
    if (written !== undefined) {
      this.settled.delete(sequence);
      if (!written) record.u16[ResHeader.CODE >>> 1] = ResultCode.SNAPSHOT_FAILED;
    }
    this.held.push({ sequence, until: written === undefined ? UNTIL_SNAPSHOT_WRITTEN : UNTIL_DURABLE, record });
  }

  /** The snapshot taken at `sequence` is on disk (written) or failed: its result may go. */
  snapshotSettled(sequence: number, written: boolean): void {
    for (let i = 0; i < this.held.length; i++) {
      const h = this.held[i];
      if (h.sequence !== sequence || h.until !== UNTIL_SNAPSHOT_WRITTEN) continue;
      if (!written) h.record.u16[ResHeader.CODE >>> 1] = ResultCode.SNAPSHOT_FAILED;
      this.held[i] = { sequence, until: UNTIL_DURABLE, record: h.record }; // it was durable before it was held
      return;
    }
    this.settled.set(sequence, written); // the result has not reached the gate yet
  }

  /** Hands every held result that may go now (durable, snapshot settled) to `listener`; returns how many. */
  deliver(listener: ResultListener, durable: number): number {
    let delivered = 0;
    for (let i = 0; i < this.held.length;) {
      const h = this.held[i];
      if (h.until === UNTIL_DURABLE && h.sequence <= durable) {
        this.held.splice(i, 1);
        listener(h.record, 0);
        delivered++;
      } else {
        i++;
      }
    }
    return delivered;
  }
}

function copy(buffer: RecordBuffer, base: number): RecordBuffer {
  const length = buffer.u32[(base + ResHeader.LENGTH) >>> 2];
  const record = createRecordBuffer(new ArrayBuffer(length));
  record.bytes.set(buffer.bytes.subarray(base, base + length));
  return record;
}
