/**
 * The input ring's one producer: claims a slot, stamps the header fields only the producer knows,
 * publishes a batch with one sequencer timestamp. This is the one place a command record's header is
 * stamped (stampCommandHeader); the gateway writes the body and the header fields the client sent.
 *
 *   tryClaim() ──► caller writes the record at base ──► stampHeader(base, session, principal, flags)
 *   ... more claims ... ──► publish(): timestamp on every slot claimed since the last publish, then
 *   one cursor store (the consumers wake).
 */
import { CmdHeader } from '../codec/records/command_descriptor.ts';
import type { RecordBuffer } from '../codec/records/record_buffer.ts';
import { SAMPLE_EVERY } from './stage_stamps_descriptor.ts';
import type { InputPublisher } from './engine_api.ts';
import type { Ring } from './ring/ring.ts';
import type { SingleProducerSequencer } from './ring/single_producer_sequencer.ts';

/** Writes the producer-owned header fields of the command record at `base`. */
export function stampCommandHeader(
  buffer: RecordBuffer, base: number, sequence: number, sessionId: number, principalId: number, flags: number,
): void {
  buffer.f64[(base + CmdHeader.SEQUENCE) >>> 3] = sequence;
  buffer.u32[(base + CmdHeader.SESSION_ID) >>> 2] = sessionId;
  buffer.u32[(base + CmdHeader.PRINCIPAL_ID) >>> 2] = principalId;
  buffer.u16[(base + CmdHeader.FLAGS) >>> 1] = flags;
}

/** The main thread's part of the stage stamps (engine/stage_latency.ts). */
export interface PublishStages {
  /** An input chunk arrived: what is claimed until the next publish was received now. */
  received(): void;
  /** A sampled sequence (sequence % SAMPLE_EVERY === 0) was claimed. */
  claimed(sequence: number): void;
  /** Sequences first..last are about to be published; `nowMs` is the batch's one clock read. */
  published(first: number, last: number, nowMs: number): void;
}

export interface RingInputPublisherOptions {
  /** Stamp the sequencer timestamp on publish; a follower publishes its primary's timestamps instead. */
  readonly stampTimestamps: boolean;
  /** False once the engine stops accepting: tryClaim then returns -1. */
  readonly accepting: () => boolean;
  /** Told of every published batch, with the batch's one clock read (performance.now()). */
  readonly onPublished?: (first: number, last: number, nowMs: number) => void;
  /** Stage stamps of sampled commands (receive, claim, publish). */
  readonly stages?: PublishStages;
}

export class RingInputPublisher implements InputPublisher {
  readonly buffer: RecordBuffer;
  lastClaimedSequence: number;
  private stampTimestamps: boolean;

  constructor(
    private readonly ring: Ring,
    private readonly producer: SingleProducerSequencer,
    private readonly options: RingInputPublisherOptions,
  ) {
    this.buffer = ring.buffer;
    this.lastClaimedSequence = producer.lastClaimed;
    this.stampTimestamps = options.stampTimestamps;
  }

  /** A follower's engine that now leads (Engine.lead): records published from now on get this node's timestamps. */
  startStampingTimestamps(): void {
    this.stampTimestamps = true;
  }

  tryClaim(): number {
    if (!this.options.accepting()) return -1;
    const sequence = this.producer.tryClaim();
    if (sequence < 0) return -1;
    this.lastClaimedSequence = sequence;
    // Only sampled sequences reach the call: a sequence past 2^31 passed to a call is boxed (an allocation).
    if (sequence % SAMPLE_EVERY === 0) this.options.stages?.claimed(sequence);
    return this.ring.slotBase(sequence);
  }

  received(): void {
    this.options.stages?.received();
  }

  stampHeader(base: number, sessionId: number, principalId: number, flags: number): void {
    stampCommandHeader(this.buffer, base, this.lastClaimedSequence, sessionId, principalId, flags);
  }

  publish(): void {
    const producer = this.producer;
    const last = producer.lastClaimed;
    if (last === producer.lastPublished) return;
    const { onPublished, stages } = this.options;
    if (!this.stampTimestamps && onPublished === undefined && stages === undefined) {
      producer.publish();
      return;
    }
    const nowMs = performance.now(); // one clock read per published batch (a clock read allocates in Node 20)
    if (this.stampTimestamps) {
      const timestampUs = Math.round((performance.timeOrigin + nowMs) * 1000);
      const f64 = this.buffer.f64;
      for (let s = producer.lastPublished + 1; s <= last; s++) f64[(this.ring.slotBase(s) + CmdHeader.TIMESTAMP_US) >>> 3] = timestampUs;
    }
    if (onPublished !== undefined) onPublished(producer.lastPublished + 1, last, nowMs);
    stages?.published(producer.lastPublished + 1, last, nowMs); // before the cursor store: consumers then see it
    producer.publish();
  }
}
