/**
 * Ring memory layout: one SharedArrayBuffer holding the counters and the slots of one ring (the input
 * ring or the output ring). Every other ring module takes its offsets from here.
 *
 * Every counter the threads write sits alone on its own 128-byte line (two 64-byte cache lines, as
 * Agrona does) so a producer and its consumers never false-share. A counter is a pair of int32 words:
 * the value (the low 32 bits of a full sequence, wrapping) and a waiter count, raised by a thread
 * that parks on the value with Atomics.wait so the writer only pays for Atomics.notify when someone
 * sleeps.
 *
 *   byte    line  contents
 *   0       0     meta (written once at creation, read-only afterwards):
 *                   +0 magic (i32)  +4 layout version (i32)  +8 capacity (i32)  +12 slotBytes (i32)
 *                   +16 consumerCount (i32)  +20 producerMode (i32: 0 single, 1 multi)
 *                   +32 firstSequence (f64, the first full sequence the ring carries)
 *   128     1     cursor: +0 value (i32), +4 waiters (i32). Single producer: last published sequence.
 *                 Multi-producer: last claimed sequence (publication is told by the available buffer).
 *   256     2     multi-producer claim: +0 lock (i32, 0 free / 1 held), +8 next full sequence to claim (f64,
 *                 read and written only while holding the lock).
 *   384     3     publish signal (multi-producer): +0 value (i32, bumped after every publish), +4 waiters.
 *   512     4     halt: +0 flag (i32, 1 = the producer has stopped; consumers drain then stop).
 *   640     5..12 consumer c at 640 + 128 × c: +0 value (i32, last consumed sequence), +4 waiters (i32).
 *   1664          available buffer: capacity × i32, slot i holds the low 32 bits of the sequence last
 *                 published into slot i (multi-producer only; Disruptor's available buffer). Padded to 128.
 *   slots         capacity × slotBytes; the record for sequence s starts at slotsOffset + (s & mask) × slotBytes.
 *
 * Sequences are full integers (up to 2^53) held as JS numbers by each party and stamped into the
 * records; the shared words carry their low 32 bits and readers widen them against a reference they
 * hold (sequence.ts). Capacity is a power of two no larger than 2^24, so (s & mask) works on full
 * sequences and two sequences a ring apart never share their low 32 bits.
 */
import { CMD_MAX_RECORD_BYTES } from '../../codec/records/command_descriptor.ts';
import { layoutAssertion } from '../../codec/layout_assertion.ts';

export const RING_LINE_BYTES = 128;
export const RING_MAGIC = 0x52494e47; // "RING"
export const RING_LAYOUT_VERSION = 1;

// ---- meta line (byte offsets) ---------------------------------------------------------------------
export const META_MAGIC_OFFSET = 0;
export const META_VERSION_OFFSET = 4;
export const META_CAPACITY_OFFSET = 8;
export const META_SLOT_BYTES_OFFSET = 12;
export const META_CONSUMER_COUNT_OFFSET = 16;
export const META_PRODUCER_MODE_OFFSET = 20;
export const META_FIRST_SEQUENCE_OFFSET = 32; // f64

export const PRODUCER_MODE_SINGLE = 0;
export const PRODUCER_MODE_MULTI = 1;

// ---- counter lines (byte offsets) -----------------------------------------------------------------
export const CURSOR_OFFSET = RING_LINE_BYTES * 1;
export const CLAIM_LOCK_OFFSET = RING_LINE_BYTES * 2;
export const CLAIM_NEXT_OFFSET = RING_LINE_BYTES * 2 + 8; // f64
export const PUBLISH_SIGNAL_OFFSET = RING_LINE_BYTES * 3;
export const HALT_OFFSET = RING_LINE_BYTES * 4;
export const CONSUMERS_OFFSET = RING_LINE_BYTES * 5;
/** Byte distance from a counter's value word to its waiter-count word. */
export const WAITERS_DELTA_BYTES = 4;

/** Logic, journaler, replicator, and room for more stages or test consumers. */
export const MAX_CONSUMERS = 8;
export const AVAILABLE_OFFSET = CONSUMERS_OFFSET + RING_LINE_BYTES * MAX_CONSUMERS;

/** The ring slot size: one input record at its maximum size (results share the same maximum). */
export const SLOT_BYTES = CMD_MAX_RECORD_BYTES;
export const MIN_CAPACITY = 2;
/** 2^24 slots × 512 bytes = 8 GiB: far beyond any sensible ring, and keeps (s & mask) exact. */
export const MAX_CAPACITY = 1 << 24;

/** i32 index of a byte offset (all counter offsets are multiples of 4). */
export function wordIndex(byteOffset: number): number {
  return byteOffset >>> 2;
}

export function consumerOffset(consumerIndex: number): number {
  return CONSUMERS_OFFSET + RING_LINE_BYTES * consumerIndex;
}

function roundUpToLine(bytes: number): number {
  return Math.ceil(bytes / RING_LINE_BYTES) * RING_LINE_BYTES;
}

export function slotsOffset(capacity: number): number {
  return AVAILABLE_OFFSET + roundUpToLine(capacity * 4);
}

export function ringMemoryBytes(capacity: number, slotBytes: number = SLOT_BYTES): number {
  return slotsOffset(capacity) + capacity * slotBytes;
}

export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

// ---- load-time checks -------------------------------------------------------------------------------
const assertLayout = layoutAssertion('ring layout');
assertLayout(RING_LINE_BYTES >= 128 && RING_LINE_BYTES % 64 === 0, 'counter lines must span two 64-byte cache lines');
assertLayout(META_FIRST_SEQUENCE_OFFSET + 8 <= RING_LINE_BYTES, 'meta must fit its line');
assertLayout(CLAIM_NEXT_OFFSET % 8 === 0, 'claim f64 must be 8-byte aligned');
assertLayout(META_FIRST_SEQUENCE_OFFSET % 8 === 0, 'firstSequence f64 must be 8-byte aligned');
assertLayout(AVAILABLE_OFFSET % RING_LINE_BYTES === 0, 'available buffer must start on a line');
assertLayout(isPowerOfTwo(SLOT_BYTES) && SLOT_BYTES % 8 === 0, 'slot size must be a power of two, 8-byte aligned');
assertLayout(slotsOffset(MIN_CAPACITY) % RING_LINE_BYTES === 0, 'slots must start on a line');
assertLayout(isPowerOfTwo(MAX_CAPACITY) && MAX_CAPACITY <= 2 ** 30, 'capacity bound must keep (s & mask) exact');
