/**
 * The PostgreSQL projection end to end with real processes: an engine (with its gateway) under a
 * steady stream of orders, transfers, purchases and seat bookings; `ringline project` as a child
 * process; a real PostgreSQL. Mid-stream the projector is killed with SIGKILL and started again, and
 * later PostgreSQL itself is killed (SIGKILL of the whole server) and restarted. Afterwards:
 *   - every event the engine emitted is in the tables exactly once (compared with an independent
 *     `all` subscription from the start), and the stored position is the last event;
 *   - balances equal the engine's (getBalance for every account and asset);
 *   - the fills of each order sum to its filled quantity, and resting orders match getOrder;
 *   - each item's sold count equals the stock sold (the engine's getItem, the sales rows).
 * Then the history routes: an owner reads its orders, fills and statement; another principal gets
 * ACCOUNT_NOT_FOUND as for a command on that account; an admin reads any account; bad input is named.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventSubscription } from '../client/event_subscription.ts';
import type { RinglineEvent } from '../codec/records/event_decoder.ts';
import { ResultCode } from '../codec/result_codes.ts';
import { seededRandom } from '../core/test_support/seeded_random.ts';
import { HistoryStore } from '../projection/history_store.ts';
import { ADMIN_KEY, must, startE2eServer, type CommandChannel, type E2eServer } from './test_support/e2e_harness.ts';
import { startTemporaryPostgres, type TemporaryPostgres } from '../projection/test_support/temporary_postgres.ts';
import { CLI, spawnProc, type Proc } from './test_support/replication_harness.ts';

const BASE = 1;
const QUOTE = 2;
const SYMBOL = 10;
const ITEM = 501;
const EVENT_ID = 700;
const SEATS = 200;
const USERS = 4;
/** Commands at least, and at most (the faults must have happened in between). */
const MIN_COMMANDS = 2000;
const MAX_COMMANDS = 12_000;

