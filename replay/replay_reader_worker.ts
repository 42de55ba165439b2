/**
 * A recovery's reader thread (pipelined_replay.ts): says it has started, waits for the logic thread to
 * hand the walk over (where to go on, and the idempotency window as it stands there), walks the rest of
 * the journal (journal_walk.ts: segment reads, frame checks, CRC-32), copies each record into the feed
 * ring with its idempotency lookup done ahead (a copy of the window: core/logic/idempotency.ts, lookups
 * ahead), then writes how the walk ended and halts the ring. Once handed the walk, whatever happens, the
 * ring is halted: the logic thread never waits for a reader that is gone.
 */
import { performance } from 'node:perf_hooks';
import { workerData } from 'node:worker_threads';
import type { RecordBuffer } from '../codec/records/record_buffer.ts';
import * as commandDescriptorModule from '../codec/records/command_descriptor.ts';
import * as commandTraitsModule from '../codec/registry/command_traits.ts';
import { Idempotency, type IdempotencyWindowState } from '../core/logic/idempotency.ts';
import { StateArena } from '../core/logic/state_arena.ts';
import { Ring } from '../core/ring/ring.ts';
import { SingleProducerSequencer } from '../core/ring/single_producer_sequencer.ts';
import { createWaitStrategy, type WaitStrategy } from '../core/ring/wait_strategy.ts';
import { SegmentReader } from '../journal/segment_reader.ts';
import { walkJournal, type RecordSink, type WalkSegment } from './journal_walk.ts';
import { FeedControl, type FeedMemory } from './replay_feed.ts';

// Module-local copies: V8 folds them into optimized code (order_layout.ts says why).
const { CmdHeader } = commandDescriptorModule;
const { COMMAND_TRAITS, TRAIT_READ_ONLY } = commandTraitsModule;

export interface ReaderWorkerData {
  readonly feed: FeedMemory;
  readonly segments: readonly WalkSegment[];
  readonly after: number;
  readonly to: number;
}

/** Records claimed before each publish: one shared store per batch, not per record. */
const PUBLISH_EVERY = 64;

class FeedWriter implements RecordSink {
  private readonly sequencer: SingleProducerSequencer;
  private readonly ring: Ring;
  private readonly slots: Float64Array;
  private readonly hints: Int32Array;
  private readonly window: Idempotency;
  private readonly wait: WaitStrategy = createWaitStrategy('spin_park');
  private pending = 0;
  records = 0;
  waitMs = 0;

  constructor(feed: FeedMemory, window: IdempotencyWindowState) {
    this.ring = new Ring(feed.ring);
    this.sequencer = new SingleProducerSequencer(this.ring);
    this.slots = this.ring.buffer.f64;
    this.hints = new Int32Array(feed.hints);
    this.window = new Idempotency(new StateArena(), window.ids.length);
    this.window.loadWindow(window);
    this.window.setReplaying(true);
  }

  accept(buffer: RecordBuffer, base: number, _sequence: number): boolean {
    let claimed = this.sequencer.tryClaim(1);
    if (claimed < 0) {
      this.publish();
      const started = performance.now();
      claimed = this.sequencer.claim(1, this.wait);
      this.waitMs += performance.now() - started;
    }
    const at = this.ring.slotBase(claimed) >>> 3;
    const from = base >>> 3;
    const words = (buffer.u32[(base + CmdHeader.LENGTH) >>> 2] + 7) >>> 3;
    const src = buffer.f64;
    const slots = this.slots;
    for (let i = 0; i < words; i++) slots[at + i] = src[from + i];
    this.hints[claimed & this.ring.mask] = this.lookUp(buffer, base);
    this.records++;
    if (++this.pending === PUBLISH_EVERY) this.publish();
    return false;
  }

  /** The stored slot a repeated id is answered from, or -1 (StateMachine.applyLookedUp's storedSlot). */
  private lookUp(buffer: RecordBuffer, base: number): number {
    const idAt = (base + CmdHeader.IDEMPOTENCY_ID) >>> 3;
    const f64 = buffer.f64;
    // apply()'s own test of whether a command is remembered (core/logic/state_machine.ts).
    if (f64[idAt] === 0 || (COMMAND_TRAITS[buffer.u16[(base + CmdHeader.TYPE) >>> 1]] & TRAIT_READ_ONLY) !== 0) return -1;
    const principal = buffer.u32[(base + CmdHeader.PRINCIPAL_ID) >>> 2];
    const slot = this.window.findAt(principal, f64, idAt);
    if (slot < 0) this.window.claim(principal, f64, idAt);
    return slot;
  }

  publish(): void {
    this.pending = 0;
    this.sequencer.publish();
  }

  halt(): void {
    this.publish();
    this.ring.halt();
  }
}

const data = workerData as ReaderWorkerData;
const control = new FeedControl(data.feed.control);
const go = control.start() ? control.awaitGo(data.feed) : null;
if (go !== null) {
  const started = performance.now();
  let writer: FeedWriter | null = null;
  const times = (): { busyMs: number; waitMs: number; records: number } => {
    const waitMs = writer?.waitMs ?? 0;
    return { busyMs: performance.now() - started - waitMs, waitMs, records: writer?.records ?? 0 };
  };
  try {
    writer = new FeedWriter(data.feed, go.window);
    const outcome = walkJournal(data.segments, go.start.segmentIndex, data.after, data.to, new SegmentReader(), writer, go.start.resume);
    control.writeOutcome(outcome, times());
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    control.writeFailure({ name: e.name, message: e.message, ...(typeof e.code === 'string' ? { code: e.code } : {}) }, times());
  } finally {
    if (writer !== null) writer.halt();
    else new Ring(data.feed.ring).halt();
  }
}
