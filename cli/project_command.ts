/**
 * `ringline project --postgres URL --engine ws://host:port --admin-key KEY`: the PostgreSQL projection
 * (projection/projector.ts) as its own process, until SIGINT/SIGTERM (exit 0). It resumes from the
 * position stored in PostgreSQL, so it can be killed at any moment.
 *
 * `ringline project --status --postgres URL`: prints the stored position as JSON (what has been
 * committed, and when) and exits.
 *
 * Lag: GET /status (JSON) and GET /metrics (Prometheus) on --http-port, and a log line every
 * --log-every-ms while it runs.
 */
import { createServer, type Server } from 'node:http';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { Registry, Gauge, Counter } from 'prom-client';
import { createLogger, defaultLogFormat, LOG_FORMATS, type LogFormat } from './logger.ts';
import { parsingUsage, UsageError } from './usage_error.ts';
import { DEFAULT_MAX_BATCH_EVENTS, Projector, type ProjectorStatus } from '../projection/projector.ts';
import { readPosition } from '../projection/projection_writer.ts';
import { migrate } from '../projection/schema_migrations.ts';
import { redactUrl, validatePostgresUrl } from '../projection/postgres_url.ts';
import { subscriptionSource } from '../projection/subscription_source.ts';

export const PROJECT_USAGE = `usage: ringline project --postgres URL --engine ADDRESS --admin-key KEY [options]
       ringline project --status --postgres URL

  --postgres URL          postgres://user:password@host:port/database (RINGLINE_POSTGRES) [required]
  --engine ADDRESS        the engine's event subscriptions: ws://host:wsPort, tcp://host:eventsTcpPort,
                          or host:wsPort (RINGLINE_ENGINE) [ws://127.0.0.1:7401]
  --admin-key KEY         an admin principal's key: the all-events stream is admin-only (RINGLINE_ADMIN_KEY)
  --batch-events N        events per PostgreSQL transaction at most, 1-1000000 [20000]
  --max-queued-events N   events held while PostgreSQL is behind before resubscribing later [200000]
  --prepare-threads N     threads that decode and encode batches, 0-16 (0 = the main thread) [1]
  --http-port N           GET /status (JSON) and GET /metrics (Prometheus), 0 = ephemeral, -1 = off [-1]
  --host ADDR             bind address of --http-port [127.0.0.1]
  --log-every-ms N        a progress line with the lag this often, 0 = never [10000]
  --log-format FORMAT     json | pretty [pretty on a terminal, else json]
  --status                print the stored position (JSON) and exit`;

export interface ProjectOptions {
  readonly postgres: string;
  readonly engine: string;
  readonly adminKey: string;
  readonly batchEvents: number;
  readonly maxQueuedEvents: number;
  readonly prepareThreads: number;
  readonly httpPort: number;
  readonly host: string;
  readonly logEveryMs: number;
  readonly logFormat: LogFormat;
  readonly status: boolean;
}

