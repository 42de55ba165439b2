import { describe, expect, it } from 'vitest';
import { BatchConsumer, HALTED } from './batch_consumer.ts';
import { MultiProducerSequencer } from './multi_producer_sequencer.ts';
import { Ring, createRingMemory } from './ring.ts';
import { MAX_CONSUMERS, RING_LINE_BYTES, consumerOffset, slotsOffset } from './ring_descriptor.ts';
import { SingleProducerSequencer } from './single_producer_sequencer.ts';
import { WAIT_STRATEGY_NAMES, createWaitStrategy } from './wait_strategy.ts';
import { sampleAllocatedBytes } from '../test_support/heap_sampling.ts';

const spin = createWaitStrategy('busy_spin');

function ring(capacity: number, consumerCount: number, firstSequence: number, multiProducer = false): Ring {
  return new Ring(createRingMemory({ capacity, consumerCount, firstSequence, multiProducer }));
}

describe('ring layout', () => {
  it('puts every counter on its own 128-byte line and the slots after the available buffer', () => {
    for (let c = 1; c < MAX_CONSUMERS; c++) expect(consumerOffset(c) - consumerOffset(c - 1)).toBe(RING_LINE_BYTES);
    const r = ring(8, 2, 0);
    expect(r.slotsOffset).toBe(slotsOffset(8));
    expect(r.slotBase(0)).toBe(r.slotsOffset);
    expect(r.slotBase(9)).toBe(r.slotsOffset + 512);
    expect(r.memory.byteLength).toBe(r.slotsOffset + 8 * 512);
  });

  it('rejects bad capacities, consumer counts and first sequences with the option named', () => {
    expect(() => createRingMemory({ capacity: 12, consumerCount: 1, firstSequence: 0 })).toThrow(/ring capacity must be a power of two .* got 12/);
    expect(() => createRingMemory({ capacity: 1, consumerCount: 1, firstSequence: 0 })).toThrow(/ring capacity/);
    expect(() => createRingMemory({ capacity: 8, consumerCount: 0, firstSequence: 0 })).toThrow(/consumerCount must be an integer from 1 to 8: got 0/);
    expect(() => createRingMemory({ capacity: 8, consumerCount: 9, firstSequence: 0 })).toThrow(/consumerCount/);
    expect(() => createRingMemory({ capacity: 8, consumerCount: 1, firstSequence: -1 })).toThrow(/firstSequence/);
  });

  it('refuses memory that is not a ring', () => {
    expect(() => new Ring(new SharedArrayBuffer(4096))).toThrow(/not a ring/);
  });
});

// Starts near the int32 and uint32 wraps and near 2^53 so every case crosses an edge.
const STARTS = [0, 2 ** 31 - 5, 2 ** 32 - 5, 2 ** 53 - 2 ** 12];

describe.each(STARTS)('single producer from sequence %d', (first) => {
  it('claims up to capacity, refuses a full ring, and resumes after the slowest consumer releases', () => {
    const r = ring(4, 2, first);
    const producer = new SingleProducerSequencer(r);
    for (let i = 0; i < 4; i++) expect(producer.tryClaim()).toBe(first + i);
    expect(producer.tryClaim()).toBe(-1);
    producer.publish();
    const a = new BatchConsumer(r, 0, { waitStrategy: spin, batchMax: 16 });
    const b = new BatchConsumer(r, 1, { waitStrategy: spin, batchMax: 2 });
    expect(a.nextSequence).toBe(first);
    expect(a.poll()).toBe(4);
    expect(b.poll()).toBe(2);
    a.release(4);
    expect(producer.tryClaim()).toBe(-1); // b still holds every slot
    b.release(1);
    expect(producer.tryClaim()).toBe(first + 4);
    expect(producer.tryClaim()).toBe(-1);
    expect(producer.remainingCapacity()).toBe(0);
  });

  it('carries records through many laps with the full sequence intact', () => {
    const r = ring(8, 1, first);
    const producer = new SingleProducerSequencer(r);
    const consumer = new BatchConsumer(r, 0, { waitStrategy: spin, batchMax: 5 });
    let expected = first;
    for (let lap = 0; lap < 50; lap++) {
      for (let i = 0; i < 3; i++) {
        const s = producer.tryClaim();
        expect(s).toBeGreaterThanOrEqual(0);
        r.buffer.f64[(r.slotBase(s) >>> 3) + 1] = s;
      }
      producer.publish();
      const count = consumer.waitFor();
      for (let i = 0; i < count; i++) {
        const s = consumer.nextSequence + i;
        expect(s).toBe(expected++);
        expect(r.buffer.f64[(consumer.slotBase(s) >>> 3) + 1]).toBe(s);
      }
      consumer.release(count);
    }
    expect(expected).toBe(first + 150);
  });

  it('drains after halt, then reports HALTED', () => {
    const r = ring(8, 1, first);
    const producer = new SingleProducerSequencer(r);
    producer.tryClaim(3);
    producer.publish();
    r.halt();
    const consumer = new BatchConsumer(r, 0, { waitStrategy: spin, batchMax: 8 });
    expect(consumer.waitFor()).toBe(3);
    consumer.release(3);
    expect(consumer.waitFor()).toBe(HALTED);
  });

  it('times out with 0 when nothing is published', () => {
    const r = ring(8, 1, first);
    const consumer = new BatchConsumer(r, 0, { waitStrategy: createWaitStrategy('spin_park'), batchMax: 8 });
    expect(consumer.waitFor(0)).toBe(0);
    expect(consumer.waitFor(5)).toBe(0);
  });

  it.each(WAIT_STRATEGY_NAMES)('%s: waitUntilIdle gives 0 once idle, a batch when one is there, HALTED when drained', (name) => {
    const r = ring(8, 1, first);
    const producer = new SingleProducerSequencer(r);
    const consumer = new BatchConsumer(r, 0, { waitStrategy: createWaitStrategy(name), batchMax: 8 });
    expect(consumer.waitUntilIdle()).toBe(0);
    producer.tryClaim(2);
    producer.publish();
    expect(consumer.waitUntilIdle()).toBe(2);
    consumer.release(2);
    r.halt();
    expect(consumer.waitUntilIdle()).toBe(HALTED);
  });

  it.each(WAIT_STRATEGY_NAMES)('%s: waitUntilIdle with a step after idle (spin_park: one bounded park) gives 0, a batch, HALTED', (name) => {
    const r = ring(8, 1, first);
    const producer = new SingleProducerSequencer(r);
    const consumer = new BatchConsumer(r, 0, { waitStrategy: createWaitStrategy(name), batchMax: 8 });
    expect(consumer.waitUntilIdle(1)).toBe(0); // spin_park: returns after its park's bound, PARK_MAX_MS
    producer.tryClaim(3);
    producer.publish();
    expect(consumer.waitUntilIdle(1)).toBe(3);
    consumer.release(3);
    r.halt();
    expect(consumer.waitUntilIdle(1)).toBe(HALTED);
  });
});

