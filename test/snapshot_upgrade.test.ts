// Upgrades: a snapshot written by an earlier build (committed under test/fixtures/snapshots/) must
// recover with this build through the real recovery path and answer every later command exactly as the
// build that wrote it did. A state section whose meaning changed while its name and size stayed would
// load without a word and answer differently; this is where that shows. Rename such a section (old
// snapshots are then refused by name, loudly) or convert it on import, and add a fixture for the new
// layout with `npm run fixture:snapshot`. A fixture refused on purpose (its refused-since.txt names the
// build and the section) must be refused loudly: start-up stops, it never starts from an older state.
import { describe, expect, it } from 'vitest';
import { LogicHarness } from '../core/logic/test_support/logic_harness.ts';
import { summarizeResult } from '../core/logic/test_support/result_summary.ts';
import { createStateMachine } from '../core/logic/state_machine.ts';
import { readSnapshotFile } from '../journal/snapshot_file.ts';
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
});
