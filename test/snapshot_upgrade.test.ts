// Upgrades: a snapshot written by an earlier build (committed under test/fixtures/snapshots/) must
// recover with this build through the real recovery path and answer every later command exactly as the
// build that wrote it did. A state section whose meaning changed while its name and size stayed would
// load without a word and answer differently; this is where that shows. Rename such a section (old
// snapshots are then refused by name, loudly) or convert it on import, and add a fixture for the new
// layout with `npm run fixture:snapshot`. A fixture refused on purpose (its refused-since.txt names the
// build and the section) must be refused loudly: start-up stops, it never starts from an older state.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LogicHarness } from '../core/logic/test_support/logic_harness.ts';
import { summarizeResult } from '../core/logic/test_support/result_summary.ts';
import { createStateMachine } from '../core/logic/state_machine.ts';
import { readSnapshotFile, writeSnapshotFile } from '../journal/snapshot_file.ts';
import { SnapHeader, SNAPSHOT_VERSION, SNAPSHOT_VERSION_DENSE } from '../journal/snapshot_descriptor.ts';
import { recoverState } from '../replay/recovery.ts';
import { useScratchDirs } from '../journal/test_support/scratch_dirs.ts';
import {
  buildSnapshotFixture, fixtureRefusal, layoutOf, listSnapshotFixtures, readFixtureStream, unpackFixtureSnapshot,
} from './test_support/snapshot_fixture.ts';

const scratchDir = useScratchDirs('ringline-upgrade-');

const fixtures = listSnapshotFixtures();

describe('snapshots written by earlier builds', () => {
  it('there is at least one fixture to load', () => {
    expect(fixtures.length).toBeGreaterThan(0);
  });

  for (const name of fixtures.filter((f) => fixtureRefusal(f) !== null)) {
    it(`${name}: refused since ${fixtureRefusal(name)}: start-up stops and says why, it does not start empty`, () => {
      const stream = readFixtureStream(name);
      const dataDir = scratchDir();
      unpackFixtureSnapshot(name, dataDir, stream.snapshotSequence);
      expect(() => recoverState(createStateMachine(stream.config), { dataDir, repair: false }))
        .toThrow(new RegExp(`journal ends at sequence 0, before snapshot ${stream.snapshotSequence}, which could not be used .*importState`));
    });
  }

  for (const name of fixtures.filter((f) => fixtureRefusal(f) === null)) {
    it(`${name}: recovers and answers every later command as the build that wrote it`, () => {
      const stream = readFixtureStream(name);
      const dataDir = scratchDir();
      const path = unpackFixtureSnapshot(name, dataDir, stream.snapshotSequence);
      const machine = createStateMachine(stream.config);
      const report = recoverState(machine, { dataDir, repair: false });
      expect(report.warnings).toEqual([]);
      expect({ snapshot: report.snapshotPath, sequence: report.lastSequence }).toEqual({ snapshot: path, sequence: stream.snapshotSequence });
      const harness = new LogicHarness(machine);
      harness.nextSequence = stream.snapshotSequence + 1;
      stream.continuation.forEach((step, index) => {
        const outcome = summarizeResult(harness.run(step.header, step.spec));
        if (JSON.stringify(outcome) !== JSON.stringify(step.outcome)) {
          expect({ fixture: name, writtenBy: stream.writtenBy, step: index, spec: step.spec, outcome })
            .toEqual({ fixture: name, writtenBy: stream.writtenBy, step: index, spec: step.spec, outcome: step.outcome });
        }
      });
    });
  }

  it('the newest fixture has this build\'s state layout (after a layout change: npm run fixture:snapshot)', () => {
    const newest = fixtures[fixtures.length - 1];
    const stream = readFixtureStream(newest);
    const loaded = readSnapshotFile(unpackFixtureSnapshot(newest, scratchDir(), stream.snapshotSequence));
    expect(layoutOf(buildSnapshotFixture().sections)).toEqual(layoutOf(loaded.sections));
  });

  it('a version-1 file (every section whole) still reads, and reads the same once rewritten as the sparse version 2', () => {
    const dense = fixtures.filter((name) => {
      const stream = readFixtureStream(name);
      return readFileSync(unpackFixtureSnapshot(name, scratchDir(), stream.snapshotSequence)).readUInt16LE(SnapHeader.VERSION) === SNAPSHOT_VERSION_DENSE;
    });
    expect(dense.length).toBeGreaterThan(0);
    for (const name of dense) {
      const stream = readFixtureStream(name);
      const v1 = readSnapshotFile(unpackFixtureSnapshot(name, scratchDir(), stream.snapshotSequence));
      const rewritten = writeSnapshotFile(scratchDir(), v1.sequence, v1.sections, v1.stateHash);
      const v2 = readSnapshotFile(rewritten.path);
      expect(readFileSync(rewritten.path).readUInt16LE(SnapHeader.VERSION)).toBe(SNAPSHOT_VERSION);
      expect(rewritten.fileBytes).toBeLessThan(v1.fileBytes);
      expect({ sequence: v2.sequence, stateHash: v2.stateHash, names: v2.sections.map((s) => s.name) })
        .toEqual({ sequence: v1.sequence, stateHash: v1.stateHash, names: v1.sections.map((s) => s.name) });
      v1.sections.forEach((s, i) => expect(Buffer.from(v2.sections[i].bytes).equals(Buffer.from(s.bytes)), s.name).toBe(true));
    }
  });
});
