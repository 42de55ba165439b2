/**
 * The one wiring file: which threads exist, which rings join them, who gates on whom. The parts it
 * wires live beside it: start_worker.ts, engine_workers.ts, release_gate.ts, engine_metrics.ts,
 * snapshot_scheduler.ts, ring_sequences.ts, and core/input_publisher.ts (the input ring's one
 * producer). What callers hold, the Engine interface, is engine_api.ts.
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
 * 2. Input ring: the gateway (this thread) is its single producer (RingInputPublisher); the producer
 *    gates on the minimum of all its consumers (logic, journaler), which read it in parallel.
 * 3. Journaler worker: consumes the same records, releases a batch only once it is durable.
 *    3b. Replicator worker (when configured): a third parallel consumer; its sequence is the replicated one.
 * 4. Output ring: the logic worker produces one result per input; this thread consumes it through the
 *    release gate (release_gate.ts), which hands results over in order once durable (and replicated).
 * 5. Snapshots: the logic only posts "snapshot at N" (and "catch up to N" hints); once N is durable this
 *    thread hands it to the snapshot shadow, a second state machine in a low-priority thread that
 *    replays the journal to N and writes the snapshot (snapshot_scheduler.ts): the logic never stops.
 * 6. Stop: refuse new claims, halt the input ring; logic and journaler drain and stop; every durable
 *    result is delivered. A worker that dies takes the engine down (onFatal) with its message.
 */
import type { PerformanceObserver } from 'node:perf_hooks';
import { FIRST_SEQUENCE } from '../codec/records/command_descriptor.ts';
import type { EngineSequences, InputPublisher, ResultListener } from '../core/engine_api.ts';
import {
  INPUT_CONSUMER_JOURNALER, INPUT_CONSUMER_REPLICATOR,
  type EngineCommand, type FollowerProgress, type LogicStartMessage, type LogicWorkerData, type ReplicatorWorkerData, type WorkerReport,
} from '../core/engine_worker_protocol.ts';
import { RingInputPublisher } from '../core/input_publisher.ts';
import { createMetricsMemory, JournalerSlot, MetricsLine, metricsIndex } from '../core/metrics_descriptor.ts';
import { observeThreadGc } from '../core/thread_gc_counter.ts';
import { createJournalMetricsMemory } from '../journal/journal_metrics_descriptor.ts';
import { Ring, createRingMemory } from '../core/ring/ring.ts';
import { SingleProducerSequencer } from '../core/ring/single_producer_sequencer.ts';
import type { JournalerWorkerData } from '../journal/journaler_worker_data.ts';
import type { Engine } from './engine_api.ts';
import { CommandLatency } from './command_latency.ts';
import { StageLatency } from './stage_latency.ts';
import { engineHistograms, readEngineMetrics, type EngineHistograms, type EngineMetrics } from './engine_metrics.ts';
import { validateEngineOptions, type EngineOptions, type ResolvedEngineOptions } from './engine_options.ts';
import { EngineWorkers, type EngineWorker } from './engine_workers.ts';
import { ReleaseGate } from './release_gate.ts';
import { EventFeed } from '../core/event_feed.ts';
import { EventRetention } from '../core/event_retention.ts';
import { EVT_RECORD_BYTES } from '../codec/records/event_descriptor.ts';
import type { EngineEvents } from '../core/engine_api.ts';
import { runnableModuleUrl } from '../core/module_url.ts';
import { RingSequences } from './ring_sequences.ts';
import { Settlement } from './settlement.ts';
import { SHADOW_CATCH_UP_EVERY, SnapshotScheduler } from './snapshot_scheduler.ts';
import { startWorker } from './start_worker.ts';
import { applyWorkerHeapFlags } from './worker_heap_flags.ts';

export type { Engine } from './engine_api.ts';

type EngineState = 'running' | 'stopping' | 'stopped' | 'failed';
const STORAGE_FAULT = metricsIndex(MetricsLine.JOURNALER, JournalerSlot.STORAGE_FAULT);
type Ready = Extract<WorkerReport, { type: 'ready' }>;

