/**
 * What the event hub's fan-out costs the gateway's main thread per released event, without the
 * kernel: a real EventHub on a real retention fed by hand, subscribers whose transport keeps nothing
 * (it counts bytes), CPU time of this thread (/proc), releases of RELEASE_COMMANDS flash-sale buys
 * (three events each: the buyer's sale with the merchant as counterparty, the buyer's balance, the
 * merchant's balance), interleaved case by case:
 *
 *   none         no subscriber: the hub only moves its live position
 *   all-1        one admin subscriber to every event (one bulk copy per frame)
 *   private-100  100 principals on their own streams, the buys spread round-robin over them
 *   market-1     one subscriber to a symbol without trades (routing reads every event's kind)
 *
 * The socket writes are not here (the transport keeps nothing): the events bench's kernel figures
 * give them. `node --import tsx perf/profile/event_fanout.ts` (RELEASE_COMMANDS=16384: releases
 * larger than the caches, as when the fan-out waited). Interleave two checkouts for an A/B.
 */
import {
  EVT_COUNTERPARTY_PRINCIPAL_ID_OFFSET, EVT_INDEX_OFFSET, EVT_KIND_OFFSET, EVT_PRINCIPAL_ID_OFFSET, EVT_RECORD_BYTES, EVT_SEQUENCE_OFFSET, EventKind,
} from '../../codec/records/event_descriptor.ts';
import { createRecordBuffer } from '../../codec/records/record_buffer.ts';
import { AFTER_ALL_OF_COMMAND, LIVE_ONLY, type SubscribeRequest } from '../../codec/wire/event_frame_descriptor.ts';
import type { EngineEvents } from '../../core/engine_api.ts';
import type { EventFeed } from '../../core/event_feed.ts';
import { EventRetention } from '../../core/event_retention.ts';
import { EventHub, type EventTransport } from '../../gateway/event_hub.ts';
import { readThreadCpuSeconds } from '../engine/process_usage.ts';

const RELEASE_COMMANDS = Number(process.env.RELEASE_COMMANDS ?? 4096);
const RELEASES = Math.round(1_600_000 / RELEASE_COMMANDS);
const BUYERS = 100;
const MERCHANT = 1;
const FIRST_BUYER = 2;

class HandFeed {
  readonly retention = new EventRetention(131072, 0);
  through = 0;
  private readonly listeners: (() => void)[] = [];
  /** One release's records, restamped with their sequences before each append. */
  private readonly template = createRecordBuffer(new ArrayBuffer(RELEASE_COMMANDS * 3 * EVT_RECORD_BYTES));
  constructor() {
    const r = this.template;
    for (let c = 0; c < RELEASE_COMMANDS; c++) {
      const buyer = FIRST_BUYER + (c % BUYERS);
      const events = [[EventKind.STOCK_SOLD, buyer, MERCHANT], [EventKind.BALANCE_CHANGED, buyer, buyer], [EventKind.BALANCE_CHANGED, MERCHANT, MERCHANT]] as const;
      for (let i = 0; i < 3; i++) {
        const at = (c * 3 + i) * EVT_RECORD_BYTES;
        const [kind, principal, counterparty] = events[i] as readonly [number, number, number];
        r.u32[(at + EVT_INDEX_OFFSET) >>> 2] = i;
        r.u16[(at + EVT_KIND_OFFSET) >>> 1] = kind;
        r.u32[(at + EVT_PRINCIPAL_ID_OFFSET) >>> 2] = principal;
        r.u32[(at + EVT_COUNTERPARTY_PRINCIPAL_ID_OFFSET) >>> 2] = counterparty;
      }
    }
  }

  onReleased(listener: () => void): void {
    this.listeners.push(listener);
  }

  release(): void {
    const r = this.template;
    for (let c = 0; c < RELEASE_COMMANDS; c++) {
      const sequence = this.through + 1 + c;
      for (let i = 0; i < 3; i++) r.f64[((c * 3 + i) * EVT_RECORD_BYTES + EVT_SEQUENCE_OFFSET) >>> 3] = sequence;
    }
    this.retention.appendRun(r, 0, RELEASE_COMMANDS * 3);
    this.through += RELEASE_COMMANDS;
    this.retention.releaseThrough(this.through);
    for (const listener of this.listeners) listener();
  }
}

class CountingTransport implements EventTransport {
  bytes = 0;
  send(frames: readonly Buffer[]): void {
    for (const frame of frames) this.bytes += frame.byteLength;
  }
  bufferedBytes(): number {
    return 0;
  }
  close(): void {}
}

type Case = 'none' | 'all-1' | 'private-100' | 'market-1';
const CASES: readonly Case[] = ['none', 'all-1', 'private-100', 'market-1'];

function request(stream: SubscribeRequest['stream']): SubscribeRequest {
  return { stream, afterSequence: LIVE_ONLY, afterIndex: AFTER_ALL_OF_COMMAND, symbolId: stream === 'market' ? 999 : 0, depthLevels: 0, key: '' };
}

/** CPU ns of this thread per event released (append and release included: the `none` case is that alone). */
async function nsPerEvent(c: Case): Promise<number> {
  const feed = new HandFeed();
  const events: EngineEvents = {
    enabled: true, feed: feed as unknown as EventFeed, dataDir: '/nonexistent', logic: {} as EngineEvents['logic'], replayWorkerEntry: new URL('file:///nonexistent'),
  };
  const hub = new EventHub(events, { progressEveryMs: 60_000 });
  if (c === 'all-1') hub.subscribe(new CountingTransport(), MERCHANT, true, request('all'));
  if (c === 'market-1') hub.subscribe(new CountingTransport(), MERCHANT, false, request('market'));
  if (c === 'private-100') for (let b = 0; b < BUYERS; b++) hub.subscribe(new CountingTransport(), FIRST_BUYER + b, false, request('private'));
  const before = readThreadCpuSeconds(process.pid, process.pid);
  for (let r = 0; r < RELEASES; r++) {
    feed.release();
    await new Promise((resolve) => setImmediate(resolve)); // the hub fans out at the next turn
  }
  const ns = ((readThreadCpuSeconds(process.pid, process.pid) - before) * 1e9) / (RELEASES * RELEASE_COMMANDS * 3);
  hub.close();
  return ns;
}

for (let round = 1; round <= 3; round++) {
  const figures: string[] = [];
  for (const c of CASES) figures.push(`${c} ${(await nsPerEvent(c)).toFixed(1)}`);
  console.log(`round ${round}: CPU ns per released event: ${figures.join(', ')}`);
}
