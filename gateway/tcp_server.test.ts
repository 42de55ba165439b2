/**
 * The TCP listener's buffers: each new Buffer is an ArrayBuffer V8 counts as external memory until a
 * collection frees it, and V8 counts what was allocated since its last mark-compact against the old
 * generation's limit; a gateway allocating one per read and one per flush at 200k commands/s ends
 * up in back-to-back full collections (docs/performance.md, soak, #14). Replies written through at
 * once reuse the connection's output buffer; connections handed over by the pre-login door read into
 * one shared buffer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RinglineClient } from '../client/ringline_client.ts';
import { startHarness, type Harness } from './test_support/gateway_harness.ts';

const BATCHES = 200;
const PER_BATCH = 10;

describe.each(['process', 'inline'] as const)('TCP buffers (pre-login door: %s)', (preLoginDoor) => {
  let h: Harness;
  beforeAll(async () => { h = await startHarness({ preLoginDoor }); });
  afterAll(async () => { await h.server.stop(100); });

  it(`allocates no buffer per reply batch written at once; ${preLoginDoor === 'process' ? 'no' : 'one'} buffer per read`, async () => {
    const client = await RinglineClient.connect({ url: `tcp://127.0.0.1:${h.server.tcpPort}`, apiKey: h.aliceKey, maxInFlight: PER_BATCH });
    const metrics = h.server.core.metrics;
    const readsBefore = metrics.tcpReadBuffers;
    const outputsBefore = metrics.tcpOutputBuffers;
    // One batch at a time: every batch is read (at least one read) and answered (at least one flush)
    // before the next is sent, so the client's socket never holds more than one batch of replies and
    // every reply write goes through to the kernel at once.
    for (let batch = 0; batch < BATCHES; batch++) {
      const replies = await Promise.all(Array.from({ length: PER_BATCH }, (_, i) => client.send({ type: 'getItem', itemId: i + 1 })));
      expect(replies.every((r) => r.code === 0)).toBe(true);
    }
    await client.close();
    const reads = metrics.tcpReadBuffers - readsBefore;
    const outputs = metrics.tcpOutputBuffers - outputsBefore;
    // Allocating one per flush would be BATCHES at least; the few allowed are the first ones' growth.
    expect(outputs).toBeLessThan(10);
    if (preLoginDoor === 'process') expect(reads).toBe(0);
    else expect(reads).toBeGreaterThanOrEqual(BATCHES);
  });
});
