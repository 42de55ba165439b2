/**
 * The release gate: the main thread's consumer of the output ring. It hands each result to the
 * listener, in sequence order, only once its command is durable (the journaler's consumer sequence on
 * the input ring) — and replicated too under synchronous replication (the replicator's).
 *
 * It never polls in a loop: with nothing new it arms one Atomics.waitAsync on the output cursor; with a
 * result not yet durable, one on the gating sequence. Nothing is buffered: an unreleased result holds
 * its output slot, which holds back the logic, which holds back the input ring (BUSY to clients) —
 * except on two rare paths (held_results.ts): an accepted SNAPSHOT's result waits for its file, and
 * while storage is unavailable the applied writes' results wait for the journal while reads go out.
 */
import { CMD_FLAG_READ_ONLY, CmdHeader, CommandType } from '../codec/records/command_descriptor.ts';
import type { RecordBuffer } from '../codec/records/record_buffer.ts';
import { ResHeader } from '../codec/records/result_descriptor.ts';
import { ResultCode } from '../codec/result_codes.ts';
import { wakeOnChange } from '../core/atomics_wait_async.ts';
import type { ResultListener } from '../core/engine_api.ts';
import { OUTPUT_CONSUMER_GATEWAY } from '../core/engine_worker_protocol.ts';
import { JournalerSlot, MainSlot, metricsIndex, MetricsLine } from '../core/metrics_descriptor.ts';
import { BatchConsumer } from '../core/ring/batch_consumer.ts';
import type { Ring } from '../core/ring/ring.ts';
import { widen } from '../core/ring/sequence.ts';
import { createWaitStrategy } from '../core/ring/wait_strategy.ts';
import { HeldResults } from './held_results.ts';

const RELEASED = metricsIndex(MetricsLine.MAIN, MainSlot.RESULTS_RELEASED);
const OUTPUT_WAKEUPS = metricsIndex(MetricsLine.MAIN, MainSlot.OUTPUT_WAKEUPS);
const DURABLE_WAKEUPS = metricsIndex(MetricsLine.MAIN, MainSlot.DURABLE_WAKEUPS);
const STORAGE_FAULT = metricsIndex(MetricsLine.JOURNALER, JournalerSlot.STORAGE_FAULT);
/** Results delivered in one turn before yielding to the event loop (so sockets get flushed). */
const RESULTS_PER_TURN = 65536;

export interface ReleaseGateHooks {
  /** After every drain turn (snapshots become writable as durability advances; stop waits on it). */
  readonly afterTurn: () => void;
  /** The listener threw: results after it can no longer be delivered in order. */
  readonly fail: (error: Error) => void;
  /** False once the engine failed: drain does nothing more. */
  readonly live: () => boolean;
  /** Results first..first+count-1 were handed to the listener (command latency ends here). */
  readonly released?: (first: number, count: number) => void;
}

export class ReleaseGate {
  private listener: ResultListener | null = null;
  private readonly results: BatchConsumer;
  private outputArmed = false;
  private gateArmed = false;
  private draining = false;
  /** Results taken off the output ring that wait for the journal (storage fault) or a snapshot file. */
  private readonly held = new HeldResults();
  /** The journaler's sequence word as deliverHeld last read it (the gate re-arms on a change from it). */
  private heldDurableObserved = 0;

  /**
   * @param durableIndex word of the journaler's consumer sequence in the input ring
   * @param replicatedIndex word of the replicator's, or -1 when results do not wait for replication
   */
  constructor(
    private readonly inputRing: Ring,
    private readonly outputRing: Ring,
    private readonly durableIndex: number,
    private readonly replicatedIndex: number,
    private readonly metrics: Float64Array,
    private readonly hooks: ReleaseGateHooks,
  ) {
    this.results = new BatchConsumer(outputRing, OUTPUT_CONSUMER_GATEWAY, {
      waitStrategy: createWaitStrategy('busy_spin'), // never waits: this thread only polls and uses waitAsync
      batchMax: outputRing.capacity,
    });
  }

  get hasListener(): boolean {
    return this.listener !== null;
  }

  /** The last sequence whose result was handed to the listener. */
  get released(): number {
    return this.results.nextSequence - 1;
  }

  /** Results taken off the ring but not yet handed out (held_results.ts). */
  get heldCount(): number {
    return this.held.size;
  }

  /** The snapshot taken at `sequence` is written (or failed): its SNAPSHOT result may go. */
  snapshotSettled(sequence: number, written: boolean): void {
    this.held.snapshotSettled(sequence, written);
    this.drain();
  }

  /** The output ring's last published sequence (results produced). */
  get produced(): number {
    const released = this.released;
    return widen(released, this.outputRing.cursor.load32());
  }

  /** Sets the one listener; call drain() to hand it what is already releasable. */
  setListener(listener: ResultListener): void {
    this.listener = listener;
  }

  /** Wakes the gate (and so afterTurn) once the durable sequence moves past what it is now. */
  awaitDurable(): void {
    this.armGate(this.durableIndex, Atomics.load(this.inputRing.words, this.durableIndex));
  }

