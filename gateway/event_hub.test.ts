import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EvtHeader, EVT_RECORD_BYTES } from '../codec/records/event_descriptor.ts';
import { createRecordBuffer } from '../codec/records/record_buffer.ts';
import { AFTER_ALL_OF_COMMAND, EventsFrame, EventFrameType, LIVE_ONLY } from '../codec/wire/event_frame_descriptor.ts';
import type { EngineEvents } from '../core/engine_api.ts';
import type { EventFeed } from '../core/event_feed.ts';
import { EventRetention } from '../core/event_retention.ts';
import { EventHub, FANOUT_KEPT_SPAN_SHARE, FANOUT_SLICE_EVENTS_MIN, FANOUT_SLICE_WORK, type EventTransport } from './event_hub.ts';
import { PREFIX_BYTES } from './event_frame_builder.ts';
import { ResultCode } from '../codec/result_codes.ts';

/**
 * The hub against a feed driven by hand: a real retention window, releases announced synchronously
 * (as EventFeed.drain does), and a transport that records the sequences of the events it is sent.
 */
class HandFeed {
  readonly retention: EventRetention;
  through = 0;
  private readonly listeners: (() => void)[] = [];
  private nextSequence = 1;
  private readonly one = createRecordBuffer(new ArrayBuffer(EVT_RECORD_BYTES));

  constructor(capacityEvents: number) {
    this.retention = new EventRetention(capacityEvents, 0);
  }

  onReleased(listener: () => void): void {
    this.listeners.push(listener);
  }

  /**
   * Appends `commands` commands of `eventsPerCommand` events each, releases them and tells the
   * listeners; each event is the principal's that `principalOf` names for its sequence (0: none).
   */
  release(commands: number, eventsPerCommand = 1, principalOf: (sequence: number) => number = () => 0): void {
    for (let i = 0; i < commands; i++) {
      const sequence = this.nextSequence++;
      this.one.f64[EvtHeader.SEQUENCE >>> 3] = sequence;
      this.one.u32[EvtHeader.PRINCIPAL_ID >>> 2] = principalOf(sequence);
      this.one.u32[EvtHeader.COUNTERPARTY_PRINCIPAL_ID >>> 2] = principalOf(sequence);
      for (let e = 0; e < eventsPerCommand; e++) {
        this.one.u32[EvtHeader.INDEX >>> 2] = e;
        this.retention.append(this.one, 0);
      }
    }
    this.through = this.nextSequence - 1;
    this.retention.releaseThrough(this.through);
    for (const listener of this.listeners) listener();
  }
}

class RecordingTransport implements EventTransport {
  readonly sequences: number[] = [];
  /** send() calls that carried events. */
  writes = 0;
  /** Each EVENTS frame's throughSequence, in order, and how many events had arrived with it. */
  readonly throughs: number[] = [];
  readonly receivedAtThrough: number[] = [];
  closedWith: number | null = null;
  send(frames: readonly Buffer[]): void {
    if (frames.some((frame) => frame[PREFIX_BYTES] === EventFrameType.EVENTS && frame.readUInt32LE(PREFIX_BYTES + EventsFrame.COUNT) > 0)) this.writes++;
    for (const frame of frames) {
      if (frame[PREFIX_BYTES] !== EventFrameType.EVENTS) continue;
      this.throughs.push(frame.readDoubleLE(PREFIX_BYTES + EventsFrame.THROUGH_SEQUENCE));
      const count = frame.readUInt32LE(PREFIX_BYTES + EventsFrame.COUNT);
      for (let r = 0; r < count; r++) this.sequences.push(frame.readDoubleLE(PREFIX_BYTES + EventsFrame.BYTES + r * EVT_RECORD_BYTES + EvtHeader.SEQUENCE));
      this.receivedAtThrough.push(this.sequences.length);
    }
  }
  bufferedBytes(): number {
    return 0;
  }
  close(code: number): void {
    this.closedWith = code;
  }
}

/** A hub on the hand-driven feed; with `replayDir`, journal replays run held_event_replay_worker.ts there. */
function hubOn(feed: HandFeed, replayDir?: string, progressEveryMs = 60_000, maxSubscriptionsPerPrincipal?: number): EventHub {
  const events: EngineEvents = {
    enabled: true, feed: feed as unknown as EventFeed, dataDir: replayDir ?? '/nonexistent', logic: {} as EngineEvents['logic'],
    replayWorkerEntry: replayDir === undefined ? new URL('file:///nonexistent') : new URL('./test_support/held_event_replay_worker.ts', import.meta.url),
  };
  return new EventHub(events, { progressEveryMs, ...(maxSubscriptionsPerPrincipal === undefined ? {} : { maxSubscriptionsPerPrincipal }) });
}

