/**
 * History before the oldest kept snapshot, with real engines and real files. With the default
 * retention (here one snapshot kept, small journal segments) the journal before that snapshot is
 * deleted, and a subscriber resuming from the first command is told so with HISTORY_RETIRED (250),
 * a code the client does not retry. With the engine option keepJournal every segment stays, and the
 * same subscriber receives every event since the first command, equal to a journal replay.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EventSubscription } from '../client/event_subscription.ts';
import { RinglineClient } from '../client/ringline_client.ts';
import { decodeEvent, type RinglineEvent } from '../codec/records/event_decoder.ts';
import { EVT_RECORD_BYTES } from '../codec/records/event_descriptor.ts';
import { ResultCode } from '../codec/result_codes.ts';
import { AFTER_ALL_OF_COMMAND } from '../codec/wire/event_frame_descriptor.ts';
import { DEFAULT_LOGIC_CONFIG } from '../core/logic/logic_config.ts';
import { listSegments } from '../journal/segment_files.ts';
import { listSnapshots } from '../journal/snapshot_file.ts';
import { freePort } from '../perf/engine/free_port.ts';
import { replayEvents } from '../replay/event_replay.ts';
import { spawnRingline, type RinglineChild } from './test_support/ringline_child.ts';
import { collect, until } from './test_support/event_collector.ts';

const ADMIN_KEY = 'history-retention-admin-key-0123456789';
const USD = 1;
const TRANSFERS = 1500;

const folders: string[] = [];
const engines: RinglineChild[] = [];
afterAll(async () => {
  for (const engine of engines) {
    if (engine.child.exitCode === null) {
      engine.child.kill('SIGKILL');
      await engine.exited;
    }
  }
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** An engine that snapshots every 100 commands, keeps one snapshot, 64 KiB segments and 64 events in memory; `keepJournal` as given. */
async function runEngine(keepJournal: boolean): Promise<{ dataDir: string; engine: RinglineChild; eventsPort: number; last: number }> {
  const folder = mkdtempSync(join(tmpdir(), 'ringline-history-'));
  folders.push(folder);
  const dataDir = join(folder, 'data');
  const config = join(folder, 'config.json');
  writeFileSync(config, JSON.stringify({ engine: { snapshotEveryCommands: 100, snapshotsKept: 1, keepJournal, eventRetentionEvents: 64,
    journal: { segmentBytes: 64 * 1024 } } }));
  const [tcpPort, eventsPort] = [await freePort(), await freePort()];
  const engine = spawnRingline(['start', '--data', dataDir, '--tcp-port', String(tcpPort), '--ws-port=-1', '--events-tcp-port', String(eventsPort),
    '--durability', 'fsync', '--config', config], { ...process.env, RINGLINE_ADMIN_KEY: ADMIN_KEY });
  engines.push(engine);
  await engine.waitFor((out) => (out.includes('event subscriptions over TCP listening') ? true : null), 60_000);
  const client = await RinglineClient.connect({ url: `tcp://127.0.0.1:${tcpPort}`, apiKey: ADMIN_KEY, maxInFlight: 256 });
  let last = 0;
  try {
    const must = async (command: Parameters<typeof client.send>[0]): Promise<void> => {
      const r = await client.send(command);
      if (r.code !== ResultCode.OK) throw new Error(`${JSON.stringify(command)}: ${r.status}`);
      last = Math.max(last, r.sequence);
    };
    await must({ type: 'createAsset', assetId: USD });
    for (const accountId of [1, 2]) await must({ type: 'createAccount', accountId });
    await must({ type: 'deposit', accountId: 1, assetId: USD, amount: 1_000_000_000 });
    for (let at = 0; at < TRANSFERS; at += 100) {
      await Promise.all(Array.from({ length: 100 }, (_, i) => must({ type: 'transfer', fromAccountId: 1, toAccountId: 2, assetId: USD, amount: at + i + 1 })));
    }
  } finally {
    await client.close();
  }
  return { dataDir, engine, eventsPort, last };
}

function replayed(dataDir: string, through: number): RinglineEvent[] {
  const events: RinglineEvent[] = [];
  replayEvents({ dataDir, logic: DEFAULT_LOGIC_CONFIG, afterSequence: 0, afterIndex: AFTER_ALL_OF_COMMAND, throughSequence: through,
    throughIndex: AFTER_ALL_OF_COMMAND }, (records) => {
    for (let at = 0; at < records.byteLength; at += EVT_RECORD_BYTES) events.push(decodeEvent(records, at));
  });
  return events;
}

