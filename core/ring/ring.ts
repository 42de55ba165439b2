/**
 * A ring over one SharedArrayBuffer (layout in ring_descriptor.ts). `createRingMemory` builds and
 * initialises the memory on the thread that owns the topology; every thread — including workers that
 * receive the SharedArrayBuffer in workerData — attaches with `new Ring(memory)`, which checks the
 * layout and builds the typed views once. The producer side is a sequencer (single_producer_sequencer.ts,
 * multi_producer_sequencer.ts); each consumer is a BatchConsumer (batch_consumer.ts).
 */
import { createRecordBuffer, type RecordBuffer } from '../../codec/records/record_buffer.ts';
import {
  AVAILABLE_OFFSET, CLAIM_NEXT_OFFSET, CURSOR_OFFSET, HALT_OFFSET, MAX_CAPACITY, MAX_CONSUMERS,
  META_CAPACITY_OFFSET, META_CONSUMER_COUNT_OFFSET, META_FIRST_SEQUENCE_OFFSET, META_MAGIC_OFFSET,
  META_PRODUCER_MODE_OFFSET, META_SLOT_BYTES_OFFSET, META_VERSION_OFFSET, MIN_CAPACITY,
  PRODUCER_MODE_MULTI, PRODUCER_MODE_SINGLE, PUBLISH_SIGNAL_OFFSET, RING_LAYOUT_VERSION, RING_MAGIC,
  SLOT_BYTES, consumerOffset, isPowerOfTwo, ringMemoryBytes, slotsOffset, wordIndex,
} from './ring_descriptor.ts';
import { Sequence } from './sequence.ts';

export interface RingMemoryOptions {
  /** Slots; a power of two between 2 and 2^24. */
  readonly capacity: number;
  /** Consumers gating the producer, 1 to MAX_CONSUMERS; consumer indexes are 0 … consumerCount - 1. */
  readonly consumerCount: number;
  /** The first full sequence the ring will carry (the engine starts after the recovered sequence). */
  readonly firstSequence: number;
  /** Several producer threads claim slots (default false: one producer). */
  readonly multiProducer?: boolean;
  /** Bytes per slot, a power of two and a multiple of 8 (default SLOT_BYTES, the max record size). */
  readonly slotBytes?: number;
}

export function createRingMemory(options: RingMemoryOptions): SharedArrayBuffer {
  const { capacity, consumerCount, firstSequence } = options;
  const slotBytes = options.slotBytes ?? SLOT_BYTES;
  if (!isPowerOfTwo(capacity) || capacity < MIN_CAPACITY || capacity > MAX_CAPACITY) {
    throw new RangeError(`ring capacity must be a power of two from ${MIN_CAPACITY} to ${MAX_CAPACITY}: got ${capacity}`);
  }
  if (!Number.isInteger(consumerCount) || consumerCount < 1 || consumerCount > MAX_CONSUMERS) {
    throw new RangeError(`ring consumerCount must be an integer from 1 to ${MAX_CONSUMERS}: got ${consumerCount}`);
  }
  if (!Number.isSafeInteger(firstSequence) || firstSequence < 0) {
    throw new RangeError(`ring firstSequence must be a safe integer >= 0: got ${firstSequence}`);
  }
  if (!isPowerOfTwo(slotBytes) || slotBytes < 8) {
    throw new RangeError(`ring slotBytes must be a power of two >= 8: got ${slotBytes}`);
  }
  const memory = new SharedArrayBuffer(ringMemoryBytes(capacity, slotBytes));
  const i32 = new Int32Array(memory);
  const f64 = new Float64Array(memory);
  i32[wordIndex(META_MAGIC_OFFSET)] = RING_MAGIC;
  i32[wordIndex(META_VERSION_OFFSET)] = RING_LAYOUT_VERSION;
  i32[wordIndex(META_CAPACITY_OFFSET)] = capacity;
  i32[wordIndex(META_SLOT_BYTES_OFFSET)] = slotBytes;
  i32[wordIndex(META_CONSUMER_COUNT_OFFSET)] = consumerCount;
  i32[wordIndex(META_PRODUCER_MODE_OFFSET)] = options.multiProducer === true ? PRODUCER_MODE_MULTI : PRODUCER_MODE_SINGLE;
  f64[META_FIRST_SEQUENCE_OFFSET >>> 3] = firstSequence;
  f64[CLAIM_NEXT_OFFSET >>> 3] = firstSequence;
  const previous = (firstSequence - 1) | 0;
  i32[wordIndex(CURSOR_OFFSET)] = previous;
  for (let c = 0; c < MAX_CONSUMERS; c++) i32[wordIndex(consumerOffset(c))] = previous;
  // Each slot of the available buffer holds the sequence it carried one lap before the first, so no
  // slot reads as published for a sequence the ring has not carried yet.
  const mask = capacity - 1;
  const available = wordIndex(AVAILABLE_OFFSET);
  for (let slot = 0; slot < capacity; slot++) {
    i32[available + slot] = (firstSequence - capacity + ((slot - firstSequence) & mask)) | 0;
  }
  // Memory handed to workers after this point is seen whole: postMessage / workerData order it.
  return memory;
}

