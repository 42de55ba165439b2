/**
 * The logic worker's EventSink: event records go straight into the events ring (a SharedArrayBuffer
 * ring of EVT_RECORD_BYTES slots, one producer: this thread; one consumer: the main thread's event
 * feed, core/event_feed.ts). Claims are plain arithmetic; publish() once per applied batch, before
 * the batch's results, so a result the gateway sees never runs ahead of its events.
 *
 * A command can emit more events than the ring holds (a market order sweeping a deep book): when the
 * ring is full, what is written so far is published first, then the claim waits for the main thread,
 * which drains the ring on its own wake-up (it never waits for this thread), so the wait always ends.
 */
import type { RecordBuffer } from '../codec/records/record_buffer.ts';
import type { EventSink } from './logic/event_emitter.ts';
import type { Ring } from './ring/ring.ts';
import { SingleProducerSequencer } from './ring/single_producer_sequencer.ts';
import type { WaitStrategy } from './ring/wait_strategy.ts';

export class RingEventSink implements EventSink {
  readonly buffer: RecordBuffer;
  private readonly sequencer: SingleProducerSequencer;

  constructor(private readonly ring: Ring, private readonly wait: WaitStrategy) {
    this.buffer = ring.buffer;
    this.sequencer = new SingleProducerSequencer(ring);
  }

  claim(): number {
    let sequence = this.sequencer.tryClaim(1);
    if (sequence < 0) {
      this.sequencer.publish();
      sequence = this.sequencer.claim(1, this.wait);
    }
    return this.ring.slotBase(sequence);
  }

  /** Makes every claimed record visible to the feed (one seq-cst store, a notify only if it is parked). */
  publish(): void {
    this.sequencer.publish();
  }
}