export async function startEngine(options: EngineOptions): Promise<Engine> {
  const opts = validateEngineOptions(options);
  const metricsMemory = createMetricsMemory();
  const journalMetricsMemory = createJournalMetricsMemory();
  // Stage stamps of sampled commands: a sequence is in flight for at most both rings' capacity.
  const stages = new StageLatency(opts.ringCapacity + opts.outputRingCapacity);
  const ring = { waitStrategy: opts.waitStrategy, batchMax: opts.batchMax, metricsMemory, stageStampsMemory: stages.memory };
  applyWorkerHeapFlags(); // before the first worker: no heap-shrinking collections in the logic thread

  // 1. Logic worker: state machine + recovery, then ready with the last recovered sequence.
  const logicData: LogicWorkerData = {
    ...ring, dataDir: opts.dataDir, repair: opts.repair, logic: opts.logic, stateMachineModule: runnableModuleUrl(opts.stateMachineModule).href,
    recoveryModule: opts.recoveryModule === null ? '' : runnableModuleUrl(opts.recoveryModule).href, snapshotEveryCommands: opts.snapshotEveryCommands,
    shadowCatchUpEveryCommands: opts.snapshotEveryCommands > SHADOW_CATCH_UP_EVERY ? SHADOW_CATCH_UP_EVERY : 0,
    eventRetentionEvents: opts.eventRetentionEvents, events: opts.events, recoveryReaderThreadMinBytes: opts.recoveryReaderThreadMinBytes,
    recoveryReaderThreadHandOverAt: opts.recoveryReaderThreadHandOverAt,
  };
  const logic = await startWorker('logic', new URL('../core/logic_worker.ts', import.meta.url), logicData);
  const ready = logic.ready as Ready;
  for (const warning of ready.warnings ?? []) opts.log(`recovery: ${warning}`, 'warn');
  // Sequence 0 is the empty state: the first command of a new engine is FIRST_SEQUENCE.
  const firstSequence = Math.max(ready.lastSequence + 1, FIRST_SEQUENCE);

  // 2. Rings from lastSequence + 1; the logic consumes the input ring and produces the output ring.
  const consumerCount = opts.replicator === null ? 2 : 3;
  const inputRingMemory = createRingMemory({ capacity: opts.ringCapacity, consumerCount, firstSequence });
  const outputRingMemory = createRingMemory({ capacity: opts.outputRingCapacity, consumerCount: 1, firstSequence });
  // 2b. The events ring: the logic writes event records beside its results; this thread reads them (event_feed.ts).
  const eventsRingMemory = createRingMemory({ capacity: opts.eventsRingCapacity, consumerCount: 1, firstSequence: 0, slotBytes: EVT_RECORD_BYTES });
  const start: LogicStartMessage = { type: 'start', inputRingMemory, outputRingMemory, eventsRingMemory };
  logic.worker.postMessage(start);
  const workers: EngineWorker[] = [{ role: 'logic', worker: logic.worker }];
  try {
    // 3. Journaler on the input ring, in parallel with the logic.
    const journalData: JournalerWorkerData = {
      ...ring, inputRingMemory, consumerIndex: INPUT_CONSUMER_JOURNALER, firstSequence, journal: opts.journal, journalMetricsMemory,
    };
    workers.push({ role: 'journaler', worker: (await startWorker('journaler', opts.journalerEntry, journalData)).worker });
    // 3b. Replicator (when configured): a third parallel consumer.
    if (opts.replicator !== null) {
      const replicatorData: ReplicatorWorkerData = {
        ...ring, inputRingMemory, consumerIndex: INPUT_CONSUMER_REPLICATOR, firstSequence, dataDir: opts.dataDir, options: opts.replicator.options,
      };
      workers.push({ role: 'replicator', worker: (await startWorker('replicator', opts.replicator.entry, replicatorData)).worker });
    }
  } catch (error) {
    await Promise.all(workers.map((w) => w.worker.terminate()));
    throw error;
  }
  const metricsViews = { engine: new Float64Array(metricsMemory), journal: new Float64Array(journalMetricsMemory) };
  return new RunningEngine(opts, metricsViews, ready, new Ring(inputRingMemory), new Ring(outputRingMemory), new Ring(eventsRingMemory), workers, stages);
}

class RunningEngine implements Engine {
  readonly input: InputPublisher;
  private readonly publisher: RingInputPublisher;
  readonly recoveredSequence: number;
  readonly recoveredStateHash: string;
  readonly recoveryReplay: string;
  readonly logicMemory: readonly { readonly name: string; readonly bytes: number }[];
  /** The logic's replicated principal table (shared memory the logic thread writes), or null. */
  readonly principalTable: SharedArrayBuffer | null;
  readonly done: Promise<void>;
  private state: EngineState = 'running';
  private readonly producer: SingleProducerSequencer;
  private readonly gate: ReleaseGate;
  private readonly eventFeed: EventFeed;
  readonly events: EngineEvents;
  private readonly snapshots: SnapshotScheduler;
  private readonly ringSequences: RingSequences;
  private readonly workers: EngineWorkers;
  /** The replicator's last report of its followers (empty without replication). */
  private followers: readonly FollowerProgress[] = [];
  private readonly gcObserver: PerformanceObserver;
  private readonly settlement = new Settlement();
  private readonly metricsView: Float64Array;
  private readonly journalMetrics: Float64Array;
  private readonly latency: CommandLatency;
  private stopPromise: Promise<void> | null = null;
  private drainedWaiter: (() => void) | null = null;
  private leadingWaiter: { readonly epoch: number; readonly resolve: () => void } | null = null;

