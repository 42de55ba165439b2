/**
 * Reads users' history from the projection (the engine's GET /v1/accounts/:id/orders, /fills and
 * /statement): newest first, `limit` rows (1–1000, default 100), older pages with `before` (an
 * order id for orders, a sequence for fills and statement lines). Every answer says how far the
 * projection has got (`projectedThrough`), since it trails the engine by the projector's lag.
 *
 * Authorization is not decided here: the gateway asks the engine first (gateway/history_routes.ts).
 */
import pg from 'pg';
import { redactUrl } from './postgres_url.ts';

export const HISTORY_VIEWS = ['orders', 'fills', 'statement'] as const;
export type HistoryView = (typeof HISTORY_VIEWS)[number];
export const MAX_HISTORY_LIMIT = 1000;
export const DEFAULT_HISTORY_LIMIT = 100;

export interface HistoryQuery {
  readonly accountId: number;
  readonly limit: number;
  /** Only rows older than this: an order id for orders, a position for fills and statement; null = from the newest. */
  readonly before: HistoryCursor | null;
  /** statement only: one asset, or null for all. */
  readonly assetId: number | null;
}

/** orders: { sequence: orderId, index: 0 }; fills, statement: an event position. */
export interface HistoryCursor {
  readonly sequence: number;
  readonly index: number;
}

/** `before` as given: "N" (an order id, or every event of sequence N and later excluded) or "S:I" (a position). */
export function parseCursor(text: string): HistoryCursor | null {
  if (text === '') return null;
  const match = /^(\d{1,16})(?::(\d{1,10}))?$/.exec(text);
  const sequence = match === null ? NaN : Number(match[1]);
  const index = match?.[2] === undefined ? 0 : Number(match[2]);
  if (!Number.isSafeInteger(sequence) || sequence < 1 || index > 0xffffffff) {
    throw new RangeError(`before must be an order id, a sequence, or sequence:index (the nextBefore of the previous page); got ${JSON.stringify(text.slice(0, 40))}`);
  }
  return { sequence, index };
}

export interface HistoryPage {
  readonly accountId: number;
  readonly projectedThrough: { readonly sequence: number; readonly index: number };
  readonly rows: readonly Record<string, unknown>[];
  /** `before` for the next (older) page, or null when this page is the last. */
  readonly nextBefore: string | null;
}

/** Parses a query-string value as an integer in [min, max]; '' = fallback. Throws a message naming the parameter. */
export function queryInteger(name: string, text: string, min: number, max: number, fallback: number | null): number | null {
  if (text === '') return fallback;
  if (!/^\d{1,16}$/.test(text) || Number(text) < min || Number(text) > max) throw new RangeError(`${name} must be an integer from ${min} to ${max}; got ${JSON.stringify(text.slice(0, 40))}`);
  return Number(text);
}

/** int8 columns as numbers: every engine quantity is an exact integer below 2^53. */
const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === 20 ? Number : pg.types.getTypeParser(oid, format ?? 'text'))) as typeof pg.types.getTypeParser,
};

const SQL: Readonly<Record<HistoryView, string>> = {
  orders: `SELECT order_id AS "orderId", symbol_id AS "symbolId", side, price, quantity, order_type AS "orderType",
      time_in_force AS "timeInForce", status, resting_quantity AS "restingQuantity", filled_quantity AS "filledQuantity",
      accepted_at AS "acceptedAt", updated_at AS "updatedAt"
    FROM orders WHERE account_id = $1 AND ($2::bigint IS NULL OR order_id < $2) ORDER BY order_id DESC LIMIT $3`,
  fills: `SELECT sequence, index, at, role, order_id AS "orderId", side, symbol_id AS "symbolId", price, quantity,
      counter_order_id AS "counterOrderId"
    FROM account_fills WHERE account_id = $1 AND ($2::bigint IS NULL OR (sequence, index) < ($2, $4::integer)) ORDER BY sequence DESC, index DESC LIMIT $3`,
  statement: `SELECT sequence, index, at, asset_id AS "assetId", cause, available_delta AS "availableDelta", reserved_delta AS "reservedDelta",
      available, reserved
    FROM account_statement WHERE account_id = $1 AND ($2::bigint IS NULL OR (sequence, index) < ($2, $4::integer)) AND ($5::bigint IS NULL OR asset_id = $5)
    ORDER BY sequence DESC, index DESC LIMIT $3`,
};

export class HistoryStore {
  private readonly pool: pg.Pool;

  constructor(readonly url: string, maxConnections = 4) {
    this.pool = new pg.Pool({ connectionString: url, max: maxConnections, types: TYPES, connectionTimeoutMillis: 5000, statement_timeout: 10_000 });
    // An idle client losing its server (PostgreSQL restarting) is dropped from the pool; the next query reconnects.
    this.pool.on('error', () => undefined);
  }

  async page(view: HistoryView, query: HistoryQuery): Promise<HistoryPage> {
    const client = await this.pool.connect().catch((error: unknown) => {
      throw new Error(`history database at ${redactUrl(this.url)} unavailable: ${(error as Error).message}`);
    });
    try {
      const params: unknown[] = [query.accountId, query.before?.sequence ?? null, query.limit];
      if (view !== 'orders') params.push(query.before?.index ?? 0);
      if (view === 'statement') params.push(query.assetId);
      const [rows, position] = await Promise.all([
        client.query<Record<string, unknown>>(SQL[view], params),
        client.query<{ sequence: number; index: number }>('SELECT sequence, index FROM projector_position WHERE id = 1'),
      ]);
      const last = rows.rows[rows.rows.length - 1];
      const nextBefore = rows.rows.length < query.limit || last === undefined ? null
        : view === 'orders' ? String(last.orderId) : `${String(last.sequence)}:${String(last.index)}`;
      const through = position.rows[0] ?? { sequence: 0, index: -1 };
      return { accountId: query.accountId, projectedThrough: { sequence: through.sequence, index: through.index }, rows: rows.rows, nextBefore };
    } catch (error) {
      if (/relation .* does not exist/.test((error as Error).message)) {
        throw new Error(`history database at ${redactUrl(this.url)} has no projection yet: start \`ringline project\` against it`);
      }
      throw error;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
