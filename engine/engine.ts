/**
 * The one wiring file: which threads exist, which rings join them, who gates on whom.
 *
 *  clients ─TCP/WS/HTTP─► gateway (main thread) ─claim/publish─► INPUT RING (SharedArrayBuffer)
 *                                                                  │  │  │
 *                                        ┌─────────────────────────┘  │  └──────────────────┐
 *                                        ▼                            ▼                     ▼
 *                               business logic (worker)        journaler (worker)    replicator (worker,
 *                               consumer 0: applies in seq.    consumer 1: segments  consumer 2, only
 *                                        │                     + fdatasync; its      when configured)
 *                                        │                     sequence IS durable
 *                                        ▼
 *                               OUTPUT RING (result s at sequence s) ──► main thread: releases result s
 *                               to the gateway only when durable ≥ s (and replicated ≥ s, sync repl.)
 *
 * 1. Logic worker: builds the state machine, recovers (snapshot + journal), reports ready with the
 *    last recovered sequence. Both rings then start at lastSequence + 1.
 * 2. Input ring: the gateway (this thread) is its single producer; the producer gates on the minimum
 *    of all its consumers (logic, journaler), which read it in parallel.
 * 3. Journaler worker: consumes the same records, releases a batch only once it is durable.
 * 4. Output ring: the logic worker produces one result per input; this thread consumes it. It learns
 *    of new results with Atomics.waitAsync (no hot poll loop), hands results to the listener in order
 *    and stops at the first result not yet durable, waiting (waitAsync) on the journaler's sequence.
 *    Nothing is buffered: an undelivered result holds its output slot, which holds back the logic,
 *    which holds back the input ring, which the gateway sees as BUSY. Backpressure flows to the client.
 * 5. Snapshots: the logic posts exported state; this thread writes it once its sequence is durable.
 * 6. Stop: refuse new claims, halt the input ring; logic and journaler drain and stop; every durable
 *    result is delivered. A worker that dies takes the engine down (onFatal) with its message.
 */
import { once } from 'node:events';
import { PerformanceObserver } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import { CMD_SEQUENCE_OFFSET, CMD_TIMESTAMP_US_OFFSET, FIRST_SEQUENCE } from '../codec/records/command_descriptor.ts';
import type { RecordBuffer } from '../codec/records/record_buffer.ts';
import type { StateSection } from '../core/logic/state_machine_api.ts';
import { waitAsync } from '../core/atomics_wait_async.ts';
import type { EngineSequences, InputPublisher, ResultListener } from '../core/engine_api.ts';
import { validateEngineOptions, type EngineOptions, type ResolvedEngineOptions } from './engine_options.ts';
import {
  INPUT_CONSUMER_JOURNALER, INPUT_CONSUMER_LOGIC, INPUT_CONSUMER_REPLICATOR, OUTPUT_CONSUMER_GATEWAY,
  type LogicStartMessage, type LogicWorkerData, type ReplicatorWorkerData, type WorkerReport,
} from '../core/engine_worker_protocol.ts';
import {
  JournalerSlot, LogicSlot, MainSlot, MetricsLine, ReplicatorSlot, createMetricsMemory, metricsIndex,
} from '../core/metrics_descriptor.ts';
import { BatchConsumer } from '../core/ring/batch_consumer.ts';
import { Ring, createRingMemory } from '../core/ring/ring.ts';
import { widen } from '../core/ring/sequence.ts';
import { SingleProducerSequencer } from '../core/ring/single_producer_sequencer.ts';
import { createWaitStrategy } from '../core/ring/wait_strategy.ts';
import { spawnWorker } from '../core/spawn_worker.ts';
import type { JournalerWorkerData } from '../journal/journaler_worker_data.ts';

export interface EngineMetrics {
  readonly sequences: EngineSequences;
  /** Published minus the slowest input consumer: records waiting in the input ring. */
  readonly inputRingLag: number;
  /** Results produced but not yet released to the gateway. */
  readonly outputRingLag: number;
  readonly gcEvents: { readonly main: number; readonly logic: number; readonly journaler: number };
  readonly gcPauseMs: { readonly main: number; readonly logic: number; readonly journaler: number };
  readonly logic: {
    readonly commandsApplied: number; readonly batches: number; readonly snapshots: number;
    readonly snapshotPauseUsLast: number; readonly snapshotPauseUsMax: number;
  };
  readonly journal: {
    readonly recordsWritten: number; readonly bytesWritten: number; readonly fsyncCount: number;
    readonly fsyncUsTotal: number; readonly fsyncUsLast: number; readonly fsyncUsMax: number;
    readonly segmentsOpened: number;
  };
  readonly waitStrategy: string;
  readonly ringCapacity: number;
  /** The replicator's counters (replication/replicator_worker.ts), or null without replication. */
  readonly replication: ReplicationMetrics | null;
}

