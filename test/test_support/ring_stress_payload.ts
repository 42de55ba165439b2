/**
 * The record every ring stress test carries, written by the producers and checked by the consumers:
 * a sequence at both ends (a record torn by an overwrite during the read shows two different
 * sequences), the producer's id and its own counter, payload words derived from the sequence and a
 * checksum over them. Plus per-consumer slot stamps: the last sequence each consumer read from each
 * slot, which a producer checks before reusing the slot.
 */
import type { RecordBuffer } from '../../codec/records/record_buffer.ts';

const SEQ = 0; // f64
const PRODUCER = 8; // u32
const PRODUCER_COUNTER = 16; // f64
const WORDS = 24; // u32 × WORD_COUNT
const WORD_COUNT = 8;
const CHECKSUM = WORDS + WORD_COUNT * 4; // u32
const TRAILER_SEQ = 64; // f64
export const STRESS_RECORD_BYTES = 72;

function mix(low: number, high: number, k: number): number {
  let h = Math.imul(low ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(high + k, 0xc2b2ae35);
  h ^= h >>> 15;
  return Math.imul(h, 0x27d4eb2f) >>> 0;
}

export function writeStressRecord(buf: RecordBuffer, base: number, sequence: number, producer: number, counter: number): void {
  const low = sequence | 0;
  const high = Math.floor(sequence / 4294967296);
  buf.f64[(base + SEQ) >>> 3] = sequence;
  buf.u32[(base + PRODUCER) >>> 2] = producer;
  buf.f64[(base + PRODUCER_COUNTER) >>> 3] = counter;
  let sum = producer;
  for (let k = 0; k < WORD_COUNT; k++) {
    const w = mix(low, high, k);
    buf.u32[((base + WORDS) >>> 2) + k] = w;
    sum = (Math.imul(sum, 31) + w) >>> 0;
  }
  buf.u32[(base + CHECKSUM) >>> 2] = sum;
  buf.f64[(base + TRAILER_SEQ) >>> 3] = sequence;
}

/** 0 when the record at `base` is intact and carries `sequence`; otherwise a nonzero reason code. */
export function checkStressRecord(buf: RecordBuffer, base: number, sequence: number): number {
  if (buf.f64[(base + SEQ) >>> 3] !== sequence) return 1;
  const low = sequence | 0;
  const high = Math.floor(sequence / 4294967296);
  let sum = buf.u32[(base + PRODUCER) >>> 2];
  for (let k = 0; k < WORD_COUNT; k++) {
    const w = buf.u32[((base + WORDS) >>> 2) + k];
    if (w !== mix(low, high, k)) return 2;
    sum = (Math.imul(sum, 31) + w) >>> 0;
  }
  if (buf.u32[(base + CHECKSUM) >>> 2] !== sum) return 3;
  if (buf.f64[(base + TRAILER_SEQ) >>> 3] !== sequence) return 4;
  return 0;
}

export function recordProducer(buf: RecordBuffer, base: number): number {
  return buf.u32[(base + PRODUCER) >>> 2];
}

export function recordProducerCounter(buf: RecordBuffer, base: number): number {
  return buf.f64[(base + PRODUCER_COUNTER) >>> 3];
}

/** Slot stamps: Float64Array [consumer × capacity + slot], initialised to the sequence one lap before the first. */
export function createStamps(consumerCount: number, capacity: number, firstSequence: number): SharedArrayBuffer {
  const memory = new SharedArrayBuffer(consumerCount * capacity * 8);
  const stamps = new Float64Array(memory);
  const mask = capacity - 1;
  for (let c = 0; c < consumerCount; c++) {
    for (let slot = 0; slot < capacity; slot++) {
      stamps[c * capacity + slot] = firstSequence - capacity + ((slot - firstSequence) & mask);
    }
  }
  return memory;
}
