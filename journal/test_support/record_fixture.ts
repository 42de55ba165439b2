/**
 * Test fixture: writes plain input records (real layouts from command_descriptor.ts) into a buffer,
 * so journal tests and benches do not depend on the gateway's encoder.
 */
import { createRecordBuffer, type RecordBuffer } from '../../codec/records/record_buffer.ts';
import { CmdHeader, CMD_FLAG_READ_ONLY, CMD_FLAG_ADMIN, CommandType, Deposit, GetBalance } from '../../codec/records/command_descriptor.ts';
import type { SegmentWriter } from '../segment_writer.ts';

/** Writes a DEPOSIT (admin) record at `base`; returns its length in bytes. */
export function writeDeposit(buf: RecordBuffer, base: number, sequence: number, accountId: number, amount: number): number {
  buf.bytes.fill(0, base, base + Deposit.BYTES);
  buf.u32[(base + CmdHeader.LENGTH) >>> 2] = Deposit.BYTES;
  buf.u16[(base + CmdHeader.TYPE) >>> 1] = CommandType.DEPOSIT;
  buf.u16[(base + CmdHeader.FLAGS) >>> 1] = CMD_FLAG_ADMIN;
  buf.f64[(base + CmdHeader.SEQUENCE) >>> 3] = sequence;
  buf.u32[(base + CmdHeader.PRINCIPAL_ID) >>> 2] = 1;
  buf.f64[(base + CmdHeader.CORRELATION_ID) >>> 3] = sequence;
  buf.f64[(base + Deposit.ACCOUNT_ID) >>> 3] = accountId;
  buf.f64[(base + Deposit.ASSET_ID) >>> 3] = 1;
  buf.f64[(base + Deposit.AMOUNT) >>> 3] = amount;
  return Deposit.BYTES;
}

/** Writes a read-only GET_BALANCE record at `base`; returns its length in bytes. */
export function writeGetBalance(buf: RecordBuffer, base: number, sequence: number, accountId: number): number {
  buf.bytes.fill(0, base, base + GetBalance.BYTES);
  buf.u32[(base + CmdHeader.LENGTH) >>> 2] = GetBalance.BYTES;
  buf.u16[(base + CmdHeader.TYPE) >>> 1] = CommandType.GET_BALANCE;
  buf.u16[(base + CmdHeader.FLAGS) >>> 1] = CMD_FLAG_READ_ONLY;
  buf.f64[(base + CmdHeader.SEQUENCE) >>> 3] = sequence;
  buf.f64[(base + GetBalance.ACCOUNT_ID) >>> 3] = accountId;
  buf.f64[(base + GetBalance.ASSET_ID) >>> 3] = 1;
  return GetBalance.BYTES;
}

/** A one-record scratch buffer. */
export function createScratchRecord(): RecordBuffer {
  return createRecordBuffer(new ArrayBuffer(512));
}

/**
 * Appends DEPOSITs of sequences from..from+count-1 (account sequence % 7, amount sequence + 1) to
 * `writer` and writes them out (no sync).
 */
export function writeDeposits(writer: SegmentWriter, from: number, count: number): void {
  const rec = createScratchRecord();
  for (let s = from; s < from + count; s++) {
    writeDeposit(rec, 0, s, s % 7, s + 1);
    writer.append(rec, 0);
  }
  writer.write();
}