export interface ReplicationMetrics {
  readonly mode: 'sync' | 'async';
  readonly followersConnected: number;
  /** Highest sequence a follower acknowledged as durable in its journal (-1: none yet). */
  readonly ackedSequence: number;
  /** Published minus acknowledged: how far the best follower is behind, in sequences. */
  readonly lagSequences: number;
  /** Intended-to-acknowledged time of the last acknowledged live batch, µs. */
  readonly lagUsLast: number;
  readonly shippedSequence: number;
  readonly epoch: number;
  /** 1 when sync mode has no follower connected (results wait, or are released unreplicated if degraded). */
  readonly noFollower: number;
  /** 1 while sync mode releases results without a follower (noFollower: 'degrade'). */
  readonly degraded: number;
  /** A follower announced an epoch newer than ours (we are a stale primary), else 0. */
  readonly newerEpochSeen: number;
  readonly bytesSent: number;
  readonly catchupFrames: number;
  readonly gcEvents: number;
}

export interface Engine {
  readonly input: InputPublisher;
  /** The sequence the recovered state ended at (-1 for an empty data directory). */
  readonly recoveredSequence: number;
  readonly recoveredStateHash: string;
  /** Bytes the business logic preallocated per state region, for the start-up log. */
  readonly logicMemory: readonly { readonly name: string; readonly bytes: number }[];
  /** False once stop() began or a worker died: tryClaim then returns -1 (answer SHUTTING_DOWN, not BUSY). */
  readonly accepting: boolean;
  /** Sets the one listener that receives every durable result, in sequence order. */
  onResult(listener: ResultListener): void;
  sequences(): EngineSequences;
  metrics(): EngineMetrics;
  /** Drains: stops claims, lets logic and journal finish what was sequenced, delivers every result. */
  stop(): Promise<void>;
  /** Settles when the engine is down: resolves after stop(), rejects with the fatal error. */
  readonly done: Promise<void>;
}

type EngineState = 'running' | 'stopping' | 'stopped' | 'failed';

interface EngineWorker {
  readonly role: 'logic' | 'journaler' | 'replicator';
  readonly worker: Worker;
}

const GC_MAIN = metricsIndex(MetricsLine.MAIN, MainSlot.GC_EVENTS);
const GC_MAIN_MS = metricsIndex(MetricsLine.MAIN, MainSlot.GC_PAUSE_MS);
const RELEASED = metricsIndex(MetricsLine.MAIN, MainSlot.RESULTS_RELEASED);
const OUTPUT_WAKEUPS = metricsIndex(MetricsLine.MAIN, MainSlot.OUTPUT_WAKEUPS);
const DURABLE_WAKEUPS = metricsIndex(MetricsLine.MAIN, MainSlot.DURABLE_WAKEUPS);
/** Results delivered in one turn before yielding to the event loop (so sockets get flushed). */
const RESULTS_PER_TURN = 65536;

/** Spawns a worker and waits for its `ready` report; a worker that fails first rejects with its message. */
async function startWorker(role: string, entry: URL, data: object): Promise<{ worker: Worker; ready: WorkerReport }> {
  const worker = spawnWorker(entry, data as Record<string, unknown>);
  let onError: (error: Error) => void = () => undefined;
  let onExit: (code: number) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => {
    onError = (error) => reject(new Error(`${role} worker failed to start: ${error.message}`, { cause: error }));
    onExit = (code) => reject(new Error(`${role} worker exited with code ${code} before it was ready`));
    worker.once('error', onError);
    worker.once('exit', onExit);
  });
  try {
    const [ready] = (await Promise.race([once(worker, 'message'), failed])) as [WorkerReport];
    if (ready.type !== 'ready') throw new Error(`${role} worker: expected ready, got ${ready.type}`);
    return { worker, ready };
  } catch (error) {
    await worker.terminate();
    throw error;
  } finally {
    worker.off('error', onError);
    worker.off('exit', onExit);
  }
}

