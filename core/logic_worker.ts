/**
 * Business-logic worker entry (spawned by engine.ts with LogicWorkerData, engine_worker_protocol.ts).
 *
 *   1. builds the state machine and runs recovery (snapshot + journal replay), then reports
 *      { type: 'ready', lastSequence };
 *   2. receives { type: 'start', inputRingMemory, outputRingMemory } — both rings begin at
 *      lastSequence + 1 — and applies every input record in sequence, writing one result per input
 *      into the output ring (result sequence = input sequence);
 *   3. on a SNAPSHOT command or every snapshotEveryCommands commands, posts { type: 'snapshot',
 *      sequence } and goes on: the snapshot shadow (replay/shadow_replay.ts) replays the journal to that
 *      sequence and writes the snapshot, so this thread never stops to export its state. Every
 *      shadowCatchUpEveryCommands commands it posts { type: 'shadowCatchUp', sequence } so the shadow
 *      follows in batches. Both go in apply order, so the shadow's requests ascend;
 *   4. when the input ring is halted and drained, halts the output ring and reports { type: 'stopped' }.
 *
 * The apply loop allocates nothing per record, and its waits read no clock (a clock read allocates a
 * heap number). It returns to the event loop about once a second under load (TURN_EVERY_MS) and once
 * when it has gone idle, so GC events of this thread get counted; after that it parks until the next
 * publish.
 */
import { once } from 'node:events';
import { setImmediate as immediate } from 'node:timers/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { CmdHeader, CommandType, FIRST_SEQUENCE } from '../codec/records/command_descriptor.ts';
import { ResHeader, RESULT_FLAG_DUPLICATE } from '../codec/records/result_descriptor.ts';
import { ResultCode } from '../codec/result_codes.ts';
import type { LogicStartMessage, LogicWorkerData, RecoveredEvents, WorkerReport } from './engine_worker_protocol.ts';
import { NewestEventsSink } from './logic/event_emitter.ts';
import { INPUT_CONSUMER_LOGIC } from './engine_worker_protocol.ts';
import type { LogicConfig, StateMachine } from './logic/state_machine_api.ts';
import { LogicSlot, MetricsLine, metricsIndex } from './metrics_descriptor.ts';
import { BatchConsumer, HALTED } from './ring/batch_consumer.ts';
import { Ring } from './ring/ring.ts';
import { RingEventSink } from './events_ring_sink.ts';
import { SingleProducerSequencer } from './ring/single_producer_sequencer.ts';
import { createWaitStrategy } from './ring/wait_strategy.ts';
import { MonotonicClock } from './monotonic_clock.ts';
import { StageStamper } from './stage_stamper.ts';
import { observeThreadGc } from './thread_gc_counter.ts';
import { STAMP_SEQUENCE_SPAN, StampColumn } from './stage_stamps_descriptor.ts';

/**
 * The loop returns to the event loop (where this thread's GC counts get delivered) at most about once
 * per TURN_EVERY_MS while commands keep coming, and once when it has gone idle and stayed so. Each
 * return allocates ~1.2 KB (a promise, an Immediate, the async resume): returning every 1024 batches,
 * and at every idle moment (a gap of a few ms between batches), was the logic thread's last allocation
 * (soak at 200k/s: 220 idle returns in 40 s). GC counts of this thread reach /metrics about that late.
 */
const TURN_EVERY_MS = 1000;
/** applyBatch reads the clock (no allocation) every this many batches to see whether a turn is due. */
const TURN_CHECK_EVERY_BATCHES = 16;
/** How the loop waits for the next batch (see the loop). */
const ACTIVE = 0;
const IDLE = 1;
const PARKED = 2;

interface StateMachineModule {
  createStateMachine(config: LogicConfig): StateMachine;
}
interface RecoveryModule {
  recoverState(sm: StateMachine, options: { dataDir: string; repair: boolean; readerThreadMinBytes?: number; readerThreadHandOverAt?: number }): {
    readonly lastSequence: number; readonly warnings?: readonly string[]; readonly snapshotSequence?: number;
    readonly replayedCount?: number; readonly durationMs?: number;
    readonly pipeline?: { readonly readerStartMs: number; readonly handOverAfterRecords: number } | null;
  };
}
/** An event position's index meaning "every event of the command" (core/event_retention.ts ALL_OF_COMMAND). */
const ALL_EVENTS_OF_COMMAND = 0xffffffff;

const data = workerData as LogicWorkerData;
const port = parentPort;
if (port === null) throw new Error('logic_worker.ts must run as a worker thread');
const post = (message: WorkerReport, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);

