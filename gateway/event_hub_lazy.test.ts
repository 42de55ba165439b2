/**
 * Lazy subscribers (EventTransport.lazy, the operator console): while every subscriber is lazy,
 * releases are routed at most once per LAZY_FANOUT_MS, not at the next turn after each; an eager
 * subscriber gets the next turn. Judged by a bound that holds however slow the machine is.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { EVT_KIND_OFFSET, EVT_RECORD_BYTES, EVT_SEQUENCE_OFFSET, EventKind } from '../codec/records/event_descriptor.ts';
import { createRecordBuffer } from '../codec/records/record_buffer.ts';
import { EventFrameType, LIVE_ONLY } from '../codec/wire/event_frame_descriptor.ts';
import type { EngineEvents } from '../core/engine_api.ts';
import { EventRetention } from '../core/event_retention.ts';
import { EventHub, LAZY_FANOUT_MS, type EventTransport } from './event_hub.ts';
import { PREFIX_BYTES } from './event_frame_builder.ts';

class Recorder implements EventTransport {
  readonly types: number[] = [];
  constructor(readonly lazy: boolean) {}
  send(frames: readonly Buffer[]): void {
    for (const f of frames) this.types.push(f[PREFIX_BYTES] as number);
  }
  bufferedBytes(): number { return 0; }
  close(): void { /* nothing held */ }
  get eventFrames(): number { return this.types.filter((t) => t === EventFrameType.EVENTS).length; }
}

const hubs: EventHub[] = [];
afterEach(() => { for (const h of hubs.splice(0)) h.close(); });

function setUp(): { hub: EventHub; release: (sequence: number) => void } {
  const retention = new EventRetention(1024, 0);
  const listeners: (() => void)[] = [];
  const feed = { retention, through: 0, onReleased: (l: () => void) => { listeners.push(l); } };
  const events = { enabled: true, feed, dataDir: '', logic: {}, replayWorkerEntry: new URL('file:///nonexistent') } as unknown as EngineEvents;
  const hub = new EventHub(events, { progressEveryMs: 3_600_000 });
  hubs.push(hub);
  const record = createRecordBuffer(new ArrayBuffer(EVT_RECORD_BYTES));
  const release = (sequence: number): void => {
    record.u32.fill(0);
    record.f64[EVT_SEQUENCE_OFFSET >>> 3] = sequence;
    record.u16[EVT_KIND_OFFSET >>> 1] = EventKind.FILL;
    retention.append(record, 0);
    retention.releaseThrough(sequence);
    feed.through = sequence;
    for (const l of listeners) l();
  };
  return { hub, release };
}

const subscribeAll = (hub: EventHub, t: Recorder): void => {
  hub.subscribe(t, 1, true, { stream: 'all', afterSequence: LIVE_ONLY, afterIndex: 0, symbolId: 0, key: '', depthLevels: 0 });
};

async function until(what: string, ok: () => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within 30 s`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('EventHub lazy subscribers', () => {
  it('routes releases for eager subscribers at the next turn', async () => {
    const { hub, release } = setUp();
    const eager = new Recorder(false);
    subscribeAll(hub, eager);
    release(1);
    await nextTurn();
    await nextTurn();
    expect(eager.eventFrames).toBe(1);
  });

  it('routes releases for lazy subscribers at most once per LAZY_FANOUT_MS', async () => {
    const { hub, release } = setUp();
    const lazy = new Recorder(true);
    subscribeAll(hub, lazy);
    expect(await framesFor100Turns(hub, lazy, release)).toBe(true);
  });

  it('is lazy again once the last eager subscriber leaves', async () => {
    const { hub, release } = setUp();
    const lazy = new Recorder(true);
    subscribeAll(hub, lazy);
    const eager = new Recorder(false);
    const sub = hub.subscribe(eager, 1, true, { stream: 'all', afterSequence: LIVE_ONLY, afterIndex: 0, symbolId: 0, key: '', depthLevels: 0 });
    if (sub === null) throw new Error('refused');
    hub.unsubscribe(sub);
    expect(await framesFor100Turns(hub, lazy, release)).toBe(true);
  });
});

/**
 * Releases one event per turn, 100 times, and waits until all went out: true when the lazy subscriber
 * got at most one frame per LAZY_FANOUT_MS of the time that took (+2 for the edges). However slow the
 * machine, that bound holds for a lazy hub; a hub routing each release at the next turn exceeds it
 * unless the 100 turns took 2.5 s.
 */
async function framesFor100Turns(hub: EventHub, lazy: Recorder, release: (sequence: number) => void): Promise<boolean> {
  const started = performance.now();
  for (let sequence = 1; sequence <= 100; sequence++) {
    release(sequence);
    await nextTurn();
  }
  await until('all 100 events routed', () => hub.stats.eventsSent === 100);
  const elapsedMs = performance.now() - started;
  const bound = elapsedMs / LAZY_FANOUT_MS + 2;
  if (lazy.eventFrames > bound) throw new Error(`${lazy.eventFrames} frames in ${elapsedMs.toFixed(1)} ms: more than ${bound.toFixed(1)}`);
  return lazy.eventFrames >= 1;
}
