/**
 * Multi-threaded ring stress: real worker threads, millions of events through thousands of laps of a
 * small ring, starting just below the 2^32 wrap of the shared 32-bit words. Sized by RING_STRESS_EVENTS
 * (default 4M per topology, ~10–15 s in total on 2 cores).
 */
import { describe, expect, it } from 'vitest';
import { runStress, type StressOutcome } from './test_support/ring_stress_harness.ts';

const EVENTS = Number(process.env.RING_STRESS_EVENTS ?? 4_000_000);
const NEAR_2_32 = 2 ** 32 - 100_000;

function expectClean(outcome: StressOutcome, total: number, first: number): void {
  for (const r of [...outcome.producers, ...outcome.consumers]) {
    expect(r.firstError, `${r.role} ${r.index}`).toBe('');
    expect(r.errors).toBe(0);
  }
  for (const c of outcome.consumers) {
    expect(c.count, `consumer ${c.index} count`).toBe(total);
    expect(c.firstSequence).toBe(first);
    expect(c.lastSequence).toBe(first + total - 1);
  }
}

describe('ring stress on worker threads', () => {
  it('1 producer → 3 consumers in parallel: every sequence once, in order, intact, no unread slot overwritten', async () => {
    const outcome = await runStress({
      producers: 1, consumers: 3, capacity: 1024, firstSequence: NEAR_2_32, eventsPerProducer: EVENTS,
      batchMax: 64, waitStrategy: 'spin_park',
    });
    expectClean(outcome, EVENTS, NEAR_2_32);
    expect(outcome.producers[0].lastSequence).toBe(NEAR_2_32 + EVENTS - 1);
  });

  it('3 producers → 1 consumer: claims interleave, each producer\'s records arrive in its order', async () => {
    const perProducer = Math.floor(EVENTS / 3);
    const outcome = await runStress({
      producers: 3, consumers: 1, capacity: 512, firstSequence: 2 ** 31 - 50_000, eventsPerProducer: perProducer,
      batchMax: 16, waitStrategy: 'spin_park',
    });
    expectClean(outcome, perProducer * 3, 2 ** 31 - 50_000);
  });

  it('1 → 1 busy-spin with a tiny ring (maximum contention on every slot)', async () => {
    const outcome = await runStress({
      producers: 1, consumers: 1, capacity: 4, firstSequence: 0, eventsPerProducer: Math.floor(EVENTS / 8),
      batchMax: 4, waitStrategy: 'busy_spin',
    });
    expectClean(outcome, Math.floor(EVENTS / 8), 0);
  });

  it('shutdown under load: consumers drain everything published before the halt, nothing more or less', async () => {
    const outcome = await runStress({
      producers: 1, consumers: 3, capacity: 256, firstSequence: 7, eventsPerProducer: 1e12,
      batchMax: 32, waitStrategy: 'spin_yield', stopAfterMs: 300,
    });
    const published = outcome.producers[0].count;
    expect(published).toBeGreaterThan(0);
    expectClean(outcome, published, 7);
  });

  it('shutdown under load with 2 producers', async () => {
    const outcome = await runStress({
      producers: 2, consumers: 2, capacity: 256, firstSequence: 2 ** 32 - 1000, eventsPerProducer: 1e12,
      batchMax: 8, waitStrategy: 'spin_park', stopAfterMs: 300,
    });
    const published = outcome.producers[0].count + outcome.producers[1].count;
    expectClean(outcome, published, 2 ** 32 - 1000);
  });
});
