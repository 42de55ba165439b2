/**
 * The projection's schema, as ordered migrations applied at projector start (and by the engine's
 * history endpoints before their first query). Each migration runs once, in its own transaction,
 * under an advisory lock, so two projectors starting together do not race; applied versions are
 * kept in ringline_schema_migrations. Never edit a released migration: add the next one.
 *
 * Numbers are BIGINT (every engine quantity is an exact integer below 2^53); times are the
 * command's sequencer timestamp. Tables written by the projector (docs/projection.md):
 *   projector_position  the last applied event (sequence, index), written in the same transaction as the rows
 *   orders              one row per order, its latest state (accepted, resting, filled, cancelled, ...)
 *   order_events        every state an order went through (accepted, rested, amended, done), by (sequence, index)
 *   fills               every trade, maker and taker
 *   transfers           immediate transfers and the reserve / post / void steps of pending ones
 *   balances            current available and reserved per (account, asset)
 *   balance_changes     every new balance value with its cause
 *   accounts            account → owning principal (learned from the events)
 *   items, sales, restocks     inventory: stock and sold per item, every sale, every restock
 *   seats, seat_bookings       per (event, seat) its holder, and every booking and release
 * Views: account_statement, account_fills (documented in docs/projection.md).
 */
import type pg from 'pg';

export interface Migration {
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

/** Every event row table is keyed by the event's position: (sequence, index). */
const EVENT_KEY = 'sequence BIGINT NOT NULL, index INTEGER NOT NULL, at TIMESTAMPTZ NOT NULL, PRIMARY KEY (sequence, index)';

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'projection tables, position and account views',
    sql: `
CREATE TABLE projector_position (
  id SMALLINT PRIMARY KEY CHECK (id = 1),
  sequence BIGINT NOT NULL,
  index INTEGER NOT NULL,
  events_applied BIGINT NOT NULL,
  event_at TIMESTAMPTZ,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
INSERT INTO projector_position (id, sequence, index, events_applied) VALUES (1, 0, -1, 0);

CREATE TABLE accounts (
  account_id BIGINT PRIMARY KEY,
  principal_id BIGINT NOT NULL
);

CREATE TABLE orders (
  order_id BIGINT PRIMARY KEY,
  account_id BIGINT NOT NULL,
  symbol_id BIGINT NOT NULL,
  side TEXT NOT NULL,
  price BIGINT NOT NULL,
  quantity BIGINT NOT NULL,
  order_type INTEGER NOT NULL,
  time_in_force INTEGER NOT NULL,
  status TEXT NOT NULL,
  resting_quantity BIGINT NOT NULL,
  filled_quantity BIGINT NOT NULL,
  accepted_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  last_sequence BIGINT NOT NULL,
  last_index INTEGER NOT NULL
);
CREATE INDEX orders_by_account ON orders (account_id, order_id);

CREATE TABLE order_events (
  ${EVENT_KEY},
  order_id BIGINT NOT NULL,
  account_id BIGINT NOT NULL,
  symbol_id BIGINT NOT NULL,
  kind TEXT NOT NULL,
  side TEXT,
  price BIGINT,
  quantity BIGINT,
  reason TEXT
);
CREATE INDEX order_events_by_order ON order_events (order_id, sequence, index);
CREATE INDEX order_events_by_account ON order_events (account_id, sequence, index);

CREATE TABLE fills (
  ${EVENT_KEY},
  symbol_id BIGINT NOT NULL,
  price BIGINT NOT NULL,
  quantity BIGINT NOT NULL,
  taker_side TEXT NOT NULL,
  maker_order_id BIGINT NOT NULL,
  taker_order_id BIGINT NOT NULL,
  maker_account_id BIGINT NOT NULL,
  taker_account_id BIGINT NOT NULL
);
CREATE INDEX fills_by_maker_account ON fills (maker_account_id, sequence, index);
CREATE INDEX fills_by_taker_account ON fills (taker_account_id, sequence, index);

CREATE TABLE transfers (
  ${EVENT_KEY},
  kind TEXT NOT NULL,
  transfer_id BIGINT,
  from_account_id BIGINT NOT NULL,
  to_account_id BIGINT NOT NULL,
  asset_id BIGINT NOT NULL,
  amount BIGINT NOT NULL
);
CREATE INDEX transfers_by_from ON transfers (from_account_id, sequence, index);
CREATE INDEX transfers_by_to ON transfers (to_account_id, sequence, index);

CREATE TABLE balances (
  account_id BIGINT NOT NULL,
  asset_id BIGINT NOT NULL,
  available BIGINT NOT NULL,
  reserved BIGINT NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  last_sequence BIGINT NOT NULL,
  last_index INTEGER NOT NULL,
  PRIMARY KEY (account_id, asset_id)
);

CREATE TABLE balance_changes (
  ${EVENT_KEY},
  account_id BIGINT NOT NULL,
  asset_id BIGINT NOT NULL,
  available BIGINT NOT NULL,
  reserved BIGINT NOT NULL,
  cause TEXT NOT NULL
);
CREATE INDEX balance_changes_by_account ON balance_changes (account_id, asset_id, sequence, index);

CREATE TABLE items (
  item_id BIGINT PRIMARY KEY,
  stock BIGINT NOT NULL,
  sold BIGINT NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  last_sequence BIGINT NOT NULL,
  last_index INTEGER NOT NULL
);

CREATE TABLE sales (
  ${EVENT_KEY},
  item_id BIGINT NOT NULL,
  buyer_account_id BIGINT NOT NULL,
  quantity BIGINT NOT NULL,
  total_price BIGINT NOT NULL
);
CREATE INDEX sales_by_item ON sales (item_id, sequence, index);
CREATE INDEX sales_by_buyer ON sales (buyer_account_id, sequence, index);

CREATE TABLE restocks (
  ${EVENT_KEY},
  item_id BIGINT NOT NULL,
  quantity BIGINT NOT NULL
);

CREATE TABLE seats (
  event_id BIGINT NOT NULL,
  seat BIGINT NOT NULL,
  holder_account_id BIGINT,
  price BIGINT NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  last_sequence BIGINT NOT NULL,
  last_index INTEGER NOT NULL,
  PRIMARY KEY (event_id, seat)
);

CREATE TABLE seat_bookings (
  ${EVENT_KEY},
  kind TEXT NOT NULL,
  event_id BIGINT NOT NULL,
  seat BIGINT NOT NULL,
  holder_account_id BIGINT NOT NULL,
  price BIGINT NOT NULL
);
CREATE INDEX seat_bookings_by_holder ON seat_bookings (holder_account_id, sequence, index);

-- An account statement: every balance change of an account with the amounts it moved.
CREATE VIEW account_statement AS
SELECT account_id, asset_id, sequence, index, at, cause,
       available - lag(available, 1, 0::bigint) OVER w AS available_delta,
       reserved - lag(reserved, 1, 0::bigint) OVER w AS reserved_delta,
       available, reserved
  FROM balance_changes
WINDOW w AS (PARTITION BY account_id, asset_id ORDER BY sequence, index);

-- Every fill seen from one account's side (a self-trade appears twice, once per role).
CREATE VIEW account_fills AS
SELECT maker_account_id AS account_id, 'maker' AS role, maker_order_id AS order_id,
       CASE taker_side WHEN 'buy' THEN 'sell' ELSE 'buy' END AS side,
       sequence, index, at, symbol_id, price, quantity, taker_order_id AS counter_order_id
  FROM fills
UNION ALL
SELECT taker_account_id, 'taker', taker_order_id, taker_side,
       sequence, index, at, symbol_id, price, quantity, maker_order_id
  FROM fills;
`,
  },
];

