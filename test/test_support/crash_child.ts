/**
 * A crash-test engine in one child process: recovery, then the input ring with the business logic
 * (consumer 0, on this thread) and the real journaler worker (consumer 1) in parallel, and a
 * snapshot every `snapshotEvery` commands through writeSnapshot (gated on the journal; the last 3
 * snapshots and the whole journal are kept so the test can replay from FIRST_SEQUENCE). A command
 * is acknowledged — `ACK <sequence>` on stdout — only once the journaler's sequence (the durable
 * sequence) has passed it, exactly as the gateway gates replies.
 *
 *   node --import tsx test/test_support/crash_child.ts <dataDir> <durability> <snapshotEvery> [<maxPerSecond>] [<segmentBytes>] [prepare]
 *
 * stdout: `READY <lastSequence> <stateHash>` after recovery, then `ACK <sequence>` lines, and
 * `STOPPED <lastSequence> <stateHash>` after a graceful stop (a line "stop" on stdin).
 * The parent kills it with SIGKILL at random moments; nothing here tries to survive that.
 */
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import { FIRST_SEQUENCE } from '../../codec/records/command_descriptor.ts';
import { createRecordBuffer } from '../../codec/records/record_buffer.ts';
import { RES_MAX_RECORD_BYTES } from '../../codec/records/result_descriptor.ts';
import { INPUT_CONSUMER_JOURNALER, INPUT_CONSUMER_LOGIC } from '../../core/engine_worker_protocol.ts';
import { createMetricsMemory } from '../../core/metrics_descriptor.ts';
import { createStateMachine } from '../../core/logic/state_machine.ts';
import { BatchConsumer } from '../../core/ring/batch_consumer.ts';
import { Ring, createRingMemory } from '../../core/ring/ring.ts';
import { SingleProducerSequencer } from '../../core/ring/single_producer_sequencer.ts';
import { createWaitStrategy } from '../../core/ring/wait_strategy.ts';
import { spawnWorker } from '../../core/spawn_worker.ts';
import { validateJournalOptions, type Durability } from '../../journal/journal_options.ts';
import { writeSnapshot } from '../../journal/snapshot_store.ts';
import { recoverState } from '../../replay/recovery.ts';
import { SMALL_LOGIC_CONFIG, writeWorkloadRecord } from '../../journal/test_support/ledger_workload.ts';
import { TEST_WORKLOAD } from '../../journal/test_support/journal_fixture.ts';

const [dataDir, durabilityArg, snapshotEveryArg, maxPerSecondArg, segmentBytesArg, prepareArg] = process.argv.slice(2);
const maxPerMs = Number(maxPerSecondArg ?? '0') / 1000;
const durability = (durabilityArg ?? 'fsync') as Durability;
const snapshotEvery = Number(snapshotEveryArg ?? '0');
const say = (line: string): void => {
  process.stdout.write(line + '\n');
};

const sm = createStateMachine(SMALL_LOGIC_CONFIG);
const report = recoverState(sm, { dataDir, repair: false });
for (const warning of report.warnings) process.stderr.write(`crash_child: ${warning}\n`);
const firstSequence = report.lastSequence + 1;

const inputRingMemory = createRingMemory({ capacity: 4096, consumerCount: 2, firstSequence });
const ring = new Ring(inputRingMemory);
const journaler = spawnWorker(new URL('../../journal/journaler_worker.ts', import.meta.url), {
  inputRingMemory, consumerIndex: INPUT_CONSUMER_JOURNALER, metricsMemory: createMetricsMemory(), firstSequence,
  waitStrategy: 'spin_park', batchMax: 1024, journal: validateJournalOptions({
    dataDir, durability, prepareSegments: prepareArg === 'prepare', ...(segmentBytesArg === undefined ? {} : { segmentBytes: Number(segmentBytesArg) }),
  }),
});
journaler.on('error', (error) => {
  process.stderr.write(`crash_child: journaler failed: ${error.message}\n`);
  process.exit(3);
});
await new Promise<void>((resolve) => journaler.once('message', () => resolve()));
say(`READY ${report.lastSequence} ${sm.stateHash()}`);

const producer = new SingleProducerSequencer(ring);
const logic = new BatchConsumer(ring, INPUT_CONSUMER_LOGIC, { waitStrategy: createWaitStrategy('spin_yield'), batchMax: 256 });
const durable = ring.consumers[INPUT_CONSUMER_JOURNALER];
const out = createRecordBuffer(new ArrayBuffer(RES_MAX_RECORD_BYTES));
let acked = firstSequence - 1;
let stopping = false;
let snapshotting: Promise<void> | null = null;
process.stdin.on('data', (chunk) => {
  if (String(chunk).includes('stop')) stopping = true;
});

const startedMs = performance.now();
while (!stopping) {
  if (maxPerMs > 0 && producer.lastClaimed - firstSequence > (performance.now() - startedMs) * maxPerMs) {
    await sleep(1);
    continue;
  }
  // Publish a batch of the workload (the record for sequence i is always the same command; the
  // workload's first record, its createAsset, is the engine's first command: FIRST_SEQUENCE).
  const n = 1 + (producer.lastClaimed & 63);
  const first = producer.tryClaim(n);
  if (first >= 0) {
    for (let i = 0; i < n; i++) writeWorkloadRecord(TEST_WORKLOAD, ring.buffer, ring.slotBase(first + i), first + i, FIRST_SEQUENCE);
    producer.publish();
  }
  // The business logic applies what is published (in parallel with the journaler).
  const count = logic.poll();
  for (let i = 0; i < count; i++) {
    const sequence = logic.nextSequence + i;
    sm.apply(ring.buffer, ring.slotBase(sequence), out, 0);
    if (snapshotEvery > 0 && snapshotting === null && sequence % snapshotEvery === 0 && sequence > 0) {
      snapshotting = writeSnapshot(dataDir, sequence, sm.exportState(), sm.stateHash(), {
        keep: 3, retireJournal: false, durableGate: { memory: inputRingMemory, valueIndex: durable.valueIndex },
      }).then(() => {
        snapshotting = null;
      }, (error: Error) => {
        process.stderr.write(`crash_child: snapshot failed: ${error.message}\n`);
        process.exit(4);
      });
    }
  }
  if (count > 0) logic.release(count);
  // Acknowledge what the journaler has made durable (results are released only up to it).
  const durableNow = Math.min(durable.load(acked), logic.nextSequence - 1);
  if (durableNow > acked) {
    acked = durableNow;
    say(`ACK ${acked}`);
  }
  await yieldToLoop();
}

ring.halt();
await new Promise((resolve) => journaler.once('exit', resolve));
if (snapshotting !== null) await snapshotting;
say(`STOPPED ${sm.lastAppliedSequence} ${sm.stateHash()}`);
process.exit(0);