  constructor(
    private readonly opts: ResolvedEngineOptions,
    metricsViews: { readonly engine: Float64Array; readonly journal: Float64Array },
    ready: Ready,
    private readonly inputRing: Ring,
    outputRing: Ring,
    eventsRing: Ring,
    workers: readonly EngineWorker[],
    private readonly stages: StageLatency,
  ) {
    this.metricsView = metricsViews.engine;
    this.journalMetrics = metricsViews.journal;
    const metricsView = this.metricsView;
    // A sequence can be published and not yet released for at most both rings' capacity.
    this.latency = new CommandLatency(inputRing.capacity + outputRing.capacity);
    this.recoveredSequence = ready.lastSequence;
    this.recoveredStateHash = ready.stateHash ?? '';
    this.recoveryReplay = ready.replaySummary ?? '';
    this.logicMemory = ready.memory ?? [];
    this.principalTable = ready.principalTable ?? null;
    this.producer = new SingleProducerSequencer(inputRing);
    this.input = this.publisher = new RingInputPublisher(inputRing, this.producer, {
      stampTimestamps: opts.stampTimestamps, accepting: () => this.accepting,
      onPublished: (first, last, nowMs) => this.latency.published(first, last, nowMs), stages,
    });
    this.ringSequences = new RingSequences(inputRing, opts.replicator !== null);
    // 4. The release gate; 5. snapshots, written as durability advances.
    this.snapshots = new SnapshotScheduler({
      dataDir: opts.dataDir, snapshotsKept: opts.snapshotsKept, keepJournal: opts.keepJournal, logic: opts.logic, stateMachineModule: opts.stateMachineModule,
      recoveryModule: opts.recoveryModule, log: opts.log, settledAt: (sequence, written) => this.gate.snapshotSettled(sequence, written),
    });
    const gateOnReplicated = opts.replicator !== null && opts.replicator.mode === 'sync';
    const { durableIndex, replicatedIndex } = this.ringSequences;
    // 4b. Events: released by the same rule as results (durable, and replicated under sync replication).
    this.eventFeed = new EventFeed({
      eventsRing, inputRing, durableIndex, replicatedIndex: gateOnReplicated ? replicatedIndex : -1, produced: () => this.gate.produced,
    }, recoveredRetention(opts.eventRetentionEvents, ready));
    this.events = { enabled: opts.events, feed: this.eventFeed, dataDir: opts.dataDir, logic: opts.logic, replayWorkerEntry: EVENT_REPLAY_WORKER };
    this.gate = new ReleaseGate(inputRing, outputRing, durableIndex, gateOnReplicated ? replicatedIndex : -1, metricsView, {
      afterTurn: () => {
        this.eventFeed.drain();
        this.writeDurableSnapshots();
        this.checkDrained();
      },
      fail: (error) => this.fail(error),
      live: () => this.state !== 'failed',
      released: (first, count) => {
        const nowMs = performance.now(); // one clock read per released batch, after its replies were written
        this.latency.released(first, count, nowMs);
        this.stages.released(first, count, nowMs);
      },
    });
    this.done = this.settlement.promise;
    this.gcObserver = observeThreadGc(metricsView, MetricsLine.MAIN);
    this.eventFeed.drain();
    this.workers = new EngineWorkers(workers, {
      snapshot: (report) => {
        this.snapshots.add(report);
        this.writeDurableSnapshots();
      },
      leading: (epoch) => {
        const waiter = this.leadingWaiter;
        if (waiter === null || waiter.epoch !== epoch) return;
        this.leadingWaiter = null;
        waiter.resolve();
      },
      followers: (followers) => { this.followers = followers; },
      stopped: () => this.checkDrained(),
      fatal: (error) => this.fail(error),
      state: () => this.state,
    });
  }

  /** Hands the shadow the snapshots that are durable now; wakes the gate when the journal gets further. */
  private writeDurableSnapshots(): void {
    this.snapshots.writeDurable(this.sequences().durable);
    if (this.snapshots.waiting) this.gate.awaitDurable();
  }