/** Any constant: the advisory lock key that serialises migrations (`ringline` in ASCII). */
const MIGRATION_LOCK_KEY = 0x72696e676c696e65n;

/** Applies every migration not applied yet; returns the versions it applied. */
export async function migrate(client: pg.ClientBase): Promise<number[]> {
  const applied: number[] = [];
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
    await client.query(`CREATE TABLE IF NOT EXISTS ringline_schema_migrations (
      version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
    const done = new Set((await client.query<{ version: number }>('SELECT version FROM ringline_schema_migrations')).rows.map((r) => r.version));
    const newest = Math.max(0, ...done);
    const known = MIGRATIONS[MIGRATIONS.length - 1].version;
    if (newest > known) {
      throw new Error(`the database's projection schema is version ${newest}, newer than this ringline's ${known}: upgrade ringline`);
    }
    for (const migration of MIGRATIONS) {
      if (done.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO ringline_schema_migrations (version, description) VALUES ($1, $2)', [migration.version, migration.description]);
      applied.push(migration.version);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
  return applied;
}

/** Asserted at load: versions strictly increase from 1. */
MIGRATIONS.forEach((m, i) => {
  if (m.version !== i + 1) throw new Error(`schema_migrations: migration #${i} has version ${m.version}, expected ${i + 1}`);
});