export function parseProjectArgs(argv: readonly string[], env: NodeJS.ProcessEnv): ProjectOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv], strict: true, allowPositionals: false,
      options: {
        postgres: { type: 'string' }, engine: { type: 'string' }, 'admin-key': { type: 'string' }, 'batch-events': { type: 'string' },
        'max-queued-events': { type: 'string' }, 'prepare-threads': { type: 'string' }, 'http-port': { type: 'string' }, host: { type: 'string' }, 'log-every-ms': { type: 'string' },
        'log-format': { type: 'string' }, status: { type: 'boolean' },
      },
    }).values;
  } catch (error) {
    throw new UsageError(`ringline project: ${(error as Error).message}`);
  }
  const text = (flag: string, envName: string | null): string | undefined => (values[flag] as string | undefined) ?? (envName === null ? undefined : env[envName] || undefined);
  const postgres = text('postgres', 'RINGLINE_POSTGRES');
  if (postgres === undefined) throw new UsageError('ringline project: --postgres URL is required (or RINGLINE_POSTGRES)');
  try {
    validatePostgresUrl(postgres, '--postgres');
  } catch (error) {
    throw new UsageError(`ringline project: ${(error as Error).message}`);
  }
  const status = values.status === true;
  const adminKey = text('admin-key', 'RINGLINE_ADMIN_KEY') ?? '';
  if (!status && adminKey === '') throw new UsageError('ringline project: --admin-key KEY is required (or RINGLINE_ADMIN_KEY): the all-events stream is for admins');
  const logFormat = (text('log-format', 'RINGLINE_LOG_FORMAT') ?? defaultLogFormat()) as LogFormat;
  if (!LOG_FORMATS.includes(logFormat)) throw new UsageError(`ringline project: --log-format must be one of ${LOG_FORMATS.join(', ')}; got ${JSON.stringify(logFormat)}`);
  return {
    postgres, status, adminKey, logFormat,
    engine: engineUrl(text('engine', 'RINGLINE_ENGINE') ?? 'ws://127.0.0.1:7401'),
    batchEvents: intFlag(values, 'batch-events', DEFAULT_MAX_BATCH_EVENTS, 1, 1_000_000),
    maxQueuedEvents: intFlag(values, 'max-queued-events', 200_000, 1, 100_000_000),
    prepareThreads: intFlag(values, 'prepare-threads', 1, 0, 16),
    httpPort: intFlag(values, 'http-port', -1, -1, 65535),
    host: text('host', null) ?? '127.0.0.1',
    logEveryMs: intFlag(values, 'log-every-ms', 10_000, 0, 86_400_000),
  };
}

/** ws://, wss://, tcp:// and tls:// URLs as given; a bare host:port is the WebSocket port. */
function engineUrl(value: string): string {
  if (/^(wss?|tcp|tls):\/\/[^/\s]+/.test(value)) return value.replace(/\/+$/, '');
  if (/^[^:/\s]+:\d{1,5}$/.test(value)) return `ws://${value}`;
  throw new UsageError(`ringline project: --engine must be ws://host:port, wss://host:port, tcp://host:port, tls://host:port or host:port; got ${JSON.stringify(value)}`);
}

function intFlag(values: Record<string, string | boolean | undefined>, flag: string, fallback: number, min: number, max: number): number {
  const raw = values[flag] as string | undefined;
  if (raw === undefined) return fallback;
  const n = /^-?\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`ringline project: --${flag} must be an integer from ${min} to ${max}; got ${JSON.stringify(raw)}`);
  return n;
}

/** The stored position and when it was committed, as `--status` prints it. */
export async function storedStatus(postgresUrl: string): Promise<Record<string, unknown>> {
  const client = new pg.Client({ connectionString: postgresUrl });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`cannot connect to PostgreSQL at ${redactUrl(postgresUrl)}: ${(error as Error).message}`);
  }
  try {
    await migrate(client);
    const position = await readPosition(client);
    return {
      position: { sequence: position.sequence, index: position.index }, eventsApplied: position.eventsApplied,
      lastEventAt: position.eventAt?.toISOString() ?? null, committedAt: position.updatedAt.toISOString(),
      eventToCommitMs: position.eventAt === null ? null : position.updatedAt.getTime() - position.eventAt.getTime(),
    };
  } finally {
    await client.end();
  }
}