async function until(what: string, condition: () => Promise<boolean> | boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

interface User {
  id: number;
  key: string;
  account: number;
  channel: CommandChannel;
}

describe('projector end to end', () => {
  let postgres: TemporaryPostgres;
  let e2e: E2eServer;
  let history: HistoryStore;
  let admin: CommandChannel;
  let projector: Proc | null = null;
  let observer: EventSubscription;
  const observed: RinglineEvent[] = [];
  const users: User[] = [];
  const orderIds: number[] = [];
  const workDir = mkdtempSync(join(tmpdir(), 'ringline-projector-e2e-'));

  const startProjector = (): Proc => spawnProc([process.execPath, CLI, 'project', '--postgres', postgres.server.url, '--engine', e2e.wsUrl,
    '--admin-key', ADMIN_KEY, '--batch-events', '400', '--log-every-ms', '0', '--log-format', 'json'], 200_000, { ...process.env, RINGLINE_ADMIN_KEY: '' });

  const query = async <T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> => {
    const client = new pg.Client({ connectionString: postgres.server.url });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return (await client.query<T>(sql, params)).rows;
    } finally {
      await client.end();
    }
  };
  /** The stored position's sequence, or -1 while PostgreSQL or the table is not there. */
  const storedSequence = async (): Promise<number> => {
    try {
      const rows = await query<{ sequence: string }>('SELECT sequence FROM projector_position WHERE id = 1');
      return rows.length === 0 ? -1 : Number(rows[0].sequence);
    } catch {
      return -1;
    }
  };

  beforeAll(async () => {
    postgres = await startTemporaryPostgres();
    history = new HistoryStore(postgres.server.url);
    e2e = await startE2eServer({ durability: 'fsync', history });
    admin = await e2e.connect('tcp', ADMIN_KEY);
    observer = EventSubscription.open({ url: e2e.wsUrl, apiKey: ADMIN_KEY, stream: 'all', from: 'start' });
    void (async () => {
      for await (const event of observer) observed.push(event);
    })();
    await must(admin, { type: 'createAsset', assetId: BASE });
    await must(admin, { type: 'createAsset', assetId: QUOTE });
    await must(admin, { type: 'createSymbol', symbolId: SYMBOL, baseAssetId: BASE, quoteAssetId: QUOTE, tickSize: 1, lotSize: 1 });
    for (let u = 0; u < USERS; u++) {
      const added = e2e.addPrincipal(`user${u}`);
      const user: User = { id: added.id, key: added.key, account: 100 + u, channel: await e2e.connect(u % 2 === 0 ? 'ws' : 'tcp', added.key) };
      users.push(user);
      await must(user.channel, { type: 'createAccount', accountId: user.account });
      await must(admin, { type: 'deposit', accountId: user.account, assetId: BASE, amount: 1_000_000 });
      await must(admin, { type: 'deposit', accountId: user.account, assetId: QUOTE, amount: 100_000_000 });
    }
    await must(users[0].channel, { type: 'createItem', itemId: ITEM, merchantAccountId: users[0].account, priceAssetId: QUOTE, unitPrice: 9, stock: 1_000_000 });
    await must(users[1].channel, { type: 'createEvent', eventId: EVENT_ID, merchantAccountId: users[1].account, priceAssetId: QUOTE, seatPrice: 25, seatCount: SEATS });
  });

  afterAll(async () => {
    await projector?.kill('SIGKILL');
    observer?.close();
    for (const user of users) await user.channel.close();
    await admin?.close();
    await e2e?.stop();
    await history?.close();
    await postgres?.dispose();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('survives SIGKILL of the projector and of PostgreSQL mid-stream: every event once, tables equal to the engine', async () => {
    projector = startProjector();
    const random = seededRandom(2026);
    const int = (min: number, max: number): number => min + Math.floor(random() * (max - min + 1));
    let faultsDone = false;
    let sent = 0;
    const oneCommand = async (): Promise<void> => {
      const user = users[Math.floor(random() * users.length)];
      const roll = random();
      if (roll < 0.5) {
        const r = await user.channel.send({ type: 'placeOrder', symbolId: SYMBOL, accountId: user.account, side: random() < 0.5 ? 'buy' : 'sell',
          price: int(95, 105), quantity: int(1, 30), timeInForce: random() < 0.8 ? 'gtc' : 'ioc' });
        if (r.code === ResultCode.OK) orderIds.push(r.sequence);
      } else if (roll < 0.6 && orderIds.length > 0) {
        await user.channel.send({ type: 'cancelOrder', symbolId: SYMBOL, orderId: orderIds[Math.floor(random() * orderIds.length)] });
      } else if (roll < 0.75) {
        await user.channel.send({ type: 'transfer', fromAccountId: user.account, toAccountId: 100 + int(0, USERS - 1), assetId: QUOTE, amount: int(1, 500) });
      } else if (roll < 0.9) {
        await user.channel.send({ type: 'buy', itemId: ITEM, buyerAccountId: user.account, quantity: int(1, 4) });
      } else {
        await user.channel.send({ type: 'bookSeats', eventId: EVENT_ID, buyerAccountId: user.account, seats: [int(0, SEATS - 1)] });
      }
    };
    const load = (async () => {
      while (sent < MAX_COMMANDS && (sent < MIN_COMMANDS || !faultsDone)) {
        sent += 16;
        await Promise.all(Array.from({ length: 16 }, oneCommand));
      }
    })();

    // 1. SIGKILL the projector once it has committed part of the stream, and start another.
    await until('the projector to commit events', async () => (await storedSequence()) > 50);
    await projector.kill('SIGKILL');
    const atProjectorKill = await storedSequence();
    projector = startProjector();
    await until('the new projector to move on', async () => (await storedSequence()) > atProjectorKill + 200);
    // 2. SIGKILL PostgreSQL (every server process at once) mid-stream and restart it.
    await postgres.server.kill();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await postgres.server.start();
    const atPostgresRestart = await storedSequence();
    await until('the projector to write again after the PostgreSQL restart', async () => (await storedSequence()) > atPostgresRestart + 200);
    faultsDone = true;
    await load;
    expect(sent).toBeGreaterThanOrEqual(MIN_COMMANDS);
    const marker = await must(admin, { type: 'deposit', accountId: users[0].account, assetId: BASE, amount: 1 });
    await until('the projection to reach the last command', async () => (await storedSequence()) >= marker.sequence);
    await until('the observer to see the last command', () => observed.length > 0 && observed[observed.length - 1].sequence >= marker.sequence);
    expect(projector.output()).toMatch(/restarting from the stored position/);

    // Every event exactly once: the (sequence, index) keys of all event tables equal the observer's.
    const keys = await query<{ sequence: string; index: number }>(`
      SELECT sequence, index FROM order_events UNION ALL SELECT sequence, index FROM fills UNION ALL SELECT sequence, index FROM transfers
      UNION ALL SELECT sequence, index FROM balance_changes UNION ALL SELECT sequence, index FROM sales UNION ALL SELECT sequence, index FROM restocks
      UNION ALL SELECT sequence, index FROM seat_bookings ORDER BY 1, 2`);
    const expected = observed.filter((e) => e.kind !== 'level_changed').map((e) => `${e.sequence}:${e.index}`);
    expect(keys.map((k) => `${k.sequence}:${k.index}`)).toEqual(expected);
    const last = observed[observed.length - 1];
    const position = (await query<{ sequence: string; index: number; events_applied: string }>('SELECT * FROM projector_position'))[0];
    expect([Number(position.sequence), position.index, Number(position.events_applied)]).toEqual([last.sequence, last.index, observed.length]);

    // Balances equal the engine's.
    const balances = await query<{ account_id: string; asset_id: string; available: string; reserved: string }>('SELECT * FROM balances ORDER BY 1, 2');
    expect(balances.length).toBe(USERS * 2);
    for (const row of balances) {
      const r = await must(admin, { type: 'getBalance', accountId: Number(row.account_id), assetId: Number(row.asset_id) });
      if (r.result?.type !== 'balance') throw new Error('getBalance: no balance body');
      expect({ cell: `${row.account_id}:${row.asset_id}`, available: Number(row.available), reserved: Number(row.reserved) })
        .toEqual({ cell: `${row.account_id}:${row.asset_id}`, available: r.result.available, reserved: r.result.reserved });
    }

    // Fills sum to each order's filled quantity; resting orders agree with getOrder.
    const orders = await query<{ order_id: string; status: string; resting_quantity: string; filled_quantity: string; fills: string }>(`
      SELECT o.order_id, o.status, o.resting_quantity, o.filled_quantity,
             (SELECT coalesce(sum(quantity), 0) FROM fills f WHERE f.maker_order_id = o.order_id OR f.taker_order_id = o.order_id) AS fills
        FROM orders o ORDER BY o.order_id`);
    expect(orders.map((o) => Number(o.order_id))).toEqual([...orderIds].sort((a, b) => a - b));
    let resting = 0;
    for (const order of orders) {
      expect([order.order_id, Number(order.fills)]).toEqual([order.order_id, Number(order.filled_quantity)]);
      if (order.status !== 'resting') continue;
      resting++;
      const r = await must(admin, { type: 'getOrder', symbolId: SYMBOL, orderId: Number(order.order_id) });
      if (r.result?.type !== 'orderInfo') throw new Error('getOrder: no orderInfo body');
      expect([order.order_id, Number(order.resting_quantity), Number(order.filled_quantity)])
        .toEqual([order.order_id, r.result.restingQuantity, r.result.filledQuantity]);
    }
    expect(resting).toBeGreaterThan(0);
    expect(orders.some((o) => o.status === 'filled')).toBe(true);

    // Sold counts equal the stock sold.
    const item = await must(admin, { type: 'getItem', itemId: ITEM });
    if (item.result?.type !== 'item') throw new Error('getItem: no item body');
    const [projected] = await query<{ stock: string; sold: string; sales: string }>(
      'SELECT stock, sold, (SELECT sum(quantity) FROM sales WHERE item_id = $1) AS sales FROM items WHERE item_id = $1', [ITEM]);
    expect([Number(projected.stock), Number(projected.sold), Number(projected.sales)]).toEqual([item.result.stock, item.result.sold, item.result.sold]);
    expect(item.result.sold).toBeGreaterThan(0);
  }, 300_000);

  it('serves history to the owner, ACCOUNT_NOT_FOUND to another principal, any account to an admin; names bad input', async () => {
    const get = async (path: string, key: string | null): Promise<{ status: number; body: Record<string, unknown> }> => {
      const response = await fetch(`${e2e.httpUrl}${path}`, { headers: key === null ? {} : { authorization: `Bearer ${key}` } });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const owner = users[2];
    const orders = await get(`/v1/accounts/${owner.account}/orders?limit=5`, owner.key);
    expect(orders.status).toBe(200);
    const rows = orders.body.rows as { orderId: number; filledQuantity: number; status: string }[];
    expect(rows.length).toBe(5);
    const ids = rows.map((r) => r.orderId);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    const [stored] = await query<{ filled_quantity: string; status: string }>('SELECT filled_quantity, status FROM orders WHERE order_id = $1', [ids[0]]);
    expect([rows[0].filledQuantity, rows[0].status]).toEqual([Number(stored.filled_quantity), stored.status]);
    const older = await get(`/v1/accounts/${owner.account}/orders?limit=5&before=${String(orders.body.nextBefore)}`, owner.key);
    expect((older.body.rows as { orderId: number }[])[0].orderId).toBeLessThan(ids[4]);

    const fills = await get(`/v1/accounts/${owner.account}/fills`, owner.key);
    expect(fills.status).toBe(200);
    const expectedFills = await query<{ n: string }>('SELECT count(*) AS n FROM account_fills WHERE account_id = $1', [owner.account]);
    expect((fills.body.rows as unknown[]).length).toBe(Math.min(100, Number(expectedFills[0].n)));

    const statement = await get(`/v1/accounts/${owner.account}/statement?assetId=${QUOTE}&limit=1000`, owner.key);
    expect(statement.status).toBe(200);
    const lines = statement.body.rows as { availableDelta: number; available: number; cause: string }[];
    expect(lines.length).toBeGreaterThan(10);
    // Newest first: each line's balance before it is the next line's balance after.
    for (let i = 0; i + 1 < lines.length; i++) expect(lines[i].available - lines[i].availableDelta).toBe(lines[i + 1].available);
    const [first] = await query<{ available_delta: string; cause: string }>(
      'SELECT available_delta, cause FROM account_statement WHERE account_id = $1 AND asset_id = $2 ORDER BY sequence, index LIMIT 1', [owner.account, QUOTE]);
    expect([first.cause, Number(first.available_delta)]).toEqual(['deposit', 100_000_000]);
    const quote = await must(owner.channel, { type: 'getBalance', accountId: owner.account, assetId: QUOTE });
    if (quote.result?.type !== 'balance') throw new Error('getBalance: no balance body');
    expect(lines[0].available).toBe(quote.result.available);
    expect(statement.body.projectedThrough).toMatchObject({ sequence: expect.any(Number) as number });

    // Another principal: what a command on that account answers. An admin: allowed.
    const intruder = await get(`/v1/accounts/${owner.account}/fills`, users[3].key);
    expect([intruder.status, intruder.body.code]).toEqual([422, ResultCode.ACCOUNT_NOT_FOUND]);
    const command = await users[3].channel.send({ type: 'getBalance', accountId: owner.account, assetId: QUOTE });
    expect(command.code).toBe(intruder.body.code);
    expect((await get(`/v1/accounts/${owner.account}/orders`, ADMIN_KEY)).status).toBe(200);
    expect((await get(`/v1/accounts/${owner.account}/orders`, null)).status).toBe(401);
    expect((await get(`/v1/accounts/${owner.account}/orders`, 'wrong-key')).status).toBe(401);
    const badLimit = await get(`/v1/accounts/${owner.account}/orders?limit=0`, owner.key);
    expect([badLimit.status, badLimit.body.code]).toEqual([400, ResultCode.INVALID_FIELD_VALUE]);
    expect(String(badLimit.body.detail)).toMatch(/limit must be an integer from 1 to 1000/);
    expect((await get(`/v1/accounts/abc/orders`, owner.key)).body.code).toBe(ResultCode.INVALID_FIELD_VALUE);
    expect((await get(`/v1/accounts/${owner.account}/secrets`, owner.key)).status).toBe(404);

    // PostgreSQL down: the route answers STORAGE_UNAVAILABLE, and serves again once it is back.
    await postgres.server.stop();
    const down = await get(`/v1/accounts/${owner.account}/orders`, owner.key);
    expect([down.status, down.body.code]).toEqual([503, ResultCode.STORAGE_UNAVAILABLE]);
    await postgres.server.start();
    await until('history to answer again', async () => (await get(`/v1/accounts/${owner.account}/orders`, owner.key)).status === 200, 30_000);
  }, 120_000);

  it('ringline postgres runs the embedded server for the quick start and stops on SIGTERM', async () => {
    // Its own folder straight under the temp folder: as root the server runs as nobody, which must reach it.
    const dataDir = mkdtempSync(join(tmpdir(), 'ringline-quick-pg-'));
    const server = spawnProc([process.execPath, CLI, 'postgres', '--data', dataDir, '--port', '0']);
    const [, url] = await server.waitFor(/url (postgres:\/\/\S+)/, 90_000);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    expect((await client.query<{ ok: number }>('SELECT 1 AS ok')).rows[0].ok).toBe(1);
    await client.end();
    expect(await server.kill('SIGTERM')).toBe(0);
    rmSync(dataDir, { recursive: true, force: true });
  }, 120_000);

  it('ringline project --status prints the stored position', async () => {
    const status = spawnProc([process.execPath, CLI, 'project', '--status', '--postgres', postgres.server.url]);
    expect(await status.exited).toBe(0);
    const printed = JSON.parse(status.output()) as { position: { sequence: number }; eventsApplied: number };
    expect(printed.eventsApplied).toBe(observed.length);
    expect(printed.position.sequence).toBe(observed[observed.length - 1].sequence);
    const bad = spawnProc([process.execPath, CLI, 'project', '--postgres', 'mysql://x', '--admin-key', 'k']);
    expect(await bad.exited).toBe(2);
    expect(bad.output()).toMatch(/--postgres must be a PostgreSQL URL/);
  });
});
