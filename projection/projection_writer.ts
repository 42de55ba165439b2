/**
 * Writes one batch of events into PostgreSQL in one transaction that also stores the position of the
 * batch's last event (projector_position). The transaction first locks the stored position
 * (SELECT … FOR UPDATE) and drops every event at or before it, so a batch delivered twice (a
 * projector killed after COMMIT but before it learned so, two projectors at once, a resubscription
 * from an older position) applies nothing twice; a batch whose transaction did not commit left no
 * trace and is delivered again. Each event table's primary key (sequence, index) backs this up.
 *
 * Event (history) tables take their rows by binary COPY (copy_binary.ts): the bulk of the rows, and
 * the cheapest way into PostgreSQL. Current-state tables (orders, balances, items, seats, accounts),
 * one row per key after folding, by one multi-row upsert each: `INSERT … SELECT … FROM unnest(…)`.
 * A COPY has no ON CONFLICT: the position filter under the lock is what keeps events single, and an
 * event stored twice anyway would fail the transaction on the primary key (loudly) rather than pass.
 *
 * Batches are event records as they came off the wire (codec/records/event_descriptor.ts), back to
 * back. Work is split so the projector can overlap it: prepareBatch() (CPU only: folding the records
 * and encoding; its result is plain data a worker thread can hand back, prepare_batch_worker.ts) runs
 * while PostgreSQL commits the previous batch; commitBatch() is the transaction.
 */
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { EvtHeader, EVT_RECORD_BYTES, isAfterPosition } from '../codec/records/event_descriptor.ts';
import { projectionRows, type Columns, type ProjectionRows } from './projection_rows.ts';
import { CopyBinaryWriter, type CopyColumnType } from './copy_binary.ts';

export interface EventPosition {
  readonly sequence: number;
  readonly index: number;
}

/** Before any event: sequences start at 1. */
export const START_POSITION: EventPosition = { sequence: 0, index: -1 };

export interface BatchOutcome {
  /** Events of the batch that were after the stored position (and so applied). */
  readonly applied: number;
  /** Rows written to event tables. */
  readonly rows: number;
  /** The stored position after the transaction. */
  readonly position: EventPosition;
}

/** The stored position (START_POSITION before the first batch). */
export async function readPosition(client: pg.ClientBase): Promise<EventPosition & { eventsApplied: number; eventAt: Date | null; updatedAt: Date }> {
  const { rows } = await client.query<{ sequence: string; index: number; events_applied: string; event_at: Date | null; updated_at: Date }>(
    'SELECT sequence, index, events_applied, event_at, updated_at FROM projector_position WHERE id = 1');
  if (rows.length === 0) throw new Error('projector_position has no row: the projection schema is incomplete (run the migrations)');
  return { sequence: Number(rows[0].sequence), index: rows[0].index, eventsApplied: Number(rows[0].events_applied), eventAt: rows[0].event_at,
    updatedAt: rows[0].updated_at };
}

const AT = 'to_timestamp(at_us / 1e6)';

type RowsName = keyof Omit<ProjectionRows, 'eventRows'>;

/** Current-state statement: `sql` reads the unnest columns named in `types` (same order as the Columns). */
interface Upsert {
  readonly rows: keyof UpsertRows;
  readonly types: Readonly<Record<string, string>>;
  readonly sql: (from: string) => string;
}

/** An append-only history table, filled by binary COPY: one row per event, keyed by (sequence, index). */
interface History {
  readonly rows: RowsName;
  /** Columns of `rows` in COPY order, with their binary types. */
  readonly columns: readonly string[];
  readonly types: readonly CopyColumnType[];
  readonly sql: string;
}

const KEY_TYPES = { sequence: 'bigint', index: 'integer', at_us: 'float8' } as const;

function history(rows: RowsName, table: string, columns: Readonly<Record<string, 'bigint' | 'text'>>): History {
  const names = Object.keys(columns);
  return {
    rows, columns: ['sequence', 'index', 'at_us', ...names], types: ['bigint', 'integer', 'timestamptz_us', ...names.map((name) => columns[name])],
    sql: `COPY ${table} (sequence, index, at, ${names.join(', ')}) FROM STDIN (FORMAT binary)`,
  };
}

/** A current-state table: one row per `key`, replaced by the newest event's values and position. */
function current(rows: keyof UpsertRows, table: string, key: readonly string[], columns: Readonly<Record<string, string>>): Upsert {
  const names = Object.keys(columns);
  const updated = [...names.filter((name) => !key.includes(name)), 'updated_at', 'last_sequence', 'last_index'];
  return {
    rows, types: { ...columns, ...KEY_TYPES },
    sql: (from) => `INSERT INTO ${table} (${names.join(', ')}, updated_at, last_sequence, last_index)
      SELECT ${names.join(', ')}, ${AT}, sequence, index FROM ${from}
      ON CONFLICT (${key.join(', ')}) DO UPDATE SET ${updated.map((name) => `${name} = EXCLUDED.${name}`).join(', ')}`,
  };
}