const live = { stream: 'all' as const, afterSequence: LIVE_ONLY, afterIndex: AFTER_ALL_OF_COMMAND, symbolId: 0, depthLevels: 0, key: '' };
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Waits for `condition`, checking every ms or so, for at most `timeoutMs`. */
async function until(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 1));
  if (!condition()) throw new Error(`never happened within ${timeoutMs} ms: ${what}`);
}

describe('EventHub fan-out timing against the retention', () => {
  it('defers a small release to a later turn, but routes at once when half the retention waits to be routed', async () => {
    const feed = new HandFeed(64);
    const hub = hubOn(feed);
    const sub = new RecordingTransport();
    hub.subscribe(sub, 1, true, live);
    feed.release(8);
    expect(sub.sequences).toEqual([]); // deferred: nothing written inside the feed's drain
    await until('the deferred fan-out', () => sub.sequences.length === 8);
    feed.release(40); // 40 ≥ 64 / 2 unrouted: routed within the release itself
    expect(sub.sequences).toEqual(range(1, 48));
    expect(hub.stats.urgentFanOuts).toBe(1);
    await hub.close();
  });

  it('never lets the feed evict released events before they are routed, however long the turn lasts', async () => {
    const feed = new HandFeed(64);
    const hub = hubOn(feed);
    const sub = new RecordingTransport();
    hub.subscribe(sub, 1, true, live);
    // 20 releases of 16 within one turn (the deferred fan-out never gets to run): 5 × the retention.
    for (let i = 0; i < 20; i++) feed.release(16);
    await until('every release routed', () => sub.sequences.length >= 320);
    expect(hub.stats.overruns).toBe(0);
    expect(sub.closedWith).toBeNull();
    expect(sub.sequences).toEqual(range(1, 320));
    await hub.close();
  });

  it('routes a backlog larger than a slice over several turns, each slice ending at a command boundary, and a subscriber catching up meanwhile misses nothing', async () => {
    const feed = new HandFeed(16384);
    const hub = hubOn(feed);
    // Enough `all` subscribers that a slice is FANOUT_SLICE_EVENTS_MIN events.
    const subscribers = Array.from({ length: Math.ceil(FANOUT_SLICE_WORK / FANOUT_SLICE_EVENTS_MIN) }, () => new RecordingTransport());
    for (const sub of subscribers) hub.subscribe(sub, 1, true, live);
    const first = subscribers[0] as RecordingTransport;
    const commands = 1000;
    feed.release(commands, 3); // 3000 events: about three slices, under the urgent half of the retention
    expect(first.sequences).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    // One slice in that turn: the first FANOUT_SLICE_EVENTS_MIN events and the rest of their last command.
    const sliceCommands = Math.ceil(FANOUT_SLICE_EVENTS_MIN / 3);
    expect(first.sequences).toHaveLength(3 * sliceCommands);
    expect(first.throughs.at(-1)).toBe(sliceCommands);
    // A subscriber from the start, while the rest of the backlog waits to be routed.
    const late = new RecordingTransport();
    hub.subscribe(late, 1, true, { ...live, afterSequence: 0 });
    const all = range(1, commands).flatMap((s) => [s, s, s]);
    await until('the whole backlog routed', () => first.sequences.length >= all.length && late.sequences.length >= all.length);
    for (const sub of [...subscribers, late]) {
      expect(sub.sequences).toEqual(all);
      expect(sub.throughs.at(-1)).toBe(commands);
      // Complete through T means no event of a command ≤ T comes after (the client would skip it as seen).
      sub.throughs.forEach((through, i) => expect(sub.sequences.slice(sub.receivedAtThrough[i]).filter((s) => s <= through)).toEqual([]));
    }
    expect(hub.stats.urgentFanOuts).toBe(0);
    await hub.close();
  });

  it('keeps a backlog\'s private events until it is routed: one write per principal, and a principal catching up meanwhile misses nothing and gets nothing twice', async () => {
    const feed = new HandFeed(65536);
    const hub = hubOn(feed);
    const principals = 10;
    const principalOf = (sequence: number): number => 1 + (sequence % principals);
    const subscribers = Array.from({ length: principals }, (_, i) => {
      const sub = new RecordingTransport();
      hub.subscribe(sub, 1 + i, false, { ...live, stream: 'private' });
      return sub;
    });
    const commands = 3000;
    feed.release(commands, 3, principalOf); // 9000 events: two slices, under the urgent half and the kept span
    expect(9000).toBeLessThan(65536 * FANOUT_KEPT_SPAN_SHARE);
    await new Promise((resolve) => setImmediate(resolve));
    // The first slice is routed and kept: nothing written yet.
    expect(subscribers.map((sub) => sub.sequences.length)).toEqual(subscribers.map(() => 0));
    // Principal 1's second subscriber, from the start, while its group keeps the first slice's events.
    const late = new RecordingTransport();
    hub.subscribe(late, 1, false, { ...live, stream: 'private', afterSequence: 0 });
    const own = (principal: number): number[] => range(1, commands).filter((s) => principalOf(s) === principal).flatMap((s) => [s, s, s]);
    await until('the whole backlog written', () => subscribers.every((sub, i) => sub.sequences.length >= own(1 + i).length) && late.sequences.length >= own(1).length);
    subscribers.forEach((sub, i) => {
      expect(sub.sequences).toEqual(own(1 + i));
      expect(sub.throughs.at(-1)).toBe(commands);
      sub.throughs.forEach((through, t) => expect(sub.sequences.slice(sub.receivedAtThrough[t]).filter((s) => s <= through)).toEqual([]));
    });
    expect(late.sequences).toEqual(own(1));
    late.throughs.forEach((through, t) => expect(late.sequences.slice(late.receivedAtThrough[t]).filter((s) => s <= through)).toEqual([]));
    // Principals 2.. got their whole backlog in one write (principal 1's group wrote early, when the newcomer joined).
    expect(subscribers.slice(1).map((sub) => sub.writes)).toEqual(subscribers.slice(1).map(() => 1));
    expect(hub.stats.overruns).toBe(0);
    await hub.close();
  });

  it('writes what private groups keep before a quarter of the retention lies unsent, so the feed never evicts it', async () => {
    const feed = new HandFeed(1024);
    const hub = hubOn(feed);
    const principalOf = (sequence: number): number => 1 + (sequence % 2);
    const subscribers = [1, 2].map((principal) => {
      const sub = new RecordingTransport();
      hub.subscribe(sub, principal, false, { ...live, stream: 'private' });
      return sub;
    });
    // Releases of 100 within one turn (the deferred fan-out never gets to run): 10 × the retention.
    for (let i = 0; i < 100; i++) feed.release(100, 1, principalOf);
    await until('every release written', () => subscribers.every((sub) => sub.sequences.length >= 5000));
    expect(hub.stats.overruns).toBe(0);
    subscribers.forEach((sub, i) => expect(sub.sequences).toEqual(range(1, 10_000).filter((s) => principalOf(s) === 1 + i)));
    await hub.close();
  });
});

