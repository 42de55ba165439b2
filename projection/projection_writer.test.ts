// The projection writer against a real PostgreSQL, fed by the real business logic's events: the
// tables agree with the logic's state whatever the batch sizes, batches delivered again or
// overlapping change nothing, and a failed transaction stores nothing (the position included).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { startTemporaryPostgres, type TemporaryPostgres } from './test_support/temporary_postgres.ts';
import { migrate, MIGRATIONS } from './schema_migrations.ts';
import { readPosition, writeBatch } from './projection_writer.ts';
import { seededRandom } from '../core/test_support/seeded_random.ts';
import {
  EVENT_ID, ITEMS, logicBalances, recordSlice, logicItem, logicOrder, logicSeatHolder, runScenario, SEAT_COUNT, type Scenario,
} from './test_support/logic_scenario.ts';

let server: TemporaryPostgres;
beforeAll(async () => {
  server = await startTemporaryPostgres();
});
afterAll(async () => {
  await server?.dispose();
});

/** A fresh database per test, migrated. */
async function freshDatabase(name: string): Promise<pg.Client> {
  const admin = new pg.Client({ connectionString: server.server.url });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(server.server.url);
  url.pathname = `/${name}`;
  const client = new pg.Client({ connectionString: url.toString() });
  client.on('error', () => { /* a test that failed left it open when the server stopped */ });
  await client.connect();
  expect(await migrate(client)).toEqual(MIGRATIONS.map((m) => m.version));
  expect(await migrate(client)).toEqual([]);
  return client;
}

/** Every agreement between the tables and the logic the issue asks for. */
async function expectAgreement(client: pg.Client, scenario: Scenario): Promise<void> {
  const balances = (await client.query<{ account_id: string; asset_id: string; available: string; reserved: string }>('SELECT * FROM balances')).rows;
  const projected = new Map(balances.map((r) => [`${r.account_id}:${r.asset_id}`, [Number(r.available), Number(r.reserved)]]));
  expect(projected).toEqual(logicBalances(scenario.machine));

  // Fills sum to each order's filled quantity; live orders match the logic's resting and filled.
  const orders = (await client.query<{ order_id: string; status: string; resting_quantity: string; filled_quantity: string; fills: string | null }>(
    `SELECT o.order_id, o.status, o.resting_quantity, o.filled_quantity,
            (SELECT sum(quantity) FROM fills f WHERE f.maker_order_id = o.order_id OR f.taker_order_id = o.order_id) AS fills
       FROM orders o`)).rows;
  expect(orders.length).toBe(scenario.orderIds.length);
  let resting = 0;
  for (const order of orders) {
    expect({ order: order.order_id, filled: Number(order.fills ?? 0) }).toEqual({ order: order.order_id, filled: Number(order.filled_quantity) });
    const live = logicOrder(scenario, Number(order.order_id));
    if (order.status === 'resting' || order.status === 'accepted') {
      expect({ order: order.order_id, live }).toEqual({ order: order.order_id, live: { resting: Number(order.resting_quantity), filled: Number(order.filled_quantity) } });
      resting++;
    } else {
      expect(Number(order.resting_quantity)).toBe(0);
    }
  }
  expect(resting).toBeGreaterThan(0);

  // Sold counts equal the stock sold, item by item.
  for (const itemId of ITEMS) {
    const row = (await client.query<{ stock: string; sold: string; sales: string }>(
      'SELECT stock, sold, (SELECT coalesce(sum(quantity), 0) FROM sales s WHERE s.item_id = i.item_id) AS sales FROM items i WHERE item_id = $1', [itemId])).rows[0];
    const live = logicItem(scenario, itemId);
    expect({ itemId, stock: Number(row.stock), sold: Number(row.sold), sales: Number(row.sales) }).toEqual({ itemId, ...live, sales: live.sold });
  }
  const seats = new Map((await client.query<{ seat: string; holder_account_id: string | null }>('SELECT seat, holder_account_id FROM seats WHERE event_id = $1', [EVENT_ID]))
    .rows.map((r) => [Number(r.seat), Number(r.holder_account_id ?? 0)]));
  for (let seat = 0; seat < SEAT_COUNT; seat++) expect([seat, seats.get(seat) ?? 0]).toEqual([seat, logicSeatHolder(scenario, seat)]);

  // Every event is stored once: the event tables hold exactly the events' positions.
  const counted = (await client.query<{ n: string }>(`SELECT
      (SELECT count(*) FROM order_events) + (SELECT count(*) FROM fills) + (SELECT count(*) FROM transfers)
    + (SELECT count(*) FROM balance_changes) + (SELECT count(*) FROM sales) + (SELECT count(*) FROM restocks)
    + (SELECT count(*) FROM seat_bookings) AS n`)).rows[0];
  expect(Number(counted.n)).toBe(scenario.events.filter((e) => e.kind !== 'level_changed').length);
  const last = scenario.events[scenario.events.length - 1];
  const position = await readPosition(client);
  expect({ sequence: position.sequence, index: position.index, eventsApplied: position.eventsApplied })
    .toEqual({ sequence: last.sequence, index: last.index, eventsApplied: scenario.events.length });
}

