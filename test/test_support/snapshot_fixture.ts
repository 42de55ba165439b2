/**
 * Snapshot-upgrade fixtures: the business-logic state after a long random stream (every command
 * family, resting and ended orders, stops, OCO, short positions, liquidations, pending transfers,
 * seats, idempotency entries), written as a real snapshot file by the build of the day, plus a
 * continuation (more commands and a sweep of lookups) with the answers that build gave after it.
 *
 * A later build must load every committed fixture and give the same answers: a state section whose
 * meaning changed while its name and size stayed would load silently and answer differently; the test
 * (test/snapshot_upgrade.test.ts) says so. `npm run fixture:snapshot` writes a fixture for today's layout.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import type { CommandSpec } from '../../core/logic/test_support/command_writer.ts';
import { LogicHarness, type HarnessHeader } from '../../core/logic/test_support/logic_harness.ts';
import { ReferenceModel, type Outcome } from '../../core/logic/test_support/reference_model.ts';
import { summarizeResult } from '../../core/logic/test_support/result_summary.ts';
import {
  ACCOUNTS, accountId, headerFor, opArb, RANDOM_STREAM_CONFIG, resolve, setup,
} from '../../core/logic/test_support/random_stream.ts';
import { ADMIN } from '../../core/logic/test_support/scenario_table.ts';
import { createStateMachine } from '../../core/logic/state_machine.ts';
import type { LogicConfig, StateSection } from '../../core/logic/state_machine_api.ts';
import { snapshotFileName } from '../../journal/snapshot_descriptor.ts';
import { snapshotDir } from '../../journal/snapshot_file.ts';

export const SNAPSHOT_FIXTURES_DIR = new URL('../fixtures/snapshots/', import.meta.url);
export const FIXTURE_SNAPSHOT_FILE = 'state.snapshot.gz';
export const FIXTURE_STREAM_FILE = 'stream.json.gz';
/**
 * Present when a later build stopped loading the fixture on purpose: one line naming that build and the
 * section that changed. The test then checks that the refusal is loud (start-up stops, naming it).
 */
export const FIXTURE_REFUSED_FILE = 'refused-since.txt';

export interface FixtureStep {
  readonly header: HarnessHeader;
  readonly spec: CommandSpec;
  readonly outcome: Outcome;
}

/** What stream.json.gz holds beside the snapshot. */
export interface FixtureStream {
  /** The build that wrote it (package version and commit) and when. */
  readonly writtenBy: string;
  readonly config: LogicConfig;
  readonly snapshotSequence: number;
  readonly stateHash: string;
  /** Commands applied after loading the snapshot, with the answers the writing build gave. */
  readonly continuation: readonly FixtureStep[];
}

export interface BuiltFixture {
  readonly sections: StateSection[];
  readonly stream: Omit<FixtureStream, 'writtenBy'>;
}

const STREAM_OPS = 4000;
const STREAM_SEED = 42;
const CONTINUATION_OPS = 300;
const CONTINUATION_SEED = 7;

/** Runs the fixture's stream with this build: the state to snapshot and the continuation's answers. */
export function buildSnapshotFixture(): BuiltFixture {
  const config = RANDOM_STREAM_CONFIG;
  const machine = createStateMachine(config);
  const harness = new LogicHarness(machine);
  const ref = new ReferenceModel(config.idempotencyWindow, config.doneOrderWindow);
  const step = (who: HarnessHeader, spec: CommandSpec): Outcome => {
    const header = { ...who, sequence: harness.nextSequence };
    const outcome = summarizeResult(harness.run(header, spec));
    ref.apply(header, spec);
    return outcome;
  };
  for (const { who, spec } of setup()) step(who, spec);
  for (const op of fc.sample(fc.array(opArb, { minLength: STREAM_OPS, maxLength: STREAM_OPS }), { numRuns: 1, seed: STREAM_SEED })[0]) {
    const { account, spec } = resolve(op, ref);
    step(headerFor(op, account, spec), spec);
  }
  const sections = machine.exportState();
  const snapshotSequence = machine.lastAppliedSequence;
  const stateHash = machine.stateHash();

  const continuation: FixtureStep[] = [];
  const record = (header: HarnessHeader, spec: CommandSpec): void => { continuation.push({ header, spec, outcome: step(header, spec) }); };
  for (const op of fc.sample(fc.array(opArb, { minLength: CONTINUATION_OPS, maxLength: CONTINUATION_OPS }), { numRuns: 1, seed: CONTINUATION_SEED })[0]) {
    const { account, spec } = resolve(op, ref);
    record(headerFor(op, account, spec), spec);
  }
  // A sweep of lookups over everything the stream touched, ended orders included.
  for (let k = 0; k < ACCOUNTS; k++) {
    for (const assetId of [1, 2, 3]) record(ADMIN, { kind: 'getBalance', accountId: accountId(k), assetId });
    for (const symbolId of [1, 2]) record(ADMIN, { kind: 'getPosition', accountId: accountId(k), symbolId });
  }
  for (const itemId of ref.items.keys()) record(ADMIN, { kind: 'getItem', itemId });
  for (const [eventId, ev] of ref.events) ev.holders.forEach((_, seat) => record(ADMIN, { kind: 'getSeat', eventId, seat }));
  for (const symbolId of ref.symbols.keys()) {
    record(ADMIN, { kind: 'getDepth', symbolId, levels: 1000 });
    for (let orderId = 1; orderId <= harness.nextSequence; orderId += 7) record(ADMIN, { kind: 'getOrder', symbolId, orderId });
  }
  return { sections, stream: { config, snapshotSequence, stateHash, continuation } };
}

/** Section names and sizes: what a layout is, as far as a snapshot can tell. */
export function layoutOf(sections: readonly StateSection[]): string[] {
  return sections.map((s) => `${s.name}:${s.bytes.byteLength}`);
}

/** A short fingerprint of a layout, for the fixture's folder name. */
export function layoutFingerprint(sections: readonly StateSection[]): string {
  return createHash('sha256').update(layoutOf(sections).join('\n')).digest('hex').slice(0, 8);
}

/** The committed fixtures, oldest first (folder names start with the date they were written). */
export function listSnapshotFixtures(): string[] {
  return readdirSync(SNAPSHOT_FIXTURES_DIR, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
}

/** Why a later build refuses the fixture (FIXTURE_REFUSED_FILE), or null when it must load. */
export function fixtureRefusal(name: string): string | null {
  const path = new URL(`${name}/${FIXTURE_REFUSED_FILE}`, SNAPSHOT_FIXTURES_DIR);
  return existsSync(path) ? readFileSync(path, 'utf8').trim() : null;
}

export function readFixtureStream(name: string): FixtureStream {
  return JSON.parse(gunzipSync(readFileSync(new URL(`${name}/${FIXTURE_STREAM_FILE}`, SNAPSHOT_FIXTURES_DIR))).toString('utf8')) as FixtureStream;
}

/** The fixture's snapshot file, unpacked into `<dataDir>/snapshots/` where recovery looks for it. */
export function unpackFixtureSnapshot(name: string, dataDir: string, sequence: number): string {
  const dir = snapshotDir(dataDir);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, snapshotFileName(sequence));
  writeFileSync(path, gunzipSync(readFileSync(new URL(`${name}/${FIXTURE_SNAPSHOT_FILE}`, SNAPSHOT_FIXTURES_DIR))));
  return path;
}