export async function startEngine(options: EngineOptions): Promise<Engine> {
  const opts = validateEngineOptions(options);
  const metricsMemory = createMetricsMemory();
  const metrics = new Float64Array(metricsMemory);

  // 1. Logic worker: state machine + recovery, then ready with the last recovered sequence.
  const logicData: LogicWorkerData = {
    dataDir: opts.dataDir, repair: opts.repair, logic: opts.logic, stateMachineModule: opts.stateMachineModule.href,
    recoveryModule: opts.recoveryModule === null ? '' : opts.recoveryModule.href, metricsMemory,
    waitStrategy: opts.waitStrategy, batchMax: opts.batchMax, snapshotEveryCommands: opts.snapshotEveryCommands,
  };
  const logic = await startWorker('logic', new URL('../core/logic_worker.ts', import.meta.url), logicData);
  const ready = logic.ready as Extract<WorkerReport, { type: 'ready' }>;
  // Sequence 0 is the empty state: the first command of a new engine is FIRST_SEQUENCE.
  const firstSequence = Math.max(ready.lastSequence + 1, FIRST_SEQUENCE);

  // 2. Rings from lastSequence + 1; 3. journaler on the input ring, in parallel with the logic.
  const consumerCount = opts.replicator === null ? 2 : 3;
  const inputRingMemory = createRingMemory({ capacity: opts.ringCapacity, consumerCount, firstSequence });
  const outputRingMemory = createRingMemory({ capacity: opts.outputRingCapacity, consumerCount: 1, firstSequence });
  const start: LogicStartMessage = { type: 'start', inputRingMemory, outputRingMemory };
  logic.worker.postMessage(start);
  const journalData: JournalerWorkerData = {
    inputRingMemory, consumerIndex: INPUT_CONSUMER_JOURNALER, metricsMemory, firstSequence,
    waitStrategy: opts.waitStrategy, batchMax: opts.batchMax, journal: opts.journal,
  };
  const workers: EngineWorker[] = [{ role: 'logic', worker: logic.worker }];
  try {
    const journaler = await startWorker('journaler', opts.journalerEntry, journalData);
    workers.push({ role: 'journaler', worker: journaler.worker });
    // 3b. Replicator (when configured): a third parallel consumer; its sequence is the replicated one.
    if (opts.replicator !== null) {
      const replicatorData: ReplicatorWorkerData = {
        inputRingMemory, consumerIndex: INPUT_CONSUMER_REPLICATOR, metricsMemory, firstSequence,
        waitStrategy: opts.waitStrategy, batchMax: opts.batchMax, dataDir: opts.dataDir, options: opts.replicator.options,
      };
      const replicator = await startWorker('replicator', opts.replicator.entry, replicatorData);
      workers.push({ role: 'replicator', worker: replicator.worker });
    }
  } catch (error) {
    await Promise.all(workers.map((w) => w.worker.terminate()));
    throw error;
  }
  return new RunningEngine(opts, metrics, ready, inputRingMemory, outputRingMemory, workers);
}

class RunningEngine implements Engine {
  readonly input: InputPublisher;
  readonly recoveredSequence: number;
  readonly recoveredStateHash: string;
  readonly logicMemory: readonly { readonly name: string; readonly bytes: number }[];
  readonly done: Promise<void>;
  private state: EngineState = 'running';
  private listener: ResultListener | null = null;
  private readonly inputRing: Ring;
  private readonly outputRing: Ring;
  private readonly producer: SingleProducerSequencer;
  private readonly results: BatchConsumer;
  private readonly durableIndex: number;
  private readonly appliedIndex: number;
  /** Word of the replicator's sequence, or -1 without replication. */
  private readonly replicatedIndex: number;
  /** Results wait for the replicator too (synchronous replication). */
  private readonly gateOnReplicated: boolean;
  private outputArmed = false;
  private durableArmed = false;
  private draining = false;
  private readonly stoppedWorkers = new Set<Worker>();
  private readonly pendingSnapshots: Extract<WorkerReport, { type: 'snapshot' }>[] = [];
  private readonly snapshotWrites = new Set<Promise<void>>();
  private readonly gcObserver: PerformanceObserver;
  private resolveDone!: () => void;
  private rejectDone!: (error: Error) => void;
  private stopPromise: Promise<void> | null = null;
  private drainedWaiter: (() => void) | null = null;

