// The projector's loop against a real PostgreSQL that is killed (SIGKILL of the whole server) and
// restarted while events stream in: it resumes from the position PostgreSQL holds, and the tables end
// up agreeing with the logic, nothing lost and nothing doubled. The event source here replays the
// real logic's events in process; test/projector_crash.test.ts runs it against a real engine.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { isAfterPosition } from '../codec/records/event_descriptor.ts';
import { startTemporaryPostgres, type TemporaryPostgres } from './test_support/temporary_postgres.ts';
import { Projector, type EventSource } from './projector.ts';
import { EventSubscriptionError } from '../client/event_subscription.ts';
import { ResultCode } from '../codec/result_codes.ts';
import { readPosition } from './projection_writer.ts';
import { logicBalances, recordSlice, runScenario, type Scenario } from './test_support/logic_scenario.ts';

let server: TemporaryPostgres;
beforeAll(async () => {
  server = await startTemporaryPostgres();
});
afterAll(async () => {
  await server?.dispose();
});

/** Streams the events after the asked position, seven per event-loop turn, then waits for abort. */
function scenarioSource(scenario: Scenario, subscriptions: { after: number[] }): EventSource {
  const { events } = scenario;
  return {
    async stream(after, onRecords, signal): Promise<void> {
      subscriptions.after.push(after.sequence);
      let at = events.findIndex((e) => isAfterPosition(e.sequence, e.index, after.sequence, after.index));
      if (at < 0) at = events.length;
      while (at < events.length && !signal.aborted) {
        onRecords(recordSlice(scenario, at, at + 7).slice());
        at += 7;
        await new Promise((r) => setImmediate(r));
      }
      if (!signal.aborted) await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
    },
  };
}

async function until(condition: () => Promise<boolean> | boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('projector', () => {
  it('resumes from the stored position after PostgreSQL is killed mid-stream and restarted: nothing lost, nothing doubled', async () => {
    const scenario = runScenario(77, 4000);
    const subscriptions = { after: [] as number[] };
    const url = server.server.url;
    const projector = new Projector({ postgresUrl: url, source: scenarioSource(scenario, subscriptions), maxBatchEvents: 64, retryDelayMs: 100 });
    const running = projector.start();
    const total = scenario.events.length;
    await until(() => projector.status().eventsApplied > total / 4, 'a quarter of the events');
    await server.server.kill();
    const appliedAtKill = projector.status().eventsApplied;
    expect(appliedAtKill).toBeLessThan(total);
    await until(() => projector.status().state === 'retrying', 'the projector to notice');
    await server.server.start();
    await until(() => projector.status().eventsApplied === total && projector.status().queuedEvents === 0, 'every event', 120_000);
    await projector.stop();
    await running;
    expect(projector.status().restarts).toBeGreaterThanOrEqual(1);
    expect(subscriptions.after.length).toBeGreaterThanOrEqual(2);
    expect(subscriptions.after[subscriptions.after.length - 1]).toBeGreaterThan(0);

    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const position = await readPosition(client);
    const last = scenario.events[total - 1];
    expect([position.sequence, position.index, position.eventsApplied]).toEqual([last.sequence, last.index, total]);
    const balances = (await client.query<{ account_id: string; asset_id: string; available: string; reserved: string }>('SELECT * FROM balances')).rows;
    expect(new Map(balances.map((r) => [`${r.account_id}:${r.asset_id}`, [Number(r.available), Number(r.reserved)]]))).toEqual(logicBalances(scenario.machine));
    const changes = Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM balance_changes')).rows[0].n);
    expect(changes).toBe(scenario.events.filter((e) => e.kind === 'balance_changed').length);
    const fills = Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM fills')).rows[0].n);
    expect(fills).toBe(scenario.events.filter((e) => e.kind === 'fill').length);
    await client.end();
  });

  it('stops in state failed, without retrying, when the engine no longer holds the events after its position', async () => {
    const after: number[] = [];
    const source: EventSource = {
      stream: async (position) => {
        after.push(position.sequence);
        throw new EventSubscriptionError(ResultCode.HISTORY_RETIRED, 'the events after sequence 0 are no longer kept');
      },
    };
    const logged: string[] = [];
    const projector = new Projector({ postgresUrl: server.server.url, source, retryDelayMs: 0, log: (level, message) => logged.push(`${level} ${message}`) });
    await projector.start();
    expect(projector.status().state).toBe('failed');
    expect(projector.status().lastError).toMatch(/HISTORY_RETIRED \(250\).*no longer kept/);
    expect(projector.status().restarts).toBe(0);
    expect(after).toHaveLength(1);
    expect(logged.some((line) => line.startsWith('error ') && line.includes('keepJournal'))).toBe(true);
    await projector.stop();
    expect(projector.status().state).toBe('failed');
  });

  it('refuses options out of range by name', () => {
    const source: EventSource = { stream: async () => undefined };
    expect(() => new Projector({ postgresUrl: 'postgres://x', source, maxBatchEvents: 0 })).toThrow(/maxBatchEvents must be an integer from 1 to 1000000; got 0/);
    expect(() => new Projector({ postgresUrl: 'postgres://x', source, maxQueuedEvents: 1.5 })).toThrow(/maxQueuedEvents/);
  });
});