/** In dependency order: accepted orders exist before patches update them. */
const UPSERTS: readonly Upsert[] = [
  {
    rows: 'accounts', types: { account_id: 'bigint', principal_id: 'bigint' },
    sql: (from) => `INSERT INTO accounts (account_id, principal_id) SELECT account_id, principal_id FROM ${from} ON CONFLICT (account_id) DO NOTHING`,
  },
  {
    rows: 'acceptedOrders',
    types: { order_id: 'bigint', account_id: 'bigint', symbol_id: 'bigint', side: 'text', price: 'bigint', quantity: 'bigint', order_type: 'integer',
      time_in_force: 'integer', ...KEY_TYPES },
    // A reused order id (after its earlier order ended) starts afresh.
    sql: (from) => `INSERT INTO orders (order_id, account_id, symbol_id, side, price, quantity, order_type, time_in_force, status, resting_quantity,
        filled_quantity, accepted_at, updated_at, last_sequence, last_index)
      SELECT order_id, account_id, symbol_id, side, price, quantity, order_type, time_in_force, 'accepted', 0, 0, ${AT}, ${AT}, sequence, index FROM ${from}
      ON CONFLICT (order_id) DO UPDATE SET account_id = EXCLUDED.account_id, symbol_id = EXCLUDED.symbol_id, side = EXCLUDED.side,
        price = EXCLUDED.price, quantity = EXCLUDED.quantity, order_type = EXCLUDED.order_type, time_in_force = EXCLUDED.time_in_force,
        status = 'accepted', resting_quantity = 0, filled_quantity = 0, accepted_at = EXCLUDED.accepted_at, updated_at = EXCLUDED.updated_at,
        last_sequence = EXCLUDED.last_sequence, last_index = EXCLUDED.last_index`,
  },
  {
    rows: 'orderPatches',
    types: { order_id: 'bigint', status: 'text', price: 'bigint', resting_set: 'bigint', resting_less: 'bigint', filled_set: 'bigint',
      filled_more: 'bigint', ...KEY_TYPES },
    sql: (from) => `UPDATE orders o SET status = COALESCE(u.status, o.status), price = COALESCE(u.price, o.price),
        resting_quantity = COALESCE(u.resting_set, o.resting_quantity - u.resting_less),
        filled_quantity = COALESCE(u.filled_set, o.filled_quantity + u.filled_more),
        updated_at = to_timestamp(u.at_us / 1e6), last_sequence = u.sequence, last_index = u.index
      FROM ${from} WHERE o.order_id = u.order_id`,
  },
  current('balances', 'balances', ['account_id', 'asset_id'], { account_id: 'bigint', asset_id: 'bigint', available: 'bigint', reserved: 'bigint' }),
  current('items', 'items', ['item_id'], { item_id: 'bigint', stock: 'bigint', sold: 'bigint' }),
  current('seats', 'seats', ['event_id', 'seat'], { event_id: 'bigint', seat: 'bigint', holder_account_id: 'bigint', price: 'bigint' }),
];

const HISTORIES: readonly History[] = [
  history('orderEvents', 'order_events', { order_id: 'bigint', account_id: 'bigint', symbol_id: 'bigint', kind: 'text', side: 'text', price: 'bigint',
    quantity: 'bigint', reason: 'text' }),
  history('fills', 'fills', { symbol_id: 'bigint', price: 'bigint', quantity: 'bigint', taker_side: 'text', maker_order_id: 'bigint',
    taker_order_id: 'bigint', maker_account_id: 'bigint', taker_account_id: 'bigint' }),
  history('transfers', 'transfers', { kind: 'text', transfer_id: 'bigint', from_account_id: 'bigint', to_account_id: 'bigint', asset_id: 'bigint',
    amount: 'bigint' }),
  history('balanceChanges', 'balance_changes', { account_id: 'bigint', asset_id: 'bigint', available: 'bigint', reserved: 'bigint', cause: 'text' }),
  history('sales', 'sales', { item_id: 'bigint', buyer_account_id: 'bigint', quantity: 'bigint', total_price: 'bigint' }),
  history('restocks', 'restocks', { item_id: 'bigint', quantity: 'bigint' }),
  history('seatBookings', 'seat_bookings', { kind: 'text', event_id: 'bigint', seat: 'bigint', holder_account_id: 'bigint', price: 'bigint' }),
];

/** `unnest($1::bigint[], $2::text[], …) AS u(a, b, …)` (alias u) over the columns of `types`, and its parameters. */
function unnestSource(types: Readonly<Record<string, string>>, data: Columns): { from: string; params: unknown[] } {
  const names = Object.keys(types);
  const args = names.map((name, i) => `$${i + 1}::${types[name]}[]`);
  return { from: `unnest(${args.join(', ')}) AS u(${names.join(', ')})`, params: names.map((name) => data[name]) };
}

type UpsertRows = Pick<ProjectionRows, 'accounts' | 'acceptedOrders' | 'orderPatches' | 'balances' | 'items' | 'seats'>;

