/**
 * The follower's per-record work allocates nothing: verifying the frames of a replication message
 * (length, CRC, sequence) and handing the replicated records to the read-only query mirror. Checked
 * with V8's sampling heap profiler after warm-up; only allocations made by the follower's own files
 * (and the CRC) are counted — the business logic's apply() has its own proof in
 * core/logic/zero_allocation.test.ts.
 */
import { describe, it, expect } from 'vitest';
import { createRecordBuffer, type RecordBuffer } from '../codec/records/record_buffer.ts';
import { CmdHeader } from '../codec/records/command_descriptor.ts';
import { copyWithCrc32Aligned } from '../journal/crc32.ts';
import { JournalFrame } from '../journal/journal_descriptor.ts';
import { verifyFrames } from './follower.ts';
import { FollowerQueryEngine } from './follower_queries.ts';
import { freshStateMachine, TEST_WORKLOAD } from '../journal/test_support/journal_fixture.ts';
import { writeWorkloadRecord } from '../journal/test_support/ledger_workload.ts';
import { sampleAllocatedBytes } from '../core/test_support/heap_sampling.ts';

const FRAMES = 2048;

/** A FRAMES payload of workload records with sequences from `first`; returns the frame offsets too. */
function framesPayload(first: number): { buffer: RecordBuffer; end: number; bases: Int32Array } {
  const source = createRecordBuffer(new ArrayBuffer(512));
  const buffer = createRecordBuffer(new ArrayBuffer(FRAMES * (512 + JournalFrame.BYTES)));
  const bases = new Int32Array(FRAMES);
  let pos = 0;
  for (let i = 0; i < FRAMES; i++) {
    writeWorkloadRecord(TEST_WORKLOAD, source, 0, first + i);
    const length = source.u32[CmdHeader.LENGTH >>> 2];
    buffer.u32[(pos + 4) >>> 2] = copyWithCrc32Aligned(source, 0, buffer, pos + JournalFrame.BYTES, length);
    buffer.u32[pos >>> 2] = JournalFrame.BYTES + length;
    bases[i] = pos + JournalFrame.BYTES;
    pos += JournalFrame.BYTES + length;
  }
  return { buffer, end: pos, bases };
}

describe('follower zero allocation per record', () => {
  it('verifying a message\'s frames allocates nothing per frame', async () => {
    const { buffer, end } = framesPayload(0);
    for (let i = 0; i < 20; i++) expect(verifyFrames(buffer, 0, end, 0)).toBe('');
    const { bytes, sites } = await sampleAllocatedBytes(() => {
      for (let i = 0; i < 100; i++) verifyFrames(buffer, 0, end, 0);
    }, (url) => url.includes('/replication/follower') || url.includes('/journal/crc32'));
    expect({ bytesPerFrame: bytes / (100 * FRAMES) < 0.25, sites }).toEqual({ bytesPerFrame: true, sites: expect.any(Array) });
  });

  it('applying replicated records to the query mirror allocates nothing per record', async () => {
    const queries = new FollowerQueryEngine(freshStateMachine());
    const WARM_ROUNDS = 40; // until V8 has optimized the logic's handlers (interpreted code boxes doubles)
    for (let round = 0; round < WARM_ROUNDS; round++) {
      const warm = framesPayload(round * FRAMES);
      for (let i = 0; i < FRAMES; i++) queries.applyReplicated(warm.buffer, warm.bases[i]);
    }
    const MEASURED_ROUNDS = 10;
    const measured = Array.from({ length: MEASURED_ROUNDS }, (_, r) => framesPayload((WARM_ROUNDS + r) * FRAMES));
    const { bytes, sites } = await sampleAllocatedBytes(() => {
      for (const payload of measured) for (let i = 0; i < FRAMES; i++) queries.applyReplicated(payload.buffer, payload.bases[i]);
    }, (url) => url.includes('/replication/follower'));
    expect(queries.lastAppliedSequence).toBe((WARM_ROUNDS + MEASURED_ROUNDS) * FRAMES - 1);
    // Less than a quarter of a byte per record: nothing per record (one-off runtime allocations only).
    expect({ bytesPerRecord: bytes / (MEASURED_ROUNDS * FRAMES) < 0.25, sites }).toEqual({ bytesPerRecord: true, sites: expect.any(Array) });
  });
});