  get accepting(): boolean {
    return this.state === 'running';
  }

  onResult(listener: ResultListener): void {
    this.gate.setListener(listener);
    this.gate.drain();
  }

  async lead(epoch: number, epochStart: number): Promise<void> {
    const replicator = this.workers.worker('replicator');
    if (replicator === null || this.opts.replicator?.options.dormant !== true) throw new Error('engine.lead needs a dormant replicator (replication option dormant)');
    if (this.state !== 'running') throw new Error(`engine.lead: the engine is ${this.state}`);
    const published = this.producer.lastPublished;
    if (epochStart !== published || this.sequences().durable !== published) {
      throw new Error(`engine.lead: epoch ${epoch} starts after ${epochStart}, but ${published} is published and ${this.sequences().durable} durable`);
    }
    const listening = new Promise<void>((resolve, reject) => {
      this.leadingWaiter = { epoch, resolve };
      void this.done.catch(reject);
    });
    const command: EngineCommand = { type: 'lead', epoch, epochStart };
    replicator.postMessage(command);
    await listening;
    this.publisher.startStampingTimestamps();
  }

  storageFault(): number {
    return this.metricsView[STORAGE_FAULT];
  }

  sequences(): EngineSequences {
    return this.ringSequences.read(this.producer.lastPublished, this.gate.released);
  }

  metrics(): EngineMetrics {
    return readEngineMetrics(this.metricsView, this.sequences(), this.gate.produced, {
      waitStrategy: this.opts.waitStrategy, ringCapacity: this.inputRing.capacity, replicationMode: this.opts.replicator?.mode ?? null,
    }, this.followers);
  }

  histograms(): EngineHistograms {
    return engineHistograms(this.journalMetrics, this.latency, this.stages);
  }

  stop(): Promise<void> {
    this.stopPromise ??= this.doStop();
    return this.stopPromise;
  }

  private fail(error: Error): void {
    if (this.state === 'failed' || this.state === 'stopped') return;
    this.state = 'failed';
    this.gcObserver.disconnect();
    void Promise.all([this.workers.terminate(), this.snapshots.close()]).finally(() => {
      this.settlement.reject(error);
      this.drainedWaiter?.();
      this.opts.onFatal(error);
    });
  }

  private checkDrained(): void {
    if (this.drainedWaiter === null) return;
    if (this.workers.allStopped && this.gate.released === this.producer.lastPublished && this.gate.heldCount === 0) this.drainedWaiter();
  }

  // 6. Stop: no new claims, halt the input ring, drain every worker and every durable result.
  private async doStop(): Promise<void> {
    if (this.state !== 'running') {
      if (this.state === 'failed') await this.done;
      return;
    }
    this.state = 'stopping';
    this.input.publish(); // anything claimed but unpublished goes out with the rest
    const drained = new Promise<void>((resolve) => { this.drainedWaiter = resolve; });
    if (!this.gate.hasListener) this.gate.setListener(() => undefined); // results still have to be taken off the ring
    this.inputRing.halt();
    this.gate.drain();
    this.checkDrained();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(true), this.opts.stopTimeoutMs); });
    const stuck = await Promise.race([drained.then(() => false), timedOut]);
    clearTimeout(timer);
    if ((this.state as EngineState) === 'failed') return this.done;
    if (stuck) {
      // A worker that does not drain (a stuck socket, a hung disk) must not keep the process alive: what
      // was not released by now was never acknowledged, so terminating loses nothing a client was told.
      this.opts.log(`ringline: workers did not drain within ${this.opts.stopTimeoutMs} ms (stopTimeoutMs); terminating them; ` +
        `${this.producer.lastPublished - this.gate.released} results were not released`);
    }
    await this.snapshots.settled();
    this.state = 'stopped';
    this.gcObserver.disconnect();
    await Promise.all([this.workers.terminate(), this.snapshots.close()]);
    this.settlement.resolve();
  }
}

/** The worker that rebuilds events older than the retention window from the journal. */
const EVENT_REPLAY_WORKER = new URL('../replay/event_replay_worker.ts', import.meta.url);

/** The retention window, holding the events of the commands the recovery replayed (when it sent them). */
function recoveredRetention(capacityEvents: number, ready: Ready): EventRetention {
  const retention = new EventRetention(capacityEvents, ready.lastSequence);
  const recovered = ready.recoveredEvents;
  if (recovered !== undefined) retention.prefill(recovered.records, recovered.count, recovered.boundarySequence, recovered.boundaryIndex);
  return retention;
}
