/**
 * `npm run fixture:snapshot`: writes a snapshot-upgrade fixture for this build's state layout into
 * test/fixtures/snapshots/<date>-<layout fingerprint>/ (the snapshot file as the engine writes it, and
 * the continuation with this build's answers, both gzipped). Run it when you change the business
 * state's layout; keep every older fixture: test/snapshot_upgrade.test.ts loads them all.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { readSnapshotFile, writeSnapshotFile } from '../../journal/snapshot_file.ts';
import {
  buildSnapshotFixture, FIXTURE_SNAPSHOT_FILE, FIXTURE_STREAM_FILE, layoutFingerprint, layoutOf, listSnapshotFixtures,
  SNAPSHOT_FIXTURES_DIR, unpackFixtureSnapshot, readFixtureStream, type FixtureStream,
} from './snapshot_fixture.ts';

const built = buildSnapshotFixture();
const layout = layoutOf(built.sections).join('\n');
const scratch = mkdtempSync(join(tmpdir(), 'ringline-fixture-'));
try {
  for (const existing of listSnapshotFixtures()) {
    const stream = readFixtureStream(existing);
    const path = unpackFixtureSnapshot(existing, join(scratch, existing), stream.snapshotSequence);
    if (layoutOf(readSnapshotFile(path).sections).join('\n') === layout) {
      console.error(`fixture ${existing} already has this build's state layout: nothing to write`);
      process.exit(2);
    }
  }
  const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  const stream: FixtureStream = { writtenBy: `ringline ${version} (${commit}, ${new Date().toISOString()})`, ...built.stream };
  const { path } = writeSnapshotFile(join(scratch, 'new'), stream.snapshotSequence, built.sections, stream.stateHash);
  const name = `${new Date().toISOString().slice(0, 10)}-${layoutFingerprint(built.sections)}`;
  const dir = fileURLToPath(new URL(`${name}/`, SNAPSHOT_FIXTURES_DIR));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, FIXTURE_SNAPSHOT_FILE), gzipSync(readFileSync(path), { level: 9 }));
  writeFileSync(join(dir, FIXTURE_STREAM_FILE), gzipSync(JSON.stringify(stream), { level: 9 }));
  console.log(`wrote ${dir} (${built.sections.length} sections, ${stream.continuation.length} continuation steps)`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