describe('EventHub journal replays for subscribers behind the retention (at most 2 at once)', { timeout: 300_000 }, () => {
  /** Replay workers start from source through tsx: seconds on a loaded machine. */
  const REPLAY_WAIT_MS = 60_000;
  let dir = '';
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'ringline-hub-replays-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A private subscription resuming after `afterSequence`: older than the retention, so replayed. */
  const behind = (afterSequence: number): Parameters<EventHub['subscribe']>[3] =>
    ({ stream: 'private', afterSequence, afterIndex: AFTER_ALL_OF_COMMAND, symbolId: 0, depthLevels: 0, key: '' });
  const started = (afterSequence: number): boolean => existsSync(join(dir, `started-${afterSequence}`));
  const finishReplay = (afterSequence: number): void => writeFileSync(join(dir, `go-${afterSequence}`), '');

  /** A hub whose retention (16 events) holds sequences 85..100 only; live subscribers hear how far they are complete every 10 ms. */
  function behindHub(): { feed: HandFeed; hub: EventHub } {
    const feed = new HandFeed(16);
    const hub = hubOn(feed, dir, 10);
    for (let i = 0; i < 10; i++) feed.release(10);
    return { feed, hub };
  }

  it('frees a replay\'s turn when its subscriber leaves mid-replay, so later subscribers still resume', async () => {
    const { feed, hub } = behindHub();
    const leaving = [new RecordingTransport(), new RecordingTransport()];
    const a = hub.subscribe(leaving[0], 1, false, behind(1));
    const b = hub.subscribe(leaving[1], 2, false, behind(2));
    await until('both replays running', () => started(1) && started(2), REPLAY_WAIT_MS);
    if (a === null || b === null) throw new Error('refused');
    hub.unsubscribe(a);
    hub.unsubscribe(b);
    const later = new RecordingTransport();
    hub.subscribe(later, 3, false, behind(3));
    await until('the later subscriber\'s replay running', () => started(3), REPLAY_WAIT_MS);
    finishReplay(3);
    await until('the later subscriber caught up and live (told it is complete through 100)', () => later.throughs.includes(100), REPLAY_WAIT_MS);
    feed.release(1, 1, () => 3);
    await until('its own event delivered live', () => later.sequences.includes(101), REPLAY_WAIT_MS);
    expect(later.sequences).toEqual([101]);
    expect(later.closedWith).toBeNull();
    expect(hub.stats.replays).toBe(3);
    await hub.close();
  });

  it('starts the next waiting replay when those ahead of it in the queue have left', async () => {
    const { hub } = behindHub();
    const subs = [1, 2, 3, 4, 5].map((k) => hub.subscribe(new RecordingTransport(), k, false, behind(k)));
    await until('two replays running', () => started(1) && started(2), REPLAY_WAIT_MS);
    expect([3, 4, 5].filter(started)).toEqual([]);
    hub.unsubscribe(subs[2]!); // waiting
    hub.unsubscribe(subs[3]!); // waiting
    finishReplay(1);
    finishReplay(2);
    await until('the last waiting replay running', () => started(5), REPLAY_WAIT_MS);
    expect(started(3) || started(4)).toBe(false);
    expect(hub.stats.replays).toBe(3);
    await hub.close();
  });

  it('tells a subscriber whose replay thread ended without a word, and gives its turn to the next', async () => {
    const { hub } = behindHub();
    const transports = [1, 2, 3].map(() => new RecordingTransport());
    transports.forEach((transport, i) => hub.subscribe(transport, i + 1, false, behind(i + 1)));
    await until('two replays running', () => started(1) && started(2), REPLAY_WAIT_MS);
    writeFileSync(join(dir, 'vanish-1'), '');
    await until('the waiting replay running', () => started(3), REPLAY_WAIT_MS);
    expect(transports[0].closedWith).toBe(ResultCode.INTERNAL_ERROR);
    expect(transports[1].closedWith).toBeNull();
    await hub.close();
  });

  it('gives a freed turn to a principal without a replay running before another of a principal that has one', async () => {
    const { hub } = behindHub();
    for (const k of [1, 2, 3, 4]) hub.subscribe(new RecordingTransport(), 7, false, behind(k)); // principal 7: four
    hub.subscribe(new RecordingTransport(), 8, false, behind(10)); // principal 8: one, queued last
    await until('principal 7 holds both turns', () => started(1) && started(2), REPLAY_WAIT_MS);
    finishReplay(1);
    await until('a freed turn taken', () => started(3) || started(10), REPLAY_WAIT_MS);
    expect(started(10)).toBe(true);
    expect(started(3)).toBe(false);
    finishReplay(10);
    await until('principal 7 next', () => started(3), REPLAY_WAIT_MS);
    await hub.close();
  });
});

