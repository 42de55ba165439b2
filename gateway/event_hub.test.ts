import { describe, expect, it } from 'vitest';
import { EVT_INDEX_OFFSET, EVT_RECORD_BYTES, EVT_SEQUENCE_OFFSET } from '../codec/records/event_descriptor.ts';
import { createRecordBuffer } from '../codec/records/record_buffer.ts';
import { AFTER_ALL_OF_COMMAND, EVENTS_COUNT_OFFSET, EVENTS_HEADER_BYTES, EventFrameType, LIVE_ONLY } from '../codec/wire/event_frame_descriptor.ts';
import type { EngineEvents } from '../core/engine_api.ts';
import type { EventFeed } from '../core/event_feed.ts';
import { EventRetention } from '../core/event_retention.ts';
import { EventHub, type EventTransport } from './event_hub.ts';
import { PREFIX_BYTES } from './event_frame_builder.ts';

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

  /** Appends `commands` commands of one event each, releases them and tells the listeners. */
  release(commands: number): void {
    for (let i = 0; i < commands; i++) {
      this.one.f64[EVT_SEQUENCE_OFFSET >>> 3] = this.nextSequence++;
      this.one.u32[EVT_INDEX_OFFSET >>> 2] = 0;
      this.retention.append(this.one, 0);
    }
    this.through = this.nextSequence - 1;
    this.retention.releaseThrough(this.through);
    for (const listener of this.listeners) listener();
  }
}

class RecordingTransport implements EventTransport {
  readonly sequences: number[] = [];
  closedWith: number | null = null;
  send(frames: readonly Buffer[]): void {
    for (const frame of frames) {
      if (frame[PREFIX_BYTES] !== EventFrameType.EVENTS) continue;
      const count = frame.readUInt32LE(PREFIX_BYTES + EVENTS_COUNT_OFFSET);
      for (let r = 0; r < count; r++) this.sequences.push(frame.readDoubleLE(PREFIX_BYTES + EVENTS_HEADER_BYTES + r * EVT_RECORD_BYTES + EVT_SEQUENCE_OFFSET));
    }
  }
  bufferedBytes(): number {
    return 0;
  }
  close(code: number): void {
    this.closedWith = code;
  }
}

function hubOn(feed: HandFeed): EventHub {
  const events: EngineEvents = {
    enabled: true, feed: feed as unknown as EventFeed, dataDir: '/nonexistent', logic: {} as EngineEvents['logic'], replayWorkerEntry: new URL('file:///nonexistent'),
  };
  return new EventHub(events, { progressEveryMs: 60_000 });
}

const live = { stream: 'all' as const, afterSequence: LIVE_ONLY, afterIndex: AFTER_ALL_OF_COMMAND, symbolId: 0, depthLevels: 0, key: '' };
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function until(what: string, condition: () => boolean): Promise<void> {
  for (let i = 0; i < 10_000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 1));
  if (!condition()) throw new Error(`never happened: ${what}`);
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
    hub.close();
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
    hub.close();
  });
});
