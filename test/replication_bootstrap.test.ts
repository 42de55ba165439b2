/**
 * An empty follower joining after the primary's snapshot retention retired the start of its journal:
 * it is seeded from the primary's newest snapshot, catches up from the journal after it, and ends with
 * the primary's state hash (real processes).
 */
import { describe, it, expect } from 'vitest';
import { listSegments } from '../journal/segment_files.ts';
import { listSnapshots } from '../journal/snapshot_file.ts';
import {
  connectClient, drive, replayHash, sendSetup, startFollowerProc, startPrimary, until, writeConfig, type Acked,
  useTestRoot,
} from './test_support/replication_harness.ts';

const root = useTestRoot('ringline-repl-seed-');

describe('follower seeded from a snapshot', () => {
  it('joins after the journal start was retired and ends with the primary\'s state hash', async () => {
    const primaryDir = root.path('primary');
    const followerDir = root.path('follower');
    // Small segments, frequent snapshots, one kept: the first segments are retired during the load.
    const config = writeConfig(root.path(), { journal: { segmentBytes: 65536 }, snapshotEveryCommands: 1000, snapshotsKept: 1 });
    const primary = await startPrimary(primaryDir, config, { mode: 'async' });
    const client = await connectClient(primary.tcpUrl);
    const acked: Acked[] = [];
    await sendSetup(client, acked);
    await until('the primary retired the start of its journal', async () => {
      const stopAt = Date.now() + 300;
      await drive(client, () => Date.now() > stopAt, acked);
      return listSnapshots(primaryDir).length > 0 && listSegments(primaryDir)[0].firstSequence > 0;
    });
    // Snapshots are written behind the logic (by the snapshot shadow): wait until every one the load
    // asked for is written, or a later one could retire the journal after the snapshot the follower
    // is about to be seeded from, before it asks for the records that follow it.
    const lastAcked = acked.reduce((max, a) => Math.max(max, a.response.sequence), 0);
    await until('the primary wrote every snapshot the load asked for', () => listSnapshots(primaryDir).at(-1)?.sequence === Math.floor(lastAcked / 1000) * 1000);

    const follower = await startFollowerProc(followerDir, config, primary.replicationPort, true);
    const seeded = Number((await follower.waitFor(/seeded from the primary's snapshot at sequence (\d+)/))[1]);
    expect(seeded).toBeGreaterThan(0);
    expect(listSegments(primaryDir)[0].firstSequence).toBeGreaterThan(0);
    const stopAt = Date.now() + 500;
    await drive(client, () => Date.now() > stopAt, acked); // and it follows live
    const primaryHash = await client.send({ type: 'getStateHash' });
    await until('the follower caught up', async () => (await follower.health()).durableSequence >= primaryHash.sequence);
    const reader = await connectClient(follower.tcpUrl);
    const followerHash = await reader.send({ type: 'getStateHash' });
    expect(followerHash.result).toEqual(primaryHash.result);
    await reader.close();
    await client.close();
    expect(await follower.kill('SIGTERM'), follower.output()).toBe(0);
    expect(await primary.kill('SIGTERM'), primary.output()).toBe(0);
    const p = replayHash(primaryDir);
    expect(p.lastSequence).toBe(primaryHash.sequence);
    expect(replayHash(followerDir)).toEqual(p);
  }, 60_000);
});