const metrics = new Float64Array(data.metricsMemory);
const M_APPLIED = metricsIndex(MetricsLine.LOGIC, LogicSlot.COMMANDS_APPLIED);
const M_BATCHES = metricsIndex(MetricsLine.LOGIC, LogicSlot.BATCHES);
const M_SNAPSHOTS = metricsIndex(MetricsLine.LOGIC, LogicSlot.SNAPSHOTS);
const M_SNAPSHOT_US_LAST = metricsIndex(MetricsLine.LOGIC, LogicSlot.SNAPSHOT_PAUSE_US_LAST);
const M_SNAPSHOT_US_MAX = metricsIndex(MetricsLine.LOGIC, LogicSlot.SNAPSHOT_PAUSE_US_MAX);

const gcObserver = observeThreadGc(metrics, MetricsLine.LOGIC);

const { createStateMachine } = (await import(data.stateMachineModule)) as StateMachineModule;
const sm = createStateMachine(data.logic);
sm.setEventsEnabled(data.events);
// Without recovery the state is empty: sequence 0 (FIRST_SEQUENCE - 1); the first command is FIRST_SEQUENCE.
let lastSequence = FIRST_SEQUENCE - 1;
let warnings: readonly string[] = [];
let recoveredEvents: RecoveredEvents | undefined;
let replaySummary = '';
if (data.recoveryModule !== '') {
  const { recoverState } = (await import(data.recoveryModule)) as RecoveryModule;
  // The replayed commands' events go to the retention window: a subscriber connected before a crash
  // resumes from memory (events_restart.test.ts).
  const replayedEvents = new NewestEventsSink(data.eventRetentionEvents);
  sm.attachEventSink(replayedEvents);
  const report = recoverState(sm, { dataDir: data.dataDir, repair: data.repair, readerThreadMinBytes: data.recoveryReaderThreadMinBytes,
    readerThreadHandOverAt: data.recoveryReaderThreadHandOverAt });
  warnings = report.warnings ?? [];
  lastSequence = report.lastSequence;
  if (report.replayedCount !== undefined && report.durationMs !== undefined) {
    const pipeline = report.pipeline;
    replaySummary = `${report.replayedCount} journal records replayed in ${Math.round(report.durationMs)} ms` +
      (pipeline === null || pipeline === undefined ? '' : pipeline.readerStartMs < 0 ? ' (the reader thread was not needed)'
        : ` (a reader thread ahead of the logic after ${pipeline.handOverAfterRecords} records, ${Math.round(pipeline.readerStartMs)} ms)`);
  }
  const { records, count } = replayedEvents.ordered();
  const fromSnapshot = Math.max(report.snapshotSequence ?? 0, FIRST_SEQUENCE - 1);
  recoveredEvents = replayedEvents.droppedSequence >= 0
    ? { records, count, boundarySequence: replayedEvents.droppedSequence, boundaryIndex: replayedEvents.droppedIndex }
    : { records, count, boundarySequence: fromSnapshot, boundaryIndex: ALL_EVENTS_OF_COMMAND };
}
// Warnings travel in the report: the main thread owns the log stream (cli/logger.ts says why).
post({ type: 'ready', lastSequence, stateHash: sm.stateHash(), memory: sm.memoryReport(), warnings, recoveredEvents, replaySummary,
  principalTable: sm.principalTable?.() ?? null },
  recoveredEvents === undefined ? [] : [recoveredEvents.records]);

const [start] = (await once(port, 'message')) as [LogicStartMessage];
if (start.type !== 'start') throw new Error(`logic worker: expected a start message, got ${String(start.type)}`);
const input = new Ring(start.inputRingMemory);
const output = new Ring(start.outputRingMemory);
const wait = createWaitStrategy(data.waitStrategy);
const events = new RingEventSink(new Ring(start.eventsRingMemory), wait);
sm.attachEventSink(events);
const consumer = new BatchConsumer(input, INPUT_CONSUMER_LOGIC, { waitStrategy: wait, batchMax: data.batchMax });
const results = new SingleProducerSequencer(output);
if (consumer.nextSequence !== lastSequence + 1 || results.lastClaimed !== lastSequence) {
  throw new Error(`logic worker: rings start at ${consumer.nextSequence}/${results.lastClaimed + 1}, recovered state ends at ${lastSequence}`);
}

/** The logic's whole part in a snapshot: one message, timed (the pause the engine's metrics report). */
function snapshot(sequence: number): void {
  const t0 = performance.now();
  post({ type: 'snapshot', sequence });
  const pauseUs = Math.round((performance.now() - t0) * 1000);
  metrics[M_SNAPSHOTS]++;
  metrics[M_SNAPSHOT_US_LAST] = pauseUs;
  if (pauseUs > metrics[M_SNAPSHOT_US_MAX]) metrics[M_SNAPSHOT_US_MAX] = pauseUs;
}