describe('history before the oldest kept snapshot', () => {
  it('is refused with HISTORY_RETIRED once retention deleted its journal, and is served in full with keepJournal', async () => {
    // Default retention: the first segments go with the snapshots they served.
    const retired = await runEngine(false);
    await until('the first journal segment to be retired', () => (listSegments(retired.dataDir)[0]?.firstSequence ?? 1) > 1, 60_000);
    const refused = EventSubscription.open({ url: `tcp://127.0.0.1:${retired.eventsPort}`, apiKey: ADMIN_KEY, stream: 'all', from: 'start' });
    const refusedSeen: RinglineEvent[] = [];
    let failure: unknown = null;
    try {
      for await (const event of refused) refusedSeen.push(event);
    } catch (error) {
      failure = error;
    }
    expect(refused.lastClosing?.code).toBe(ResultCode.HISTORY_RETIRED);
    expect(String(failure)).toMatch(/HISTORY_RETIRED \(250\).*no longer kept.*keepJournal/);
    // Refused for good: no reconnect loop, no event.
    expect(refused.connections).toBe(1);
    expect(refusedSeen).toEqual([]);
    retired.engine.child.kill('SIGTERM');
    await retired.engine.expectExit(0);

    // keepJournal: the same workload keeps its first segment, and every event since the first command is served.
    const kept = await runEngine(true);
    // A snapshot after the second segment's start: the default retention would now delete the first.
    await until('a snapshot past the first segment', () => {
      const segments = listSegments(kept.dataDir);
      return segments.length >= 2 && listSnapshots(kept.dataDir).some((snapshot) => snapshot.sequence >= segments[1].firstSequence);
    }, 60_000);
    expect(listSegments(kept.dataDir)[0].firstSequence).toBe(1);
    const all = EventSubscription.open({ url: `tcp://127.0.0.1:${kept.eventsPort}`, apiKey: ADMIN_KEY, stream: 'all', from: 'start' });
    const seen = collect(all);
    await until('every event since the first command', () => (all.position?.sequence ?? 0) >= kept.last && all.position?.index === AFTER_ALL_OF_COMMAND, 240_000);
    all.close();
    expect(all.lastClosing).toBeNull();
    kept.engine.child.kill('SIGTERM');
    await kept.engine.expectExit(0);
    const journal = replayed(kept.dataDir, kept.last);
    expect(journal.filter((e) => e.kind === 'transferred').length).toBe(TRANSFERS);
    expect(seen).toEqual(journal);
  }, 480_000);

  it('serves three subscribers from the first command at once (one more than maxReplays), raw records included', async () => {
    const kept = await runEngine(true);
    const url = `tcp://127.0.0.1:${kept.eventsPort}`;
    const decoded = EventSubscription.open({ url, apiKey: ADMIN_KEY, stream: 'all', from: 'start' });
    const raw: RinglineEvent[] = [];
    // The projector's path: undecoded records, handed over in runs.
    const records = EventSubscription.open({ url, apiKey: ADMIN_KEY, stream: 'all', from: 'start', onRecords: (bytes) => {
      for (let at = 0; at < bytes.byteLength; at += EVT_RECORD_BYTES) raw.push(decodeEvent(bytes, at));
    } });
    // The third waits for one of the two replay slots (EventHub maxReplays).
    const waiting = EventSubscription.open({ url, apiKey: ADMIN_KEY, stream: 'all', from: 'start' });
    const seenDecoded = collect(decoded);
    const seenWaiting = collect(waiting);
    void (async () => {
      try {
        for await (const _ of records) { /* events arrive through onRecords */ }
      } catch { /* the test looks at lastClosing */ }
    })();
    const caughtUp = (sub: EventSubscription): boolean => (sub.position?.sequence ?? 0) >= kept.last && sub.position?.index === AFTER_ALL_OF_COMMAND;
    await until('all three caught up', () => caughtUp(decoded) && caughtUp(records) && caughtUp(waiting), 240_000);
    for (const sub of [decoded, records, waiting]) {
      sub.close();
      expect(sub.lastClosing).toBeNull();
    }
    kept.engine.child.kill('SIGTERM');
    await kept.engine.expectExit(0);
    const journal = replayed(kept.dataDir, kept.last);
    expect(seenDecoded).toEqual(journal);
    expect(seenWaiting).toEqual(journal);
    expect(raw).toEqual(journal);
  }, 480_000);
});
