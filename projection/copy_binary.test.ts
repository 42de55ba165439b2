// Binary COPY rows read back by a real PostgreSQL equal what was written: bigints across the whole
// exact-integer range (negative ones included), integers, timestamps, UTF-8 text and NULLs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { startTemporaryPostgres, type TemporaryPostgres } from './test_support/temporary_postgres.ts';
import { CopyBinaryWriter, type CopyValue } from './copy_binary.ts';

let server: TemporaryPostgres;
let client: pg.Client;
beforeAll(async () => {
  server = await startTemporaryPostgres();
  client = new pg.Client({ connectionString: server.server.url });
  await client.connect();
  await client.query('CREATE TABLE copy_probe (n BIGINT, i INTEGER, at TIMESTAMPTZ, t TEXT)');
});
afterAll(async () => {
  await client?.end();
  await server?.dispose();
});

function copy(data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = client.query(copyFrom('COPY copy_probe (n, i, at, t) FROM STDIN (FORMAT binary)'));
    stream.on('error', reject);
    stream.on('finish', () => resolve());
    stream.end(data);
  });
}

const row = fc.tuple(
  fc.option(fc.maxSafeInteger().map((n) => n - (n % 1)), { nil: null }),
  fc.option(fc.integer(), { nil: null }),
  // Whole microseconds from 1970 to 2200.
  fc.option(fc.integer({ min: 0, max: 7_258_118_400_000 }).map((ms) => ms * 1000 + 123), { nil: null }),
  fc.option(fc.string({ unit: 'grapheme', maxLength: 40 }).filter((s) => !s.includes('\u0000')), { nil: null }),
);

describe('CopyBinaryWriter', () => {
  it('writes rows PostgreSQL reads back unchanged', async () => {
    await fc.assert(fc.asyncProperty(fc.array(row, { maxLength: 60 }), fc.integer({ min: 19, max: 256 }), async (rows, initialBytes) => {
      await client.query('TRUNCATE copy_probe');
      const columns: CopyValue[][] = [[], [], [], []];
      for (const r of rows) r.forEach((v, c) => columns[c].push(v));
      // A small first buffer makes the writer grow mid-row.
      const writer = new CopyBinaryWriter(['bigint', 'integer', 'timestamptz_us', 'text'], initialBytes);
      rows.forEach((_, i) => writer.rowFromColumns(columns, i));
      expect(writer.rows).toBe(rows.length);
      await copy(writer.finish());
      const back = (await client.query<{ n: string | null; i: number | null; at_us: string | null; t: string | null }>(
        `SELECT n, i, (extract(epoch FROM at) * 1000000)::bigint AS at_us, t FROM copy_probe`)).rows;
      expect(back.map((b) => [b.n === null ? null : Number(b.n), b.i, b.at_us === null ? null : Number(b.at_us), b.t])).toEqual(rows);
    }), { numRuns: 40 });
  });

  it('refuses a bigint that is not an exact integer', () => {
    const writer = new CopyBinaryWriter(['bigint']);
    expect(() => writer.rowFromColumns([[1.5]], 0)).toThrow(/not an exact integer/);
    expect(() => writer.rowFromColumns([[2 ** 53]], 0)).toThrow(/not an exact integer/);
  });
});