/** A batch decoded, folded and encoded, ready for its transaction: plain data (structured-cloneable). */
export interface PreparedBatch {
  /** The batch's records (positions strictly increasing). */
  readonly records: Uint8Array;
  readonly count: number;
  readonly upserts: UpsertRows;
  /** Binary COPY data per history table that has rows. */
  readonly copies: readonly { readonly sql: string; readonly data: Uint8Array }[];
  /** Rows in event tables. */
  readonly eventRows: number;
  /** The last event's sequencer time (µs), for the lag. */
  readonly lastTimestampUs: number;
}

/** Decodes, folds and encodes `records` (whole event records, increasing positions): CPU only, no database. */
export function prepareBatch(records: Uint8Array): PreparedBatch {
  if (records.byteLength === 0 || records.byteLength % EVT_RECORD_BYTES !== 0) {
    throw new RangeError(`prepareBatch: ${records.byteLength} bytes is not a positive whole number of ${EVT_RECORD_BYTES}-byte event records`);
  }
  const rows = projectionRows(records);
  const copies: { sql: string; data: Uint8Array }[] = [];
  for (const table of HISTORIES) {
    const data = rows[table.rows];
    const columns = table.columns.map((name) => data[name]);
    const count = columns[0].length;
    if (count === 0) continue;
    const writer = new CopyBinaryWriter(table.types, 64 + count * (2 + table.types.length * 12 + 16));
    for (let i = 0; i < count; i++) writer.rowFromColumns(columns, i);
    copies.push({ sql: table.sql, data: writer.finish() });
  }
  const count = records.byteLength / EVT_RECORD_BYTES;
  const { accounts, acceptedOrders, orderPatches, balances, items, seats } = rows;
  return {
    records, count, upserts: { accounts, acceptedOrders, orderPatches, balances, items, seats }, copies, eventRows: rows.eventRows,
    lastTimestampUs: recordView(records).getFloat64((count - 1) * EVT_RECORD_BYTES + EvtHeader.TIMESTAMP_US, true),
  };
}

function recordView(records: Uint8Array): DataView {
  return new DataView(records.buffer, records.byteOffset, records.byteLength);
}

/** The position of record `i`. */
export function recordPosition(records: Uint8Array, i: number): EventPosition {
  const view = recordView(records);
  return { sequence: view.getFloat64(i * EVT_RECORD_BYTES + EvtHeader.SEQUENCE, true), index: view.getUint32(i * EVT_RECORD_BYTES + EvtHeader.INDEX, true) };
}

function copyInto(client: pg.ClientBase, sql: string, data: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = client.query(copyFrom(sql));
    stream.on('error', reject);
    stream.on('finish', () => resolve());
    stream.end(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  });
}

/**
 * Applies `records` (whole event records, increasing positions) in one transaction; returns what it
 * applied. Throws on any database error after rolling back: nothing of the batch is then stored, the
 * position included.
 */
export async function writeBatch(client: pg.ClientBase, records: Uint8Array): Promise<BatchOutcome> {
  return commitBatch(client, prepareBatch(records));
}

/** The transaction of a prepared batch (see writeBatch). */
export async function commitBatch(client: pg.ClientBase, prepared: PreparedBatch): Promise<BatchOutcome> {
  await client.query('BEGIN');
  try {
    const { rows } = await client.query<{ sequence: string; index: number }>('SELECT sequence, index FROM projector_position WHERE id = 1 FOR UPDATE');
    if (rows.length === 0) throw new Error('projector_position has no row: the projection schema is incomplete (run the migrations)');
    const stored = { sequence: Number(rows[0].sequence), index: rows[0].index };
    const { records, count } = prepared;
    let first = 0;
    for (; first < count; first++) {
      const p = recordPosition(records, first);
      if (isAfterPosition(p.sequence, p.index, stored.sequence, stored.index)) break;
    }
    if (first === count) {
      await client.query('COMMIT');
      return { applied: 0, rows: 0, position: stored };
    }
    // Part of the batch is already stored (a redelivery after a restart): fold again what is new.
    const batch = first === 0 ? prepared : prepareBatch(records.subarray(first * EVT_RECORD_BYTES));
    for (const statement of UPSERTS) {
      const data = batch.upserts[statement.rows];
      if (Object.values(data)[0].length === 0) continue;
      const { from, params } = unnestSource(statement.types, data);
      await client.query(statement.sql(from), params);
    }
    for (const copy of batch.copies) await copyInto(client, copy.sql, copy.data);
    const last = recordPosition(records, count - 1);
    const applied = count - first;
    await client.query('UPDATE projector_position SET sequence = $1, index = $2, events_applied = events_applied + $3, event_at = to_timestamp($4 / 1e6), updated_at = now() WHERE id = 1',
      [last.sequence, last.index, applied, prepared.lastTimestampUs]);
    await client.query('COMMIT');
    return { applied, rows: batch.eventRows, position: last };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