export class Ring {
  readonly memory: SharedArrayBuffer;
  /** Views over the whole memory; a slot's record starts at slotBase(sequence). */
  readonly buffer: RecordBuffer;
  readonly words: Int32Array;
  readonly capacity: number;
  readonly mask: number;
  readonly slotBytes: number;
  readonly slotShift: number;
  readonly slotsOffset: number;
  readonly consumerCount: number;
  readonly multiProducer: boolean;
  readonly firstSequence: number;
  /** Single producer: last published. Multi-producer: last claimed. */
  readonly cursor: Sequence;
  /** Bumped after each multi-producer publish; what consumers of such a ring park on. */
  readonly publishSignal: Sequence;
  readonly consumers: readonly Sequence[];
  /** i32 index of slot 0 in the available buffer. */
  readonly availableIndex: number;
  readonly haltIndex: number;

  constructor(memory: SharedArrayBuffer) {
    const words = new Int32Array(memory);
    if (words[wordIndex(META_MAGIC_OFFSET)] !== RING_MAGIC || words[wordIndex(META_VERSION_OFFSET)] !== RING_LAYOUT_VERSION) {
      throw new Error(`not a ring (layout version ${RING_LAYOUT_VERSION}): magic=${words[0]}, version=${words[1]}`);
    }
    this.memory = memory;
    this.words = words;
    this.buffer = createRecordBuffer(memory);
    this.capacity = words[wordIndex(META_CAPACITY_OFFSET)];
    this.mask = this.capacity - 1;
    this.slotBytes = words[wordIndex(META_SLOT_BYTES_OFFSET)];
    this.slotShift = Math.log2(this.slotBytes);
    this.slotsOffset = slotsOffset(this.capacity);
    this.consumerCount = words[wordIndex(META_CONSUMER_COUNT_OFFSET)];
    this.multiProducer = words[wordIndex(META_PRODUCER_MODE_OFFSET)] === PRODUCER_MODE_MULTI;
    this.firstSequence = new Float64Array(memory, META_FIRST_SEQUENCE_OFFSET, 1)[0];
    if (memory.byteLength !== ringMemoryBytes(this.capacity, this.slotBytes)) {
      throw new Error(`ring memory size ${memory.byteLength} does not match capacity=${this.capacity}, slotBytes=${this.slotBytes}`);
    }
    this.cursor = new Sequence(words, wordIndex(CURSOR_OFFSET));
    this.publishSignal = new Sequence(words, wordIndex(PUBLISH_SIGNAL_OFFSET));
    const consumers: Sequence[] = [];
    for (let c = 0; c < this.consumerCount; c++) consumers.push(new Sequence(words, wordIndex(consumerOffset(c))));
    this.consumers = consumers;
    this.availableIndex = wordIndex(AVAILABLE_OFFSET);
    this.haltIndex = wordIndex(HALT_OFFSET);
  }

  /** Byte offset in `buffer` of the slot carrying full sequence `sequence`. */
  slotBase(sequence: number): number {
    return this.slotsOffset + ((sequence & this.mask) << this.slotShift);
  }

  /** The word consumers park on while waiting for new records. */
  signalSequence(): Sequence {
    return this.multiProducer ? this.publishSignal : this.cursor;
  }

  /**
   * Tells consumers that no more records will be published: each drains what is published, then its
   * wait returns HALTED. Call after the producer's last publish. Wakes every parked thread.
   */
  halt(): void {
    Atomics.store(this.words, this.haltIndex, 1); // seq-cst: ordered after the producer's last publish
    this.cursor.wakeAll();
    this.publishSignal.wakeAll();
    for (const consumer of this.consumers) consumer.wakeAll();
  }

  isHalted(): boolean {
    return Atomics.load(this.words, this.haltIndex) !== 0;
  }
}