  /**
   * Hands every available, releasable result to the listener, then arms one waitAsync: on the output
   * cursor when there is nothing new, on the gating sequence when the next result is not yet releasable.
   */
  drain(): void {
    if (this.draining || !this.hooks.live()) return;
    if (this.listener === null) { // nothing to hand out, but durability still moves snapshots and events on
      this.hooks.afterTurn();
      return;
    }
    this.draining = true;
    try {
      const out = this.outputRing;
      const words = this.inputRing.words;
      const listener = this.listener;
      const buffer: RecordBuffer = out.buffer;
      if (this.held.size > 0) this.deliverHeld(listener);
      for (let delivered = 0; delivered < RESULTS_PER_TURN;) {
        const cursorObserved = out.cursor.load32(); // read before polling: a publish after it changes the word
        const available = this.results.poll();
        if (available === 0) {
          this.armOutput(cursorObserved);
          break;
        }
        const released = this.results.nextSequence - 1;
        let gateIndex = this.durableIndex;
        let gateObserved = Atomics.load(words, gateIndex);
        let gate = widen(released, gateObserved);
        if (this.replicatedIndex >= 0) {
          const replicatedObserved = Atomics.load(words, this.replicatedIndex);
          const replicated = widen(released, replicatedObserved);
          if (replicated < gate) {
            gate = replicated;
            gateIndex = this.replicatedIndex;
            gateObserved = replicatedObserved;
          }
        }
        const count = Math.min(available, gate - released);
        if (count <= 0) {
          // Storage unavailable: the journal is stuck on a batch of writes. Serve the reads behind it.
          if (this.metrics[STORAGE_FAULT] !== 0 && this.passReads(listener, released, available)) continue;
          this.armGate(gateIndex, gateObserved);
          break;
        }
        let i = 0;
        try {
          for (; i < count; i++) {
            const base = out.slotBase(released + 1 + i);
            // An accepted SNAPSHOT is answered once its file is on disk (or failed), not before.
            if (buffer.u16[(base + ResHeader.COMMAND_TYPE) >>> 1] === CommandType.SNAPSHOT
              && buffer.u16[(base + ResHeader.CODE) >>> 1] === ResultCode.OK) {
              this.held.holdUntilSnapshotWritten(buffer, base, released + 1 + i);
            } else {
              listener(buffer, base);
            }
          }
        } catch (error) {
          this.results.release(i);
          this.hooks.fail(new Error(`result listener threw at sequence ${released + 1 + i}: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
          return;
        }
        this.results.release(count);
        this.metrics[RELEASED] += count;
        this.hooks.released?.(released + 1, count);
        delivered += count;
        if (delivered >= RESULTS_PER_TURN) setImmediate(() => this.drain());
      }
      if (this.held.size > 0) this.armGate(this.durableIndex, this.heldDurableObserved);
      this.hooks.afterTurn();
    } finally {
      this.draining = false;
    }
  }

  private deliverHeld(listener: ResultListener): void {
    this.heldDurableObserved = Atomics.load(this.inputRing.words, this.durableIndex);
    const durable = widen(this.released, this.heldDurableObserved);
    this.metrics[RELEASED] += this.held.deliver(listener, durable);
  }

  /**
   * Storage fault: every available result is past the durable sequence. Read-only results go to the
   * listener now; the rest (writes applied before the gateway stopped sequencing writes) are held
   * until the journal takes them. Their input records are still in the input ring (the journaler has
   * not released them), which is where the read-only flag is read. Returns true when it moved any.
   */
  private passReads(listener: ResultListener, released: number, available: number): boolean {
    const out = this.outputRing;
    const input = this.inputRing;
    for (let i = 0; i < available; i++) {
      const sequence = released + 1 + i;
      const base = out.slotBase(sequence);
      if ((input.buffer.u16[(input.slotBase(sequence) + CmdHeader.FLAGS) >>> 1] & CMD_FLAG_READ_ONLY) !== 0) {
        listener(out.buffer, base);
        this.metrics[RELEASED]++;
      } else {
        this.held.holdUntilDurable(out.buffer, base, sequence);
      }
    }
    this.results.release(available);
    return available > 0;
  }

  private armOutput(observed: number): void {
    if (this.outputArmed) return;
    this.outputArmed = true;
    this.arm(this.outputRing.words, this.outputRing.cursor.valueIndex, observed, () => {
      this.outputArmed = false;
      this.metrics[OUTPUT_WAKEUPS]++;
    });
  }

  private armGate(index: number, observed: number): void {
    if (this.gateArmed) return;
    this.gateArmed = true;
    this.arm(this.inputRing.words, index, observed, () => {
      this.gateArmed = false;
      this.metrics[DURABLE_WAKEUPS]++;
    });
  }

  private arm(words: Int32Array, index: number, observed: number, disarm: () => void): void {
    wakeOnChange(words, index, observed, () => {
      disarm();
      this.drain();
    });
  }
}