describe('projection writer', () => {
  it('projects a random scenario in random batch sizes, with batches delivered again and overlapping, into tables that agree with the logic', async () => {
    const scenario = runScenario(12, 1500);
    const kinds = new Set(scenario.events.map((e) => e.kind));
    for (const kind of ['fill', 'order_done', 'order_amended', 'transferred', 'transfer_posted', 'transfer_voided', 'stock_sold', 'stock_restocked',
      'seat_booked', 'seat_released']) expect(kinds).toContain(kind);
    const client = await freshDatabase('writer_random');
    const random = seededRandom(99);
    let at = 0;
    let applied = 0;
    while (at < scenario.events.length) {
      const size = 1 + Math.floor(random() * 300);
      // Sometimes start earlier than the stored position: a redelivery after a crash or a resubscription.
      const from = random() < 0.3 ? Math.max(0, at - Math.floor(random() * 200)) : at;
      const outcome = await writeBatch(client, recordSlice(scenario, from, at + size));
      applied += outcome.applied;
      expect(outcome.applied).toBe(Math.min(at + size, scenario.events.length) - at);
      at += size;
      if (random() < 0.2) expect((await writeBatch(client, recordSlice(scenario, from, at))).applied).toBe(0);
    }
    expect(applied).toBe(scenario.events.length);
    await expectAgreement(client, scenario);
    await client.end();
  });

  it('a transaction that fails stores nothing of its batch, not even the position', async () => {
    const scenario = runScenario(5, 300);
    const client = await freshDatabase('writer_failure');
    const half = Math.floor(scenario.events.length / 2);
    await writeBatch(client, recordSlice(scenario, 0, half));
    const before = await readPosition(client);
    // A trigger that fails the fills insert makes the transaction fail halfway through its statements.
    await client.query(`CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused for the test'; END $$`);
    await client.query('CREATE TRIGGER refuse_fills BEFORE INSERT ON fills FOR EACH ROW EXECUTE FUNCTION refuse()');
    await expect(writeBatch(client, recordSlice(scenario, half))).rejects.toThrow(/refused for the test/);
    const after = await readPosition(client);
    expect({ sequence: after.sequence, index: after.index, applied: after.eventsApplied }).toEqual({ sequence: before.sequence, index: before.index, applied: half });
    const balanceRows = Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM balance_changes')).rows[0].n);
    expect(balanceRows).toBe(scenario.events.slice(0, half).filter((e) => e.kind === 'balance_changed').length);
    await client.query('DROP TRIGGER refuse_fills ON fills');
    await writeBatch(client, recordSlice(scenario, half));
    await expectAgreement(client, scenario);
    await client.end();
  });

  it('the account statement view gives each change and the amounts it moved', async () => {
    const scenario = runScenario(3, 200);
    const client = await freshDatabase('writer_views');
    await writeBatch(client, scenario.records);
    const account = scenario.accounts[2];
    const rows = (await client.query<{ available_delta: string; available: string; cause: string }>(
      'SELECT available_delta, available, cause FROM account_statement WHERE account_id = $1 AND asset_id = 2 ORDER BY sequence, index', [account])).rows;
    expect(rows[0]).toMatchObject({ cause: 'deposit', available_delta: '500000', available: '500000' });
    let running = 0;
    for (const row of rows) {
      running += Number(row.available_delta);
      expect(running).toBe(Number(row.available));
    }
    const fills = (await client.query<{ n: string }>('SELECT count(*) AS n FROM account_fills WHERE account_id = $1', [account])).rows[0];
    const expected = scenario.events.filter((e) => e.kind === 'fill' && (e.makerAccountId === account || e.takerAccountId === account))
      .reduce((n, e) => n + (e.kind === 'fill' && e.makerAccountId === account ? 1 : 0) + (e.kind === 'fill' && e.takerAccountId === account ? 1 : 0), 0);
    expect(Number(fills.n)).toBe(expected);
    await client.end();
  });
});
