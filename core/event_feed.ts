/**
 * The main thread's consumer of the events ring: copies event records into the retention window
 * (event_retention.ts) and releases them once their command is durable (and replicated, under
 * synchronous replication) — the same rule as results: never show what could still be lost.
 *
 * It never waits for anyone and the logic never waits for it longer than one wake-up: it drains on
 * every release-gate turn, on its own Atomics.waitAsync on the events cursor, and on the durable word
 * while it holds unreleased events. It never reads past what the retention can take; unreleased
 * events are never evicted, so a burst larger than the retention waits in the events ring (the logic
 * waits for it) until the journal catches up.
 *
 * `through`: every event of every command up to this sequence is released. Results are published
 * after their events, so the results cursor read before draining bounds what is complete.
 */
import { EVT_RECORD_BYTES } from '../codec/records/event_descriptor.ts';
import { wakeOnChange } from './atomics_wait_async.ts';
import { BatchConsumer } from './ring/batch_consumer.ts';
import type { Ring } from './ring/ring.ts';
import { widen } from './ring/sequence.ts';
import { createWaitStrategy } from './ring/wait_strategy.ts';
import type { EventRetention } from './event_retention.ts';

export const EVENTS_CONSUMER_FEED = 0;

export interface EventFeedSources {
  readonly eventsRing: Ring;
  readonly inputRing: Ring;
  /** Word of the journaler's consumer sequence in the input ring. */
  readonly durableIndex: number;
  /** Word of the replicator's, or -1 when releases do not wait for replication. */
  readonly replicatedIndex: number;
  /** The last sequence whose result the logic published (its events are published before it). */
  readonly produced: () => number;
}

export class EventFeed {
  private readonly consumer: BatchConsumer;
  private readonly listeners: (() => void)[] = [];
  private draining = false;
  private eventsArmed = false;
  private durableArmed = false;
  private closed = false;
  /** Every event of every command ≤ through is released. */
  through: number;

  constructor(private readonly sources: EventFeedSources, readonly retention: EventRetention) {
    this.consumer = new BatchConsumer(sources.eventsRing, EVENTS_CONSUMER_FEED, {
      waitStrategy: createWaitStrategy('busy_spin'), // never waits: polls, then waitAsync
      batchMax: sources.eventsRing.capacity,
    });
    this.through = retention.recoveredSequence;
    if (sources.eventsRing.slotBytes !== EVT_RECORD_BYTES) throw new Error(`event feed: the events ring's slots must be one record (${EVT_RECORD_BYTES} bytes), got ${sources.eventsRing.slotBytes}`);
  }

  /** Called after every drain that released events or moved `through`. */
  onReleased(listener: () => void): void {
    this.listeners.push(listener);
  }

  close(): void {
    this.closed = true;
  }

  /** The sequence every release waits for: durable, and replicated when configured. */
  private gate(): { sequence: number; index: number; observed: number } {
    const words = this.sources.inputRing.words;
    const reference = this.through;
    let index = this.sources.durableIndex;
    let observed = Atomics.load(words, index);
    let sequence = widen(reference, observed);
    if (this.sources.replicatedIndex >= 0) {
      const replicatedObserved = Atomics.load(words, this.sources.replicatedIndex);
      const replicated = widen(reference, replicatedObserved);
      if (replicated < sequence) {
        sequence = replicated;
        index = this.sources.replicatedIndex;
        observed = replicatedObserved;
      }
    }
    return { sequence, index, observed };
  }

  drain(): void {
    if (this.draining || this.closed) return;
    this.draining = true;
    try {
      const ring = this.sources.eventsRing;
      const retention = this.retention;
      const produced = this.sources.produced(); // before reading events: all of its events are published
      let cursorObserved = ring.cursor.load32();
      let drainedAll = true;
      for (;;) {
        const available = this.consumer.poll();
        const take = Math.min(available, retention.room);
        // One copy per contiguous stretch of the ring (two at its wrap), not a word loop per record.
        for (let i = 0; i < take;) {
          const next = this.consumer.nextSequence + i;
          const n = Math.min(take - i, ring.capacity - (next & (ring.capacity - 1)));
          retention.appendRun(ring.buffer, ring.slotBase(next), n);
          i += n;
        }
        if (take > 0) this.consumer.release(take);
        if (take < available) drainedAll = false;
        if (take === 0 || take === available) break;
        cursorObserved = ring.cursor.load32();
      }
      const gate = this.gate();
      const released = retention.releaseThrough(gate.sequence);
      // Events left in the ring (no room) may belong to commands up to `produced`: completeness waits.
      const through = drainedAll ? Math.max(this.through, Math.min(gate.sequence, produced)) : this.through;
      const moved = through !== this.through;
      this.through = through;
      if (released > 0 || moved) for (const listener of this.listeners) listener();
      // Events left in the ring for want of room: the release just made room, and neither the events
      // cursor nor the durable word may move again (the burst is over): drain again at the next turn.
      if (!drainedAll && released > 0) setImmediate(() => this.drain());
      this.armEvents(cursorObserved);
      if (retention.released < retention.end || produced > through) this.armDurable(gate.index, gate.observed);
    } finally {
      this.draining = false;
    }
  }

  private armEvents(observed: number): void {
    if (this.eventsArmed) return;
    this.eventsArmed = true;
    const ring = this.sources.eventsRing;
    this.arm(ring.words, ring.cursor.valueIndex, observed, () => { this.eventsArmed = false; });
  }

  private armDurable(index: number, observed: number): void {
    if (this.durableArmed) return;
    this.durableArmed = true;
    this.arm(this.sources.inputRing.words, index, observed, () => { this.durableArmed = false; });
  }

  private arm(words: Int32Array, index: number, observed: number, disarm: () => void): void {
    wakeOnChange(words, index, observed, () => {
      disarm();
      this.drain();
    });
  }
}
