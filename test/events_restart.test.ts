/**
 * Event subscriptions across an engine crash and restart, with real processes: `ringline start` is
 * killed with SIGKILL while subscribers are connected, started again on the same ports, and the
 * subscribers (ringline/client EventSubscription) reconnect by themselves. Afterwards every stream
 * holds exactly what a journal replay rebuilds for it: no gap, no duplicate. A subscriber that first
 * connects after the restart, from a position older than the new engine's memory (before snapshots),
 * is served from the journal (the replay worker) and then live.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EventSubscription, type EventPosition } from '../client/event_subscription.ts';
import { RinglineClient } from '../client/ringline_client.ts';
import { decodeEvent, type RinglineEvent } from '../codec/records/event_decoder.ts';
import { EVT_RECORD_BYTES } from '../codec/records/event_descriptor.ts';
import { ResultCode } from '../codec/result_codes.ts';
import type { CommandJson } from '../codec/types/command_json.ts';
import { AFTER_ALL_OF_COMMAND } from '../codec/wire/event_frame_descriptor.ts';
import { DEFAULT_LOGIC_CONFIG } from '../core/logic/logic_config.ts';
import { freePort } from '../perf/engine/free_port.ts';
import { replayEvents } from '../replay/event_replay.ts';
import { spawnRingline, type RinglineChild } from './test_support/ringline_child.ts';
import { collect, positionKey, until } from './test_support/event_collector.ts';

const ADMIN_KEY = 'events-restart-admin-key-0123456789';
const USD = 1;



const key = positionKey;

describe('event subscriptions across an engine restart', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ringline-events-restart-'));
  let engine: RinglineChild | null = null;

  afterAll(async () => {
    if (engine !== null && engine.child.exitCode === null) {
      engine.child.kill('SIGKILL');
      await engine.exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('reconnects after SIGKILL and a restart with no gap and no duplicate; an old position is served from the journal', async () => {
    const [tcpPort, wsPort, eventsPort] = [await freePort(), await freePort(), await freePort()];
    const config = join(dataDir, '..', `${dataDir.split('/').at(-1)}.json`);
    // Snapshots every 64 commands, all kept (with their journal): old positions stay servable.
    writeFileSync(config, JSON.stringify({ engine: { snapshotEveryCommands: 64, snapshotsKept: 100 } }));
    const start = async (): Promise<RinglineChild> => {
      const child = spawnRingline(['start', '--data', dataDir, '--tcp-port', String(tcpPort), '--ws-port', String(wsPort),
        '--events-tcp-port', String(eventsPort), '--durability', 'fsync', '--config', config], { ...process.env, RINGLINE_ADMIN_KEY: ADMIN_KEY });
      await child.waitFor((out) => (out.includes('event subscriptions over TCP listening') ? true : null), 60_000);
      return child;
    };
    engine = await start();
    const tcpUrl = `tcp://127.0.0.1:${tcpPort}`;
    let client = await RinglineClient.connect({ url: tcpUrl, apiKey: ADMIN_KEY, maxInFlight: 256 });
    const must = async (command: CommandJson): Promise<number> => {
      const r = await client.send(command);
      if (r.code !== ResultCode.OK) throw new Error(`${command.type}: ${r.status}`);
      return r.sequence;
    };
    await must({ type: 'createAsset', assetId: USD });
    for (const accountId of [1, 2, 3]) await must({ type: 'createAccount', accountId });
    await must({ type: 'deposit', accountId: 1, assetId: USD, amount: 1_000_000 });

    const all = EventSubscription.open({ url: `tcp://127.0.0.1:${eventsPort}`, apiKey: ADMIN_KEY, stream: 'all', from: 'start' });
    const allSeen = collect(all);
    const wsAll = EventSubscription.open({ url: `ws://127.0.0.1:${wsPort}`, apiKey: ADMIN_KEY, stream: 'all', from: 'start' });
    const wsSeen = collect(wsAll);
    const transfers = async (from: number, count: number): Promise<number> => {
      let last = 0;
      const sent: Promise<number>[] = [];
      for (let i = 0; i < count; i++) sent.push(must({ type: 'transfer', fromAccountId: 1, toAccountId: 2 + (i % 2), assetId: USD, amount: from + i }));
      for (const s of sent) last = Math.max(last, await s);
      return last;
    };
    const beforeCrash = await transfers(1, 300);
    await until('both subscribers to hold every event before the crash', () => (all.position?.sequence ?? 0) >= beforeCrash && (wsAll.position?.sequence ?? 0) >= beforeCrash);
    // Older than what the restarted engine rebuilds at start (from its newest snapshot, >= 192), newer
    // than the first snapshot (64): served by the journal replay worker, starting from that snapshot.
    const middle: EventPosition = { sequence: 100, index: 1 };
    // The snapshots before the middle are on disk (written off the logic thread, after durability):
    // with all of them kept, the journal from the first sequence stays too (retention keeps what they need).
    const snapshots = join(dataDir, 'snapshots');
    await until('three snapshots on disk', () => existsSync(snapshots) && readdirSync(snapshots).filter((f) => f.endsWith('.snapshot')).length >= 3);

    // Crash: no goodbye to anyone.
    engine.child.kill('SIGKILL');
    await engine.exited;
    await client.close();
    engine = await start();
    client = await RinglineClient.connect({ url: tcpUrl, apiKey: ADMIN_KEY, maxInFlight: 256 });
    const afterRestart = await transfers(1001, 200);
    // Someone who first connects now, from a position far older than the new engine's memory.
    const late = EventSubscription.open({ url: `ws://127.0.0.1:${wsPort}`, apiKey: ADMIN_KEY, stream: 'all', from: middle });
    const lateSeen = collect(late);
    const final = await transfers(5001, 10);
    for (const [name, sub] of [['tcp', all], ['ws', wsAll], ['late', late]] as const) {
      await until(`${name} to reach the final command`, () => (sub.position?.sequence ?? 0) >= final && sub.position?.index === AFTER_ALL_OF_COMMAND);
    }
    expect(all.connections).toBeGreaterThanOrEqual(2);
    expect(wsAll.connections).toBeGreaterThanOrEqual(2);
    for (const sub of [all, wsAll, late]) sub.close();
    await client.close();
    engine.child.kill('SIGTERM');
    await engine.expectExit(0);
    engine = null;

    // What the journal says happened, event by event.
    const replayed: RinglineEvent[] = [];
    replayEvents({ dataDir, logic: DEFAULT_LOGIC_CONFIG, afterSequence: 0, afterIndex: AFTER_ALL_OF_COMMAND,
      throughSequence: final, throughIndex: AFTER_ALL_OF_COMMAND }, (records) => {
      for (let at = 0; at < records.byteLength; at += EVT_RECORD_BYTES) replayed.push(decodeEvent(records, at));
    });
    expect(replayed.filter((e) => e.kind === 'transferred').length).toBe(510);
    expect(afterRestart).toBeGreaterThan(beforeCrash);
    expect(allSeen.map(key)).toEqual(replayed.map(key));
    expect(allSeen).toEqual(replayed);
    expect(wsSeen).toEqual(replayed);
    expect(lateSeen).toEqual(replayed.filter((e) => e.sequence > middle.sequence || (e.sequence === middle.sequence && e.index > middle.index)));
  }, 240_000);
});