describe('waiting without a clock', () => {
  it('waitUntilIdle allocates nothing, where a wait with a timeout reads the clock and does', async () => {
    const r = ring(8, 1, 0);
    const producer = new SingleProducerSequencer(r);
    const consumer = new BatchConsumer(r, 0, { waitStrategy: createWaitStrategy('spin_park'), batchMax: 8 });
    const ringFiles = (url: string): boolean => url.includes('/core/ring/');
    // Warm (optimized before sampling, as in a running engine): waits that find a record, then idle ones.
    for (let i = 0; i < 20_000; i++) {
      producer.tryClaim(1);
      producer.publish();
      consumer.release(consumer.waitUntilIdle());
    }
    for (let i = 0; i < 50; i++) consumer.waitUntilIdle();
    const idle = await sampleAllocatedBytes(() => {
      for (let i = 0; i < 100; i++) consumer.waitUntilIdle();
    }, ringFiles);
    expect(idle.sites).toEqual([]);
    // The control: the same waits with a deadline do allocate (clock reads) — the sampler sees them.
    const timed = await sampleAllocatedBytes(() => {
      for (let i = 0; i < 100; i++) consumer.waitFor(1);
    }, ringFiles);
    expect(timed.bytes).toBeGreaterThan(0);
  });
});

describe('pipeline stage behind an upstream consumer', () => {
  it('never reads past the upstream consumer', () => {
    const r = ring(8, 2, 100);
    const producer = new SingleProducerSequencer(r, [1]);
    const first = new BatchConsumer(r, 0, { waitStrategy: spin, batchMax: 8 });
    const second = new BatchConsumer(r, 1, { waitStrategy: spin, batchMax: 8, upstreamConsumers: [0] });
    producer.tryClaim(5);
    producer.publish();
    expect(second.poll()).toBe(0);
    first.release(2);
    expect(second.poll()).toBe(2);
  });
});

describe.each(STARTS)('multi-producer claim from sequence %d', (first) => {
  it('hands out disjoint runs and exposes only the published prefix', () => {
    const r = ring(8, 1, first, true);
    const p1 = new MultiProducerSequencer(r);
    const p2 = new MultiProducerSequencer(r);
    const consumer = new BatchConsumer(r, 0, { waitStrategy: spin, batchMax: 16 });
    expect(p1.tryClaim(3)).toBe(first);
    expect(p2.tryClaim(2)).toBe(first + 3);
    expect(p1.tryClaim(4)).toBe(-1);
    p2.publish(first + 3, first + 4);
    expect(consumer.poll()).toBe(0); // p1's run comes first and is not published yet
    p1.publish(first, first + 2);
    expect(consumer.poll()).toBe(5);
    consumer.release(5);
    expect(p1.tryClaim(8)).toBe(first + 5);
    expect(p2.tryClaim(1)).toBe(-1);
  });

  it('refuses the wrong sequencer for the ring', () => {
    expect(() => new SingleProducerSequencer(ring(8, 1, first, true))).toThrow(/several producers/);
    expect(() => new MultiProducerSequencer(ring(8, 1, first))).toThrow(/one producer/);
  });
});