  constructor(
    private readonly opts: ResolvedEngineOptions,
    private readonly metricsView: Float64Array,
    ready: Extract<WorkerReport, { type: 'ready' }>,
    inputRingMemory: SharedArrayBuffer,
    outputRingMemory: SharedArrayBuffer,
    private readonly workers: readonly EngineWorker[],
  ) {
    this.recoveredSequence = ready.lastSequence;
    this.recoveredStateHash = ready.stateHash ?? '';
    this.logicMemory = ready.memory ?? [];
    this.inputRing = new Ring(inputRingMemory);
    this.outputRing = new Ring(outputRingMemory);
    this.producer = new SingleProducerSequencer(this.inputRing);
    this.results = new BatchConsumer(this.outputRing, OUTPUT_CONSUMER_GATEWAY, {
      waitStrategy: createWaitStrategy('busy_spin'), // never waits: this thread only polls and uses waitAsync
      batchMax: this.outputRing.capacity,
    });
    this.durableIndex = this.inputRing.consumers[INPUT_CONSUMER_JOURNALER].valueIndex;
    this.appliedIndex = this.inputRing.consumers[INPUT_CONSUMER_LOGIC].valueIndex;
    this.replicatedIndex = opts.replicator === null ? -1 : this.inputRing.consumers[INPUT_CONSUMER_REPLICATOR].valueIndex;
    this.gateOnReplicated = opts.replicator !== null && opts.replicator.mode === 'sync';
    this.input = this.createPublisher();
    this.done = new Promise<void>((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    this.done.catch(() => undefined); // a caller that never awaits `done` is told through onFatal
    this.gcObserver = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        metricsView[GC_MAIN]++;
        metricsView[GC_MAIN_MS] += entry.duration;
      }
    });
    this.gcObserver.observe({ entryTypes: ['gc'] });
    for (const w of workers) this.watch(w.worker, w.role);
    this.drain();
  }

  get accepting(): boolean {
    return this.state === 'running';
  }

  onResult(listener: ResultListener): void {
    this.listener = listener;
    this.drain();
  }

  sequences(): EngineSequences {
    const published = this.producer.lastPublished;
    const words = this.inputRing.words;
    return {
      published,
      applied: widen(published, Atomics.load(words, this.appliedIndex)),
      durable: widen(published, Atomics.load(words, this.durableIndex)),
      replicated: this.replicatedIndex < 0 ? -1 : widen(published, Atomics.load(words, this.replicatedIndex)),
      released: this.results.nextSequence - 1,
    };
  }

  metrics(): EngineMetrics {
    const m = this.metricsView;
    const s = this.sequences();
    const logic = (slot: number): number => m[metricsIndex(MetricsLine.LOGIC, slot)];
    const journal = (slot: number): number => m[metricsIndex(MetricsLine.JOURNALER, slot)];
    return {
      sequences: s,
      inputRingLag: s.published - Math.min(s.applied, s.durable, s.replicated < 0 ? s.durable : s.replicated),
      outputRingLag: widen(s.released, this.outputRing.cursor.load32()) - s.released,
      gcEvents: { main: m[GC_MAIN], logic: logic(LogicSlot.GC_EVENTS), journaler: journal(JournalerSlot.GC_EVENTS) },
      gcPauseMs: { main: m[GC_MAIN_MS], logic: logic(LogicSlot.GC_PAUSE_MS), journaler: journal(JournalerSlot.GC_PAUSE_MS) },
      logic: {
        commandsApplied: logic(LogicSlot.COMMANDS_APPLIED), batches: logic(LogicSlot.BATCHES),
        snapshots: logic(LogicSlot.SNAPSHOTS), snapshotPauseUsLast: logic(LogicSlot.SNAPSHOT_PAUSE_US_LAST),
        snapshotPauseUsMax: logic(LogicSlot.SNAPSHOT_PAUSE_US_MAX),
      },
      journal: {
        recordsWritten: journal(JournalerSlot.RECORDS_WRITTEN), bytesWritten: journal(JournalerSlot.BYTES_WRITTEN),
        fsyncCount: journal(JournalerSlot.FSYNC_COUNT), fsyncUsTotal: journal(JournalerSlot.FSYNC_US_TOTAL),
        fsyncUsLast: journal(JournalerSlot.FSYNC_US_LAST), fsyncUsMax: journal(JournalerSlot.FSYNC_US_MAX),
        segmentsOpened: journal(JournalerSlot.SEGMENTS_OPENED),
      },
      waitStrategy: this.opts.waitStrategy,
      ringCapacity: this.inputRing.capacity,
      replication: this.replicationMetrics(s.published),
    };
  }

  private replicationMetrics(published: number): ReplicationMetrics | null {
    if (this.opts.replicator === null) return null;
    const m = this.metricsView;
    const r = (slot: number): number => m[metricsIndex(MetricsLine.REPLICATOR, slot)];
    const acked = r(ReplicatorSlot.ACKED_SEQUENCE);
    return {
      mode: this.opts.replicator.mode,
      followersConnected: r(ReplicatorSlot.FOLLOWERS_CONNECTED),
      ackedSequence: acked,
      lagSequences: Math.max(0, published - acked),
      lagUsLast: r(ReplicatorSlot.LAG_US_LAST),
      shippedSequence: r(ReplicatorSlot.SHIPPED_SEQUENCE),
      epoch: r(ReplicatorSlot.EPOCH),
      noFollower: r(ReplicatorSlot.NO_FOLLOWER),
      degraded: r(ReplicatorSlot.DEGRADED),
      newerEpochSeen: r(ReplicatorSlot.NEWER_EPOCH_SEEN),
      bytesSent: r(ReplicatorSlot.BYTES_SENT),
      catchupFrames: r(ReplicatorSlot.CATCHUP_FRAMES),
      gcEvents: r(ReplicatorSlot.GC_EVENTS),
    };
  }

  stop(): Promise<void> {
    this.stopPromise ??= this.doStop();
    return this.stopPromise;
  }

  // ---- input -------------------------------------------------------------------------------------

  private createPublisher(): InputPublisher {
    const ring = this.inputRing;
    const producer = this.producer;
    const f64 = ring.buffer.f64;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const engine = this;
    return {
      buffer: ring.buffer,
      lastClaimedSequence: producer.lastClaimed,
      tryClaim(): number {
        if (engine.state !== 'running') return -1;
        const sequence = producer.tryClaim();
        if (sequence < 0) return -1;
        const base = ring.slotBase(sequence);
        f64[(base + CMD_SEQUENCE_OFFSET) >>> 3] = sequence;
        this.lastClaimedSequence = sequence;
        return base;
      },
      publish(): void {
        const last = producer.lastClaimed;
        if (last === producer.lastPublished) return;
        if (!engine.opts.stampTimestamps) { // a follower's records carry the primary's timestamps
          producer.publish();
          return;
        }
        // One clock read per published batch (a clock read allocates in Node 20).
        const timestampUs = Math.round((performance.timeOrigin + performance.now()) * 1000);
        for (let s = producer.lastPublished + 1; s <= last; s++) {
          f64[(ring.slotBase(s) + CMD_TIMESTAMP_US_OFFSET) >>> 3] = timestampUs;
        }
        producer.publish();
      },
    } as InputPublisher & { lastClaimedSequence: number };
  }

  // ---- output: release results once durable -------------------------------------------------------

  /**
   * Hands every available, durable result to the listener, then arms one waitAsync: on the output
   * cursor when there is nothing new, on the journaler's sequence when the next result is not yet
   * durable. Each waiter raises the counter's waiter count so the writer's store notifies it.
   */
  private drain(): void {
    if (this.draining || this.listener === null || this.state === 'failed') return;
    this.draining = true;
    try {
      const out = this.outputRing;
      const words = this.inputRing.words;
      const listener = this.listener;
      const buffer: RecordBuffer = out.buffer;
      for (let delivered = 0; delivered < RESULTS_PER_TURN;) {
        const cursorObserved = out.cursor.load32(); // read before polling: a publish after it changes the word
        const available = this.results.poll();
        if (available === 0) {
          this.armOutput(cursorObserved);
          break;
        }
        const released = this.results.nextSequence - 1;
        // The release gate: durable, and replicated too with synchronous replication.
        let gateIndex = this.durableIndex;
        let gateObserved = Atomics.load(words, gateIndex);
        let gate = widen(released, gateObserved);
        if (this.gateOnReplicated) {
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
          this.armGate(gateIndex, gateObserved);
          break;
        }
        let i = 0;
        try {
          for (; i < count; i++) listener(buffer, out.slotBase(released + 1 + i));
        } catch (error) {
          // A listener that throws is a gateway bug: results after it can no longer be delivered in order.
          this.results.release(i);
          this.fail(new Error(`result listener threw at sequence ${released + 1 + i}: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
          return;
        }
        this.results.release(count);
        this.metricsView[RELEASED] += count;
        delivered += count;
        if (delivered >= RESULTS_PER_TURN) setImmediate(() => this.drain());
      }
      this.writeDurableSnapshots();
      this.checkDrained();
    } finally {
      this.draining = false;
    }
  }

  private armOutput(observed: number): void {
    if (this.outputArmed) return;
    this.outputArmed = true;
    this.arm(this.outputRing.words, this.outputRing.cursor.valueIndex, observed, () => {
      this.outputArmed = false;
      this.metricsView[OUTPUT_WAKEUPS]++;
    });
  }

  private armGate(index: number, observed: number): void {
    if (this.durableArmed) return;
    this.durableArmed = true;
    this.arm(this.inputRing.words, index, observed, () => {
      this.durableArmed = false;
      this.metricsView[DURABLE_WAKEUPS]++;
    });
  }

  private arm(words: Int32Array, index: number, observed: number, disarm: () => void): void {
    Atomics.add(words, index + 1, 1); // seq-cst: announce the waiter before the value is checked again
    const wake = (): void => {
      Atomics.sub(words, index + 1, 1);
      disarm();
      this.drain();
    };
    const result = waitAsync(words, index, observed);
    if (!result.async) queueMicrotask(wake);
    else void result.value.then(wake);
  }

  // ---- snapshots --------------------------------------------------------------------------------

  private onSnapshot(report: Extract<WorkerReport, { type: 'snapshot' }>): void {
    this.pendingSnapshots.push(report);
    this.writeDurableSnapshots();
    if (this.pendingSnapshots.length > 0) this.armGate(this.durableIndex, Atomics.load(this.inputRing.words, this.durableIndex));
  }

  /** A snapshot is written only once its sequence is durable, so it never holds unacknowledged state. */
  private writeDurableSnapshots(): void {
    const durable = this.sequences().durable;
    while (this.pendingSnapshots.length > 0 && this.pendingSnapshots[0].sequence <= durable) {
      const report = this.pendingSnapshots.shift()!;
      const write = this.writeSnapshot(report.sequence, report.sections, report.stateHash, report.pauseUs);
      this.snapshotWrites.add(write);
      void write.finally(() => this.snapshotWrites.delete(write));
    }
  }

  private async writeSnapshot(sequence: number, sections: StateSection[], stateHash: string, pauseUs: number): Promise<void> {
    try {
      const { writeSnapshot } = await import('../journal/snapshot_store.ts');
      const info = await writeSnapshot(this.opts.dataDir, sequence, sections, stateHash, { keep: this.opts.snapshotsKept });
      this.opts.log(`ringline: snapshot at sequence ${sequence} (logic paused ${pauseUs} µs, written in ${info.writeMs.toFixed(1)} ms): ${info.path}`);
    } catch (error) {
      this.opts.log(`ringline: snapshot at sequence ${sequence} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  // ---- lifecycle --------------------------------------------------------------------------------

  private watch(worker: Worker, role: string): void {
    worker.on('message', (report: WorkerReport) => {
      if (report.type === 'snapshot') this.onSnapshot(report);
      else if (report.type === 'stopped') {
        this.stoppedWorkers.add(worker);
        this.checkDrained();
      }
    });
    worker.on('error', (error: Error) => this.fail(new Error(`${role} worker died: ${error.message}`, { cause: error })));
    worker.on('exit', (code) => {
      if (!this.stoppedWorkers.has(worker)) this.fail(new Error(`${role} worker exited with code ${code} while the engine was ${this.state}`));
    });
  }

  private fail(error: Error): void {
    if (this.state === 'failed' || this.state === 'stopped') return;
    this.state = 'failed';
    this.gcObserver.disconnect();
    void Promise.all(this.workers.map((w) => w.worker.terminate())).finally(() => {
      this.rejectDone(error);
      this.drainedWaiter?.();
      this.opts.onFatal(error);
    });
  }

  private checkDrained(): void {
    if (this.drainedWaiter === null) return;
    const done = this.stoppedWorkers.size === this.workers.length && this.results.nextSequence - 1 === this.producer.lastPublished;
    if (done) this.drainedWaiter();
  }

  private async doStop(): Promise<void> {
    if (this.state !== 'running') {
      if (this.state === 'failed') await this.done;
      return;
    }
    this.state = 'stopping';
    this.input.publish(); // anything claimed but unpublished goes out with the rest
    const drained = new Promise<void>((resolve) => { this.drainedWaiter = resolve; });
    if (this.listener === null) this.listener = () => undefined; // results still have to be taken off the ring
    this.inputRing.halt();
    this.drain();
    this.checkDrained();
    await drained;
    if ((this.state as EngineState) === 'failed') return this.done;
    await Promise.all(this.snapshotWrites);
    this.state = 'stopped';
    this.gcObserver.disconnect();
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
    this.resolveDone();
  }
}
