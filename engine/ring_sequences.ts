/**
 * The engine's sequences read off the input ring's consumer words: applied (logic), durable
 * (journaler), replicated (replicator, when there is one), each widened against the last published
 * sequence (the words hold 32 bits; core/ring/sequence.ts).
 */
import type { EngineSequences } from '../core/engine_api.ts';
import { INPUT_CONSUMER_JOURNALER, INPUT_CONSUMER_LOGIC, INPUT_CONSUMER_REPLICATOR } from '../core/engine_worker_protocol.ts';
import type { Ring } from '../core/ring/ring.ts';
import { widen } from '../core/ring/sequence.ts';

export class RingSequences {
  /** Word of the journaler's sequence: what is durable. */
  readonly durableIndex: number;
  /** Word of the replicator's sequence, or -1 without replication. */
  readonly replicatedIndex: number;
  private readonly appliedIndex: number;

  constructor(private readonly inputRing: Ring, withReplicator: boolean) {
    this.appliedIndex = inputRing.consumers[INPUT_CONSUMER_LOGIC].valueIndex;
    this.durableIndex = inputRing.consumers[INPUT_CONSUMER_JOURNALER].valueIndex;
    this.replicatedIndex = withReplicator ? inputRing.consumers[INPUT_CONSUMER_REPLICATOR].valueIndex : -1;
  }

  read(published: number, released: number): EngineSequences {
    const words = this.inputRing.words;
    return {
      published,
      applied: widen(published, Atomics.load(words, this.appliedIndex)),
      durable: widen(published, Atomics.load(words, this.durableIndex)),
      replicated: this.replicatedIndex < 0 ? -1 : widen(published, Atomics.load(words, this.replicatedIndex)),
      released,
    };
  }
}