describe('EventHub subscriptions per principal', () => {
  it('refuses one principal beyond maxSubscriptionsPerPrincipal while others and admins subscribe; a closed one gives its place back once', async () => {
    const hub = hubOn(new HandFeed(64), undefined, 60_000, 2);
    const privately = { ...live, stream: 'private' as const };
    const mine = [new RecordingTransport(), new RecordingTransport()].map((t) => hub.subscribe(t, 5, false, privately));
    expect(mine.every((sub) => sub !== null)).toBe(true);
    const refused = new RecordingTransport();
    expect(hub.subscribe(refused, 5, false, privately)).toBeNull();
    expect(refused.closedWith).toBe(ResultCode.TOO_MANY_CONNECTIONS);
    expect(hub.subscribe(new RecordingTransport(), 6, false, privately)).not.toBeNull();
    for (let i = 0; i < 4; i++) expect(hub.subscribe(new RecordingTransport(), 1, true, live)).not.toBeNull();
    // Closing twice (the hub's own disconnect, then the transport's close) gives back one place, not two.
    hub.unsubscribe(mine[0]!);
    hub.unsubscribe(mine[0]!);
    expect(hub.subscribe(new RecordingTransport(), 5, false, privately)).not.toBeNull();
    const refusedAgain = new RecordingTransport();
    expect(hub.subscribe(refusedAgain, 5, false, privately)).toBeNull();
    expect(refusedAgain.closedWith).toBe(ResultCode.TOO_MANY_CONNECTIONS);
    await hub.close();
  });
});