function metricsRegistry(status: () => ProjectorStatus): Registry {
  const registry = new Registry();
  const gauge = (name: string, help: string, read: (s: ProjectorStatus) => number): void => {
    registry.registerMetric(new Gauge({ name, help, registers: [], collect(this: Gauge) { this.set(read(status())); } }));
  };
  gauge('ringline_projector_lag_seconds', 'Now minus the sequencer time of the last committed event while events wait; 0 when caught up', (s) => s.lagMs / 1000);
  gauge('ringline_projector_queued_events', 'Events received and not yet committed', (s) => s.queuedEvents);
  gauge('ringline_projector_position_sequence', 'Sequence of the last committed event', (s) => s.position.sequence);
  gauge('ringline_projector_streaming', '1 while subscribed and writing, 0 while reconnecting', (s) => (s.state === 'streaming' ? 1 : 0));
  const counter = (name: string, help: string, read: (s: ProjectorStatus) => number): void => {
    registry.registerMetric(new Counter({ name, help, registers: [], collect(this: Counter) { this.reset(); this.inc(read(status())); } }));
  };
  counter('ringline_projector_events_applied_total', 'Events committed to PostgreSQL (as stored there)', (s) => s.eventsApplied);
  counter('ringline_projector_rows_written_total', 'Event-table rows written by this process', (s) => s.rowsWritten);
  counter('ringline_projector_batches_total', 'Transactions committed by this process', (s) => s.batches);
  counter('ringline_projector_restarts_total', 'Resubscriptions after a failure (PostgreSQL or the engine gone)', (s) => s.restarts);
  return registry;
}

function startStatusServer(host: string, port: number, projector: Projector): Promise<Server> {
  const registry = metricsRegistry(() => projector.status());
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/status') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(projector.status()));
    } else if (req.method === 'GET' && req.url === '/metrics') {
      registry.metrics().then((text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (error: unknown) => res.writeHead(500).end(`metrics: ${(error as Error).message}\n`));
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'routes: GET /status, GET /metrics' }));
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', (error) => reject(new Error(`ringline project: --http-port ${port} on ${host}: ${error.message}`)));
    server.listen(port, host, () => resolve(server));
  });
}

export async function projectCommand(argv: readonly string[]): Promise<number> {
  const options = parsingUsage('ringline project', PROJECT_USAGE, () => parseProjectArgs(argv, process.env));
  if (options.status) {
    process.stdout.write(`${JSON.stringify(await storedStatus(options.postgres), null, 2)}\n`);
    return 0;
  }
  const logger = createLogger({ format: options.logFormat }).child({ role: 'projector' });
  const projector = new Projector({
    postgresUrl: options.postgres, source: subscriptionSource({ url: options.engine, apiKey: options.adminKey }),
    maxBatchEvents: options.batchEvents, maxQueuedEvents: options.maxQueuedEvents, prepareThreads: options.prepareThreads,
    log: (level, message, fields) => logger[level](fields ?? {}, message),
  });
  const server = options.httpPort >= 0 ? await startStatusServer(options.host, options.httpPort, projector) : null;
  const address = server?.address();
  logger.info({ postgres: redactUrl(options.postgres), engine: options.engine, httpPort: typeof address === 'object' && address !== null ? address.port : -1 },
    'projecting the engine\'s events into PostgreSQL');
  const progress = options.logEveryMs > 0 ? setInterval(() => {
    const s = projector.status();
    logger.info({ position: s.position, eventsApplied: s.eventsApplied, queuedEvents: s.queuedEvents, lagMs: Math.round(s.lagMs), state: s.state }, 'progress');
  }, options.logEveryMs) : null;
  const running = projector.start();
  const signal = await Promise.race([
    new Promise<string>((done) => {
      process.once('SIGINT', () => done('SIGINT'));
      process.once('SIGTERM', () => done('SIGTERM'));
    }),
    running.then(() => 'ended'),
  ]);
  logger.info({ signal }, 'stopping');
  if (progress !== null) clearInterval(progress);
  await projector.stop();
  await new Promise((resolve) => (server === null ? resolve(undefined) : server.close(resolve)));
  const final = projector.status();
  logger.info({ position: final.position, eventsApplied: final.eventsApplied, state: final.state }, 'stopped');
  if (final.state === 'failed') {
    process.stderr.write(`ringline project: ${final.lastError}\n`);
    return 1;
  }
  return 0;
}
