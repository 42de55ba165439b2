/**
 * Reads a result record into a plain object: for tests, tools and the reference-model comparison
 * (it allocates). The gateway reads results through the descriptor offsets directly.
 */
import type { RecordBuffer } from '../../../codec/records/record_buffer.ts';
import { ResHeader } from '../../../codec/records/result_descriptor.ts';

export interface ResultView {
  readonly length: number;
  readonly commandType: number;
  readonly code: number;
  readonly inputSequence: number;
  readonly sessionId: number;
  readonly principalId: number;
  readonly correlationId: number;
  readonly flags: number;
  readonly failedLegIndex: number;
  /** Reads a float64 body field at a result-descriptor offset. */
  f64(offset: number): number;
  /** Reads a u32 body field at a result-descriptor offset. */
  u32(offset: number): number;
  u8(offset: number): number;
}

export function readResult(buf: RecordBuffer, base: number): ResultView {
  const length = buf.u32[(base + ResHeader.LENGTH) >>> 2];
  if (length < ResHeader.BYTES || length % 8 !== 0) throw new Error(`readResult: bad length ${length} at ${base}`);
  const copy = buf.bytes.slice(base, base + length);
  const view = new DataView(copy.buffer);
  const guard = (offset: number, size: number): void => {
    if (offset + size > length) throw new RangeError(`readResult: offset ${offset} beyond the record (${length} bytes)`);
  };
  return {
    length,
    commandType: view.getUint16(ResHeader.COMMAND_TYPE, true),
    code: view.getUint16(ResHeader.CODE, true),
    inputSequence: view.getFloat64(ResHeader.INPUT_SEQUENCE, true),
    sessionId: view.getUint32(ResHeader.SESSION_ID, true),
    principalId: view.getUint32(ResHeader.PRINCIPAL_ID, true),
    correlationId: view.getFloat64(ResHeader.CORRELATION_ID, true),
    flags: view.getUint32(ResHeader.FLAGS, true),
    failedLegIndex: view.getInt32(ResHeader.FAILED_LEG_INDEX, true),
    f64: (offset) => (guard(offset, 8), view.getFloat64(offset, true)),
    u32: (offset) => (guard(offset, 4), view.getUint32(offset, true)),
    u8: (offset) => (guard(offset, 1), view.getUint8(offset)),
  };
}