const inBuf = input.buffer;
const outBuf = output.buffer;
// One clock read per batch holding a sampled sequence (1 in SAMPLE_EVERY), outside apply().
const applied = data.stageStampsMemory === undefined ? null : new StageStamper(data.stageStampsMemory, StampColumn.APPLIED_MS);
const snapshotEvery = data.snapshotEveryCommands;
const catchUpEvery = data.shadowCatchUpEveryCommands;
let sinceSnapshot = 0;
let sinceCatchUp = 0;
let batches = 0;
const clock = new MonotonicClock();
/** [now, the last return to the event loop] in ms, read in applyBatch: typed array slots, never a boxed double. */
const turnTimesMs = new Float64Array(2);
const NOW = 0;
const LAST_TURN = 1;
/** Set by applyBatch when TURN_EVERY_MS has passed since the last return to the event loop. */
let turnDue = false;

/**
 * True when the record asks for a snapshot and the logic accepted it: a SNAPSHOT refused (not an admin)
 * or answered from the idempotency table must not pause the logic thread.
 */
function isAcceptedSnapshotCommand(inBase: number, outBase: number): boolean {
  return inBuf.u16[(inBase + CmdHeader.TYPE) >>> 1] === CommandType.SNAPSHOT
    && outBuf.u16[(outBase + ResHeader.CODE) >>> 1] === ResultCode.OK
    && (outBuf.u32[(outBase + ResHeader.FLAGS) >>> 2] & RESULT_FLAG_DUPLICATE) === 0;
}

/**
 * Applies one batch of `count` records; returns nothing, allocates nothing unless a snapshot is due
 * or the batch holds a sampled sequence (its stage stamp reads the clock: a 16-byte heap number).
 */
function applyBatch(count: number): void {
  const first = consumer.nextSequence;
  const firstOut = results.claim(count, wait);
  for (let i = 0; i < count; i++) {
    const inBase = input.slotBase(first + i);
    const outBase = output.slotBase(firstOut + i);
    sm.apply(inBuf, inBase, outBuf, outBase);
    if ((snapshotEvery > 0 && ++sinceSnapshot >= snapshotEvery) || isAcceptedSnapshotCommand(inBase, outBase)) {
      sinceSnapshot = 0;
      sinceCatchUp = 0;
      snapshot(first + i);
    } else if (catchUpEvery > 0 && ++sinceCatchUp >= catchUpEvery) {
      sinceCatchUp = 0;
      post({ type: 'shadowCatchUp', sequence: first + i });
    }
  }
  applied?.stamp((first % STAMP_SEQUENCE_SPAN) | 0, count); // before the results' publish: the main thread reads it after
  events.publish(); // before the results: a released result never runs ahead of its events
  results.publish();
  consumer.release(count);
  metrics[M_APPLIED] += count;
  metrics[M_BATCHES]++;
  if ((++batches & (TURN_CHECK_EVERY_BATCHES - 1)) === 0) { // here, in optimized code, the clock read allocates nothing
    clock.readMsInto(turnTimesMs, NOW);
    if (turnTimesMs[NOW] - turnTimesMs[LAST_TURN] >= TURN_EVERY_MS) turnDue = true;
  }
}

// ACTIVE: wait until the wait strategy counts this thread idle (spin_park: where it would park; no
// clock read). Idle with a turn due: return to the event loop, then PARKED: park without a deadline
// until the gateway publishes (its notify wakes us): an idle engine costs about no CPU. Idle with no
// turn due: IDLE, one park step more (≤ PARK_MAX_MS, 1 s), then the turn — so a gap of a few ms under
// load costs no turn, and an engine that stopped receiving still delivers its GC counts within ~1 s.
let waiting = ACTIVE;
for (;;) {
  const count: number = waiting === PARKED ? consumer.waitFor() : consumer.waitUntilIdle(waiting === IDLE ? 1 : 0);
  if (count === HALTED) break;
  if (count > 0) {
    applyBatch(count);
    waiting = ACTIVE;
    if (!turnDue) continue;
  } else if (!turnDue && waiting === ACTIVE) {
    waiting = IDLE;
    continue;
  } else {
    waiting = PARKED;
  }
  await immediate();
  turnDue = false;
  clock.readMsInto(turnTimesMs, LAST_TURN);
}
output.halt();
await immediate();
gcObserver.disconnect();
post({ type: 'stopped' });
